//! `KStream::join` / `left_join` / `outer_join`: records of two streams
//! with the same key and close enough in time.
//!
//! Semantics (Kafka's `KStreamKStreamJoin` since 3.1, checked against its
//! source, with the differences said below):
//!
//! - A left record at `t` joins the right records of its key with
//!   timestamps in `[t - before, t + after]`, both inclusive; a right
//!   record at `t` joins left records in `[t - after, t + before]`. A joined
//!   result has the larger of the two timestamps.
//! - The join keeps its own stream time: the largest timestamp of the
//!   (non-null) records of either side. A record's join window closes when
//!   `t + after + grace < stream time` for a left record (`before` for a
//!   right one). A record that arrives with its window already closed is
//!   dropped and counted in the task's `dropped_records`.
//! - Both sides are buffered in change-logged window stores (one list of
//!   values per key and timestamp, each with a "joined" flag) while their
//!   window is open; a buffered record is removed when its window closes.
//!   Two records join when the second arrives while the first is still
//!   buffered. Difference from Kafka: Kafka keeps buffered records for
//!   `before + after + grace` and may still join a record whose own window
//!   has closed (and whose left-join result with no partner was already
//!   emitted); here a closed window is final.
//! - Left and outer joins emit a record that found no partner once its
//!   window closes (never eagerly, as Kafka does since 3.1 to avoid spurious
//!   results): `joiner(left, None)` (and for outer joins `joiner(None,
//!   right)` for right records), with the record's own timestamp, in
//!   timestamp order, when a later record moves stream time past the close.
//! - Records with a null value are skipped; a null key is skipped, except
//!   that a left join emits `joiner(left, None)` at once for a left record
//!   with a null key (and an outer join does so for both sides), as Kafka
//!   does.

use std::sync::Arc;

use kafka_client::serde::{Deserializer, SerdeError, Serializer, SharedSerde};

use crate::dsl::JoinWindows;
use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

/// A record of either side, as the join processor receives it.
#[derive(Debug, Clone)]
pub(crate) enum JoinInput<V1, V2> {
    Left(V1),
    Right(V2),
}

/// Tags the left side's records.
pub(crate) struct TagLeft;

impl<K: Data, V1: Data, V2: Data> Processor<K, V1, K, JoinInput<V1, V2>> for TagLeft {
    fn process(
        &mut self,
        record: Record<K, V1>,
        ctx: &mut ProcessorContext<'_, K, JoinInput<V1, V2>>,
    ) -> Result<()> {
        let (key, value, ts, headers) = record.into_parts();
        ctx.forward(Record::new(key, value.map(JoinInput::Left), ts).with_headers(headers));
        Ok(())
    }
}

/// Tags the right side's records.
pub(crate) struct TagRight;

impl<K: Data, V1: Data, V2: Data> Processor<K, V2, K, JoinInput<V1, V2>> for TagRight {
    fn process(
        &mut self,
        record: Record<K, V2>,
        ctx: &mut ProcessorContext<'_, K, JoinInput<V1, V2>>,
    ) -> Result<()> {
        let (key, value, ts, headers) = record.into_parts();
        ctx.forward(Record::new(key, value.map(JoinInput::Right), ts).with_headers(headers));
        Ok(())
    }
}

/// Which records without a partner are emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinKind {
    Inner,
    Left,
    Outer,
}

impl JoinKind {
    fn emits_unjoined(self, left: bool) -> bool {
        match self {
            JoinKind::Inner => false,
            JoinKind::Left => left,
            JoinKind::Outer => true,
        }
    }
}

/// The joined value of a left and a right value (one may be missing for
/// left and outer joins); `None` for a combination the join does not emit.
pub(crate) type StreamJoiner<V1, V2, VR> =
    Arc<dyn Fn(Option<&V1>, Option<&V2>) -> Option<VR> + Send + Sync>;

/// The buffered values of one key and timestamp: `(joined, value)`.
pub(crate) type BufferList<V> = Vec<(bool, V)>;

/// `count (u32 BE)`, then per value `joined (1 byte) ++ length (u32 BE) ++ bytes`.
#[derive(Debug, Clone)]
pub(crate) struct BufferListSerde<V> {
    inner: SharedSerde<V>,
}

impl<V> BufferListSerde<V> {
    pub(crate) fn new(inner: SharedSerde<V>) -> Self {
        BufferListSerde { inner }
    }
}

impl<V: 'static> Serializer<BufferList<V>> for BufferListSerde<V> {
    fn serialize(&self, topic: &str, list: &BufferList<V>) -> Result<Vec<u8>, SerdeError> {
        let count = u32::try_from(list.len())
            .map_err(|_| SerdeError::new("more than 2^32 buffered join values"))?;
        let mut out = count.to_be_bytes().to_vec();
        for (joined, v) in list {
            let bytes = self.inner.serialize(topic, v)?;
            let len = u32::try_from(bytes.len())
                .map_err(|_| SerdeError::new("a buffered join value longer than 4 GiB"))?;
            out.push(u8::from(*joined));
            out.extend_from_slice(&len.to_be_bytes());
            out.extend(bytes);
        }
        Ok(out)
    }
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], SerdeError> {
    if bytes.len() < n {
        return Err(SerdeError::new("a truncated join buffer entry"));
    }
    let (head, tail) = bytes.split_at(n);
    *bytes = tail;
    Ok(head)
}

fn be_u32(bytes: &[u8]) -> u32 {
    let mut arr = [0u8; 4];
    arr.copy_from_slice(bytes);
    u32::from_be_bytes(arr)
}

impl<V: 'static> Deserializer<BufferList<V>> for BufferListSerde<V> {
    fn deserialize(&self, topic: &str, mut bytes: &[u8]) -> Result<BufferList<V>, SerdeError> {
        let count = be_u32(take(&mut bytes, 4)?);
        let mut out = Vec::new();
        for _ in 0..count {
            let joined = take(&mut bytes, 1)?[0] != 0;
            let len = be_u32(take(&mut bytes, 4)?) as usize;
            let value = self.inner.deserialize(topic, take(&mut bytes, len)?)?;
            out.push((joined, value));
        }
        Ok(out)
    }
}

pub(crate) struct StreamStreamJoin<V1, V2, VR> {
    pub(crate) left_store: String,
    pub(crate) right_store: String,
    pub(crate) windows: JoinWindows,
    pub(crate) kind: JoinKind,
    pub(crate) joiner: StreamJoiner<V1, V2, VR>,
    pub(crate) observed: Option<i64>,
}

impl<V1: Data, V2: Data, VR: Data> StreamStreamJoin<V1, V2, VR> {
    /// How long after its timestamp a record of this side can be joined.
    fn lookahead(&self, left: bool) -> i64 {
        if left {
            self.windows.after_ms()
        } else {
            self.windows.before_ms()
        }
    }

    fn closed(&self, left: bool, ts: i64, now: i64) -> bool {
        ts.saturating_add(self.lookahead(left))
            .saturating_add(self.windows.grace_ms())
            < now
    }

    /// Removes the buffered records of one side whose window closed at
    /// `now`; returns the unjoined ones to emit: `(timestamp, key, value)`.
    fn expire<K: Data, V: Data>(
        &self,
        ctx: &mut ProcessorContext<'_, K, VR>,
        left: bool,
        now: i64,
    ) -> Result<Vec<(i64, K, V)>> {
        let store_name = if left {
            &self.left_store
        } else {
            &self.right_store
        };
        let emit = self.kind.emits_unjoined(left);
        let mut store = ctx.window_store::<K, BufferList<V>>(store_name)?;
        let mut out = Vec::new();
        for (key, ts, list) in store.all()? {
            if !self.closed(left, ts, now) {
                continue;
            }
            store.put(&key, ts, None)?;
            if emit {
                for (joined, v) in list {
                    if !joined {
                        out.push((ts, key.clone(), v));
                    }
                }
            }
        }
        Ok(out)
    }
}

impl<K: Data, V1: Data, V2: Data, VR: Data> Processor<K, JoinInput<V1, V2>, K, VR>
    for StreamStreamJoin<V1, V2, VR>
{
    fn process(
        &mut self,
        record: Record<K, JoinInput<V1, V2>>,
        ctx: &mut ProcessorContext<'_, K, VR>,
    ) -> Result<()> {
        let (key, input, ts, headers) = record.into_parts();
        let Some(input) = input else {
            super::skip_null_value(ctx.processor_name());
            return Ok(());
        };
        let is_left = matches!(input, JoinInput::Left(_));
        let Some(key) = key else {
            if self.kind.emits_unjoined(is_left) {
                let out = match &input {
                    JoinInput::Left(l) => (self.joiner)(Some(l), None),
                    JoinInput::Right(r) => (self.joiner)(None, Some(r)),
                };
                if let Some(out) = out {
                    ctx.forward(Record::new(None, Some(out), ts).with_headers(headers));
                }
            }
            return Ok(());
        };
        let previous = self.observed;
        let now = previous.map_or(ts, |t| t.max(ts));
        self.observed = Some(now);

        // Windows that closed with this record's time: emit and forget.
        if previous != Some(now) {
            let mut expired: Vec<(i64, K, Option<V1>, Option<V2>)> = Vec::new();
            for (t, k, v) in self.expire::<K, V1>(ctx, true, now)? {
                expired.push((t, k, Some(v), None));
            }
            for (t, k, v) in self.expire::<K, V2>(ctx, false, now)? {
                expired.push((t, k, None, Some(v)));
            }
            expired.sort_by_key(|(t, ..)| *t);
            for (t, k, l, r) in expired {
                if let Some(out) = (self.joiner)(l.as_ref(), r.as_ref()) {
                    ctx.forward(Record::new(Some(k), Some(out), t));
                }
            }
        }

        if self.closed(is_left, ts, now) {
            ctx.record_dropped(
                "its join window had closed (timestamp + window + grace < stream time)",
            );
            return Ok(());
        }

        let (before, after) = (self.windows.before_ms(), self.windows.after_ms());
        let mut results = Vec::new();
        let matched = match &input {
            JoinInput::Left(l) => {
                let mut store = ctx.window_store::<K, BufferList<V2>>(&self.right_store)?;
                let found =
                    store.fetch(&key, ts.saturating_sub(before), ts.saturating_add(after))?;
                for (t, mut list) in found.iter().cloned() {
                    for (joined, r) in list.iter_mut() {
                        *joined = true;
                        results.extend((self.joiner)(Some(l), Some(r)).map(|o| (t.max(ts), o)));
                    }
                    store.put(&key, t, Some(&list))?;
                }
                !found.is_empty()
            }
            JoinInput::Right(r) => {
                let mut store = ctx.window_store::<K, BufferList<V1>>(&self.left_store)?;
                let found =
                    store.fetch(&key, ts.saturating_sub(after), ts.saturating_add(before))?;
                for (t, mut list) in found.iter().cloned() {
                    for (joined, l) in list.iter_mut() {
                        *joined = true;
                        results.extend((self.joiner)(Some(l), Some(r)).map(|o| (t.max(ts), o)));
                    }
                    store.put(&key, t, Some(&list))?;
                }
                !found.is_empty()
            }
        };
        match input {
            JoinInput::Left(l) => {
                let mut store = ctx.window_store::<K, BufferList<V1>>(&self.left_store)?;
                let mut list = store.get(&key, ts)?.unwrap_or_default();
                list.push((matched, l));
                store.put(&key, ts, Some(&list))?;
            }
            JoinInput::Right(r) => {
                let mut store = ctx.window_store::<K, BufferList<V2>>(&self.right_store)?;
                let mut list = store.get(&key, ts)?.unwrap_or_default();
                list.push((matched, r));
                store.put(&key, ts, Some(&list))?;
            }
        }
        for (t, out) in results {
            ctx.forward(Record::new(Some(key.clone()), Some(out), t).with_headers(headers.clone()));
        }
        Ok(())
    }
}
