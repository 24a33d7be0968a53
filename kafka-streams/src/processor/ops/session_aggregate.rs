//! `SessionWindowedKStream::count` / `reduce` / `aggregate`: merges each
//! record with the sessions it bridges.
//!
//! Kafka's `KStreamSessionWindowAggregate`, checked against its source: a
//! record at `t` finds the sessions of its key with `end >= t - gap` and
//! `start <= t + gap`; the record and those sessions merge into one session
//! `[min start, max end]` (inclusive), whose aggregate is the merge of the
//! sessions' aggregates plus the record. Merged-away sessions are deleted
//! and forwarded as deletions (a tombstone downstream). If the merged
//! session is closed (`end + grace < stream time`) the record is dropped
//! and counted in the task's `dropped_records`.
//!
//! Sessions are kept for the retention period (see
//! [`SessionWindows`]) and then removed (change-logged); a session older
//! than that is ignored even before the removal runs, so results do not
//! depend on when removals happen.

use std::sync::Arc;

use crate::dsl::{SessionWindows, Window, Windowed};
use crate::error::Result;
use crate::processor::ops::AggregateStep;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

/// Merges two session aggregates of a key.
pub(crate) type SessionMerger<K, VA> = Arc<dyn Fn(&K, &VA, &VA) -> VA + Send + Sync>;

pub(crate) struct SessionAggregate<K, V, VA> {
    pub(crate) store: String,
    pub(crate) windows: SessionWindows,
    pub(crate) retention_ms: i64,
    pub(crate) step: AggregateStep<K, V, VA>,
    pub(crate) merge: SessionMerger<K, VA>,
    pub(crate) observed: Option<i64>,
    pub(crate) next_purge: i64,
}

impl<K: Data, V: Data, VA: Data> Processor<K, V, Windowed<K>, Change<VA>>
    for SessionAggregate<K, V, VA>
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, Windowed<K>, Change<VA>>,
    ) -> Result<()> {
        // As in Kafka Streams, dropped and counted (`dropped-records`).
        let (Some(key), Some(value)) = (record.key(), record.value()) else {
            ctx.record_dropped("a null key or value: an aggregation cannot group it");
            return Ok(());
        };
        let ts = record.timestamp();
        let now = self.observed.map_or(ts, |t| t.max(ts));
        self.observed = Some(now);
        let gap = self.windows.gap_ms();
        let windows = self.windows;
        let mut store = ctx.session_store::<K, VA>(&self.store)?;
        let sessions: Vec<(Window, VA)> = store
            .find_sessions(key, ts.saturating_sub(gap), ts.saturating_add(gap))?
            .into_iter()
            .filter(|(w, _)| w.end().saturating_add(self.retention_ms) >= now)
            .collect();
        let start = sessions.iter().map(|(w, _)| w.start()).fold(ts, i64::min);
        let end = sessions.iter().map(|(w, _)| w.end()).fold(ts, i64::max);
        let merged = Window::new(start, end);
        if windows.is_closed(end, now) {
            ctx.record_dropped("its session had closed (end + grace < stream time)");
            return Ok(());
        }
        let mut agg: Option<VA> = None;
        for (_, v) in &sessions {
            agg = Some(match agg {
                None => v.clone(),
                Some(a) => (self.merge)(key, &a, v),
            });
        }
        let new = (self.step)(key, value, agg.as_ref());
        let mut removed = Vec::new();
        let mut old = None;
        for (w, v) in sessions {
            if w == merged {
                old = Some(v);
            } else {
                store.remove(key, w)?;
                removed.push((w, v));
            }
        }
        store.put(key, merged, &new)?;
        if now >= self.next_purge {
            store.remove_older_than(now.saturating_sub(self.retention_ms));
            self.next_purge = now.saturating_add(gap);
        }
        for (w, v) in removed {
            ctx.forward(
                Record::new(
                    Some(Windowed::new(key.clone(), w)),
                    Some(Change::new(None, Some(v))),
                    ts,
                )
                .with_headers(record.headers().clone()),
            );
        }
        ctx.forward(
            Record::new(
                Some(Windowed::new(key.clone(), merged)),
                Some(Change::new(Some(new), old)),
                ts,
            )
            .with_headers(record.headers().clone()),
        );
        Ok(())
    }
}
