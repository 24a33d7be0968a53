//! `KTable::suppress(until window closes)`: holds each window's latest
//! update and emits it once, when the window closes.
//!
//! Kafka's `KTableSuppressProcessor` with `untilWindowCloses`, checked
//! against its source: the processor keeps its own observed stream time
//! (the largest timestamp of the updates it received), buffers the latest
//! update per windowed key, and after each update emits (and forgets) every
//! buffered window that has closed: `end + grace <= stream time` for time
//! windows, `end + gap + grace < stream time` for session windows (whose
//! end is inclusive and which a record within the gap may still extend;
//! Kafka also adds the gap to the grace for sessions), in order of window
//! end. Stream time only moves with records
//! that reach the suppression, so the last windows are emitted when later
//! records arrive.
//!
//! The buffer is a change-logged key-value store (key: the windowed key in
//! the session-windowed layout, which keeps both ends; value: timestamp and
//! latest value), so a restarted task emits what it had buffered. A
//! deletion (a merged-away session) is buffered too and emitted as a
//! tombstone. When the buffer holds more than its limit: with
//! `shut_down_when_full` the task fails with
//! [`Error::SuppressionBufferFull`]; with `emit_early_when_full` the window
//! that closes first is emitted early. Emitted updates carry no old value.

use kafka_client::serde::{Deserializer, SerdeError, Serializer, SharedSerde};

use crate::dsl::{BufferConfig, Windowed};
use crate::error::{Error, Result};
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};
use crate::state::{KeyValueStore, ReadOnlyKeyValueStore};

/// A buffered update: its timestamp and the latest value (`None`: deleted).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Buffered<V> {
    pub(crate) timestamp: i64,
    pub(crate) value: Option<V>,
}

/// `timestamp (8 bytes BE) ++ flag (1: value present) ++ value bytes`.
#[derive(Debug, Clone)]
pub(crate) struct BufferedSerde<V> {
    inner: SharedSerde<V>,
}

impl<V> BufferedSerde<V> {
    pub(crate) fn new(inner: SharedSerde<V>) -> Self {
        BufferedSerde { inner }
    }
}

impl<V: 'static> Serializer<Buffered<V>> for BufferedSerde<V> {
    fn serialize(&self, topic: &str, b: &Buffered<V>) -> Result<Vec<u8>, SerdeError> {
        let mut out = b.timestamp.to_be_bytes().to_vec();
        match &b.value {
            Some(v) => {
                out.push(1);
                out.extend(self.inner.serialize(topic, v)?);
            }
            None => out.push(0),
        }
        Ok(out)
    }
}

impl<V: 'static> Deserializer<Buffered<V>> for BufferedSerde<V> {
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<Buffered<V>, SerdeError> {
        if bytes.len() < 9 {
            return Err(SerdeError::new(
                "a suppression buffer entry shorter than 9 bytes",
            ));
        }
        let (ts, rest) = bytes.split_at(8);
        let mut arr = [0u8; 8];
        arr.copy_from_slice(ts);
        let value = match rest[0] {
            0 => None,
            _ => Some(self.inner.deserialize(topic, &rest[1..])?),
        };
        Ok(Buffered {
            timestamp: i64::from_be_bytes(arr),
            value,
        })
    }
}

pub(crate) struct Suppress {
    pub(crate) store: String,
    pub(crate) grace_ms: i64,
    /// Session windows: the end is inclusive, closing is strict.
    pub(crate) end_inclusive: bool,
    pub(crate) buffer: BufferConfig,
    pub(crate) observed: Option<i64>,
}

impl Suppress {
    fn closed(&self, end: i64, now: i64) -> bool {
        let close = end.saturating_add(self.grace_ms);
        if self.end_inclusive {
            close < now
        } else {
            close <= now
        }
    }
}

type Entries<K, V> = Vec<(Windowed<K>, Buffered<V>)>;

impl<K: Data, V: Data> Processor<Windowed<K>, Change<V>, Windowed<K>, Change<V>> for Suppress {
    fn process(
        &mut self,
        record: Record<Windowed<K>, Change<V>>,
        ctx: &mut ProcessorContext<'_, Windowed<K>, Change<V>>,
    ) -> Result<()> {
        let ts = record.timestamp();
        let now = self.observed.map_or(ts, |t| t.max(ts));
        self.observed = Some(now);
        let processor = ctx.processor_name().to_string();
        let mut emit: Entries<K, V> = Vec::new();
        {
            let mut store = ctx.key_value_store::<Windowed<K>, Buffered<V>>(&self.store)?;
            if let (Some(key), Some(change)) = (record.key(), record.value()) {
                if self.closed(key.window().end(), now) {
                    // Already final: a late update passes straight through.
                    emit.push((
                        key.clone(),
                        Buffered {
                            timestamp: ts,
                            value: change.new.clone(),
                        },
                    ));
                } else {
                    store.put(
                        key,
                        &Buffered {
                            timestamp: ts,
                            value: change.new.clone(),
                        },
                    )?;
                }
            }
            let all: Entries<K, V> = store.all().collect::<Result<_>>()?;
            let mut open = Vec::new();
            for (key, buffered) in all {
                if self.closed(key.window().end(), now) {
                    store.delete(&key)?;
                    emit.push((key, buffered));
                } else {
                    open.push(key);
                }
            }
            if let Some(limit) = self.buffer.max_records {
                if open.len() > limit {
                    if !self.buffer.emit_early {
                        return Err(Error::SuppressionBufferFull { processor, limit });
                    }
                    open.sort_by_key(|k| k.window().end());
                    for key in open.into_iter().take(open_len_over(limit, &store)) {
                        if let Some(b) = store.delete(&key)? {
                            emit.push((key, b));
                        }
                    }
                }
            }
        }
        emit.sort_by_key(|(k, _)| k.window().end());
        for (key, buffered) in emit {
            ctx.forward(Record::new(
                Some(key),
                Some(Change::new(buffered.value, None)),
                buffered.timestamp,
            ));
        }
        Ok(())
    }
}

/// How many entries must go for the store to hold `limit`.
fn open_len_over<K: 'static, V: 'static>(
    limit: usize,
    store: &dyn ReadOnlyKeyValueStore<Windowed<K>, Buffered<V>>,
) -> usize {
    store.approximate_num_entries().saturating_sub(limit)
}
