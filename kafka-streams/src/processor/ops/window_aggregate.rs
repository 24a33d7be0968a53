//! `TimeWindowedKStream::count` / `reduce` / `aggregate`: folds each record
//! into every time window it belongs to.
//!
//! Kafka's `KStreamWindowAggregate`, checked against its source: the
//! processor keeps its own observed stream time (the largest timestamp of
//! the records it processed; records with a null key or value are dropped
//! first, counted in `dropped_records`, and do not move it). For each window of the record (start order),
//! a window with `end + grace <= stream time` is closed: the record is not
//! added to it. A record that missed at least one window is counted once in
//! the task's `dropped_records` and logged at debug level. Every open window
//! is updated and forwarded as `Windowed<K>` with the new and old aggregate;
//! the result's timestamp is the record's.
//!
//! Retention: a window is removed from the store once it is closed (its
//! `end + grace` reached by stream time); removals are change-logged.

use crate::dsl::{TimeWindows, Windowed};
use crate::error::Result;
use crate::processor::ops::AggregateStep;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

pub(crate) struct WindowAggregate<K, V, VA> {
    pub(crate) store: String,
    pub(crate) windows: TimeWindows,
    pub(crate) step: AggregateStep<K, V, VA>,
    pub(crate) observed: Option<i64>,
    pub(crate) next_purge: i64,
}

impl<K: Data, V: Data, VA: Data> Processor<K, V, Windowed<K>, Change<VA>>
    for WindowAggregate<K, V, VA>
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, Windowed<K>, Change<VA>>,
    ) -> Result<()> {
        let (Some(key), Some(value)) = (record.key(), record.value()) else {
            ctx.record_dropped("a null key or value: an aggregation cannot group it");
            return Ok(());
        };
        let ts = record.timestamp();
        let now = self.observed.map_or(ts, |t| t.max(ts));
        self.observed = Some(now);
        let mut missed = false;
        let mut updates = Vec::new();
        {
            let mut store = ctx.window_store::<K, VA>(&self.store)?;
            for window in self.windows.windows_for(ts) {
                if self.windows.is_closed(window.end(), now) {
                    missed = true;
                    continue;
                }
                let old = store.get(key, window.start())?;
                let new = (self.step)(key, value, old.as_ref());
                store.put(key, window.start(), Some(&new))?;
                updates.push((window, Change::new(Some(new), old)));
            }
            if now >= self.next_purge {
                // Closed windows: start + size + grace <= now.
                let min_start = now - self.windows.size_ms() - self.windows.grace_ms() + 1;
                store.remove_older_than(min_start);
                self.next_purge = now.saturating_add(self.windows.advance_ms());
            }
        }
        if missed {
            ctx.record_dropped(
                "a time window of the record had closed (end + grace <= stream time)",
            );
        }
        for (window, change) in updates {
            ctx.forward(
                Record::new(Some(Windowed::new(key.clone(), window)), Some(change), ts)
                    .with_headers(record.headers().clone()),
            );
        }
        Ok(())
    }
}
