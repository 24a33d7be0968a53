//! `SlidingWindowedKStream::count` / `reduce` / `aggregate`: keeps the
//! windows that the records define up to date.
//!
//! Kafka's `KStreamSlidingWindowAggregate`, checked against its source.
//! Each window is stored with its aggregate and the largest timestamp of
//! its records (Kafka's `ValueAndTimestamp`), under its start. For a
//! record at `t` (records with a null key or value are skipped and do not
//! move stream time):
//!
//! 1. If `t + 1 + difference + grace <= stream time` the record is dropped.
//! 2. If `t < difference` (an *early* record), every window starting in
//!    `(0, t]` holds it and is updated; the window `[0, difference]` holds
//!    it too. Its right window and the right window of the record before
//!    it are created when missing, as in 3.
//! 3. Otherwise the windows starting in `[t - 2 * difference, t + 1]` are
//!    read, latest first: those ending after `t` (and starting at or
//!    before it) hold the record and are updated; the one ending at `t` is
//!    its left window, updated in place; the first one ending before `t`
//!    carries the aggregate of the record just before (its largest
//!    timestamp). Then the missing windows are created: the previous
//!    record's right window `[prev + 1, prev + 1 + difference]` if the
//!    record falls in it; the left window `[t - difference, t]` (seeded
//!    with the earlier aggregate when the previous record is within the
//!    difference); and the record's right window `[t + 1, t + 1 +
//!    difference]`, a copy of the aggregate of the records after `t`, if
//!    there are any.
//!
//! A window whose `end + grace < stream time` is closed: it is not updated
//! and the record is counted once in the task's `dropped_records` (Kafka
//! counts each skipped window). Updates are forwarded in the order Kafka
//! forwards them, as `Windowed<K>` with the new and old aggregate (no old
//! aggregate for a new window), stamped with the window's largest record
//! timestamp.
//!
//! Windows are kept for `2 * difference + grace` of stream time after their
//! start (Kafka's default retention) and then removed (change-logged); older
//! windows are ignored before the removal runs, so results do not depend
//! on when removals happen.
//!
//! The stored value is `timestamp (8 bytes BE) ++ aggregate bytes`, the
//! layout of Kafka's `ValueAndTimestampSerializer`. Kafka's changelog of a
//! timestamped store carries the plain aggregate with the timestamp as the
//! record's timestamp, so this changelog is not byte-compatible with a Java
//! application's.

use std::collections::HashSet;

use kafka_client::serde::{Deserializer, SerdeError, Serializer, SharedSerde};

use crate::dsl::{SlidingWindows, Window, Windowed};
use crate::error::Result;
use crate::processor::ops::AggregateStep;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};
use crate::state::WindowStoreHandle;

/// A window's aggregate and the largest timestamp of its records.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stamped<VA> {
    pub(crate) aggregate: VA,
    pub(crate) max_timestamp: i64,
}

/// `max timestamp (8 bytes BE) ++ aggregate bytes`.
#[derive(Debug, Clone)]
pub(crate) struct StampedSerde<VA> {
    inner: SharedSerde<VA>,
}

impl<VA> StampedSerde<VA> {
    pub(crate) fn new(inner: SharedSerde<VA>) -> Self {
        StampedSerde { inner }
    }
}

impl<VA: 'static> Serializer<Stamped<VA>> for StampedSerde<VA> {
    fn serialize(&self, topic: &str, s: &Stamped<VA>) -> Result<Vec<u8>, SerdeError> {
        let mut out = s.max_timestamp.to_be_bytes().to_vec();
        out.extend(self.inner.serialize(topic, &s.aggregate)?);
        Ok(out)
    }
}

impl<VA: 'static> Deserializer<Stamped<VA>> for StampedSerde<VA> {
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<Stamped<VA>, SerdeError> {
        let (ts, rest) = bytes.split_at_checked(8).ok_or_else(|| {
            SerdeError::new(format!(
                "a sliding window store value needs 8 bytes of timestamp, got {} bytes",
                bytes.len()
            ))
        })?;
        let mut arr = [0u8; 8];
        arr.copy_from_slice(ts);
        Ok(Stamped {
            aggregate: self.inner.deserialize(topic, rest)?,
            max_timestamp: i64::from_be_bytes(arr),
        })
    }
}

pub(crate) struct SlidingAggregate<K, V, VA> {
    pub(crate) store: String,
    pub(crate) windows: SlidingWindows,
    pub(crate) step: AggregateStep<K, V, VA>,
    pub(crate) observed: Option<i64>,
    pub(crate) next_purge: i64,
}

/// One forwarded update: window start, new and old aggregate, timestamp.
type Update<VA> = (i64, Change<VA>, i64);

/// The work on one record: the store, what to forward, what was missed.
struct Pass<'s, 'a, K, V, VA> {
    store: &'s mut WindowStoreHandle<'a, K, Stamped<VA>>,
    step: &'s AggregateStep<K, V, VA>,
    key: &'s K,
    value: &'s V,
    ts: i64,
    difference: i64,
    /// Windows ending before this are closed (`stream time - grace`).
    close_time: i64,
    updates: Vec<Update<VA>>,
    missed: bool,
    /// Starts of the windows that were read.
    seen: HashSet<i64>,
}

impl<K: Data, V: Data, VA: Data> Pass<'_, '_, K, V, VA> {
    /// Adds the record to the window starting at `start`, whose aggregate
    /// so far is `base` (`None`: start from nothing). `existing` says
    /// whether the window is in the store already (its old value is then
    /// `base`).
    fn update(&mut self, start: i64, base: Option<Stamped<VA>>, existing: bool) -> Result<()> {
        let end = start.saturating_add(self.difference);
        if end < self.close_time {
            self.missed = true;
            return Ok(());
        }
        let new = (self.step)(self.key, self.value, base.as_ref().map(|b| &b.aggregate));
        let max_timestamp = base
            .as_ref()
            .map_or(self.ts, |b| b.max_timestamp.max(self.ts));
        self.store.put(
            self.key,
            start,
            Some(&Stamped {
                aggregate: new.clone(),
                max_timestamp,
            }),
        )?;
        let old = if existing {
            base.map(|b| b.aggregate)
        } else {
            None
        };
        self.updates
            .push((start, Change::new(Some(new), old), max_timestamp));
        Ok(())
    }

    /// Creates the record's right window `[t + 1, t + 1 + difference]` as a
    /// copy of `after`, the aggregate of the records after `t`, unless it
    /// exists or there are no such records.
    fn create_right_window(&mut self, after: Option<Stamped<VA>>, exists: bool) -> Result<()> {
        let Some(after) = after.filter(|a| a.max_timestamp > self.ts) else {
            return Ok(());
        };
        if exists {
            return Ok(());
        }
        let start = self.ts.saturating_add(1);
        self.store.put(self.key, start, Some(&after))?;
        self.updates.push((
            start,
            Change::new(Some(after.aggregate), None),
            after.max_timestamp,
        ));
        Ok(())
    }

    /// The windows of the key starting in `from..=to`, by start, ignoring
    /// those past retention.
    fn fetch(&mut self, from: i64, to: i64) -> Result<Vec<(i64, Stamped<VA>)>> {
        let windows = self.store.fetch(self.key, from, to)?;
        self.seen.extend(windows.iter().map(|(s, _)| *s));
        Ok(windows)
    }

    /// A record at `t >= difference` (Kafka's `processReverse`).
    fn regular(&mut self, min_start: i64) -> Result<()> {
        let (ts, d) = (self.ts, self.difference);
        let from = ts.saturating_sub(d.saturating_mul(2)).max(min_start);
        let windows = self.fetch(from, ts.saturating_add(1))?;
        let mut left_aggregate = None;
        let mut right_aggregate: Option<Stamped<VA>> = None;
        let (mut left_exists, mut right_exists) = (false, false);
        let mut previous = None;
        for (start, window) in windows.into_iter().rev() {
            let end = start.saturating_add(d);
            if start == ts.saturating_add(1) {
                right_exists = true;
            } else if end > ts {
                if right_aggregate.is_none() {
                    right_aggregate = Some(window.clone());
                }
                self.update(start, Some(window), true)?;
            } else if end == ts {
                left_exists = true;
                let max = window.max_timestamp;
                self.update(start, Some(window), true)?;
                if max >= ts {
                    // A record at `t` came before: it created the other windows.
                    return Ok(());
                }
                previous = Some(max);
            } else {
                previous = Some(window.max_timestamp);
                left_aggregate = Some(window);
                break;
            }
        }
        if let Some(prev) = previous {
            let start = prev.saturating_add(1);
            if !self.seen.contains(&start) && start.saturating_add(d) >= ts {
                self.update(start, None, false)?;
            }
        }
        if !left_exists {
            let base = match (previous, left_aggregate) {
                (Some(prev), Some(left)) if ts - d <= prev => Some(Stamped {
                    aggregate: left.aggregate,
                    max_timestamp: ts,
                }),
                _ => None,
            };
            self.update(ts - d, base, false)?;
        }
        self.create_right_window(right_aggregate, right_exists)
    }

    /// A record at `t < difference` (Kafka's `processEarly`): it belongs to
    /// the window `[0, difference]`.
    fn early(&mut self) -> Result<()> {
        let ts = self.ts;
        let windows = self.fetch(0, ts.saturating_add(1))?;
        let mut combined = None;
        let mut right_aggregate = None;
        let mut right_exists = false;
        let mut previous = None;
        for (start, window) in windows {
            if start == 0 {
                if window.max_timestamp < ts {
                    previous = Some(window.max_timestamp);
                }
                combined = Some(window);
            } else if start <= ts {
                right_aggregate = Some(window.clone());
                self.update(start, Some(window), true)?;
            } else {
                right_exists = true;
            }
        }
        // Without a right window holding later records, the combined window
        // holds only records of the right window when its latest is later.
        if right_aggregate.is_none() {
            right_aggregate = combined.as_ref().filter(|c| c.max_timestamp > ts).cloned();
        }
        self.create_right_window(right_aggregate, right_exists)?;
        if let Some(prev) = previous {
            let start = prev.saturating_add(1);
            if !self.seen.contains(&start) {
                self.update(start, None, false)?;
            }
        }
        let exists = combined.is_some();
        self.update(0, combined, exists)
    }
}

impl<K: Data, V: Data, VA: Data> Processor<K, V, Windowed<K>, Change<VA>>
    for SlidingAggregate<K, V, VA>
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
        let windows = self.windows;
        if windows.is_expired(ts, now) {
            ctx.record_dropped(
                "every sliding window of the record had closed (t + 1 + difference + grace <= stream time)",
            );
            return Ok(());
        }
        let difference = windows.time_difference_ms();
        let min_start = now.saturating_sub(windows.retention_ms());
        let (updates, missed) = {
            let mut store = ctx.window_store::<K, Stamped<VA>>(&self.store)?;
            let mut pass = Pass {
                store: &mut store,
                step: &self.step,
                key,
                value,
                ts,
                difference,
                close_time: now.saturating_sub(windows.grace_ms()),
                updates: Vec::new(),
                missed: false,
                seen: HashSet::new(),
            };
            if ts < difference {
                pass.early()?;
            } else {
                pass.regular(min_start)?;
            }
            let (updates, missed) = (pass.updates, pass.missed);
            if now >= self.next_purge {
                store.remove_older_than(min_start);
                self.next_purge = now.saturating_add(difference.max(1));
            }
            (updates, missed)
        };
        if missed {
            ctx.record_dropped(
                "a sliding window of the record had closed (end + grace < stream time)",
            );
        }
        for (start, change, timestamp) in updates {
            let window = Window::new(start, start.saturating_add(difference));
            ctx.forward(
                Record::new(
                    Some(Windowed::new(key.clone(), window)),
                    Some(change),
                    timestamp,
                )
                .with_headers(record.headers().clone()),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;
    use kafka_client::serde::StringSerde;

    #[test]
    fn stamped_values_put_the_timestamp_first() {
        let serde = StampedSerde::new(SharedSerde::new(StringSerde));
        let s = Stamped {
            aggregate: "agg".to_string(),
            max_timestamp: 42,
        };
        let bytes = serde.serialize("t", &s).unwrap();
        assert_eq!(bytes, [&42i64.to_be_bytes()[..], b"agg"].concat());
        assert_eq!(serde.deserialize("t", &bytes).unwrap(), s);
        assert!(serde.deserialize("t", b"short").is_err());
    }
}
