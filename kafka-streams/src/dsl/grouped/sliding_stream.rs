//! `SlidingWindowedKStream`: `count`, `reduce`, `aggregate` per sliding
//! window.
//!
//! See [`SlidingWindows`] for the windows and the `sliding_aggregate`
//! operator for the semantics (Kafka's `KStreamSlidingWindowAggregate`):
//! windows defined by the records, both ends inclusive, closed when
//! `end + grace < stream time`.

use std::fmt;
use std::sync::Arc;

use kafka_client::serde::SharedSerde;

use super::KGroupedStream;
use crate::dsl::{KTable, Materialized, SlidingWindows, Windowed};
use crate::processor::erased::factory;
use crate::processor::ops::{AggregateStep, SlidingAggregate, StampedSerde};
use crate::processor::{Change, Data};
use crate::state::{StoreBuilder, StoreKind};

/// A grouped stream cut into sliding windows, from
/// [`KGroupedStream::windowed_by_sliding`]; its aggregations give a
/// `KTable<Windowed<K>, _>` whose windows are `[start, start + difference]`.
pub struct SlidingWindowedKStream<'a, K, V> {
    grouped: &'a KGroupedStream<K, V>,
    windows: SlidingWindows,
}

impl<K, V> fmt::Debug for SlidingWindowedKStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlidingWindowedKStream")
            .field("windows", &self.windows)
            .finish()
    }
}

impl<K: Data, V: Data> KGroupedStream<K, V> {
    /// Aggregates per key over sliding windows: every set of records at
    /// most the time difference apart, on event time.
    ///
    /// Write the results with a [`TimeWindowedSerde`](crate::dsl::TimeWindowedSerde)
    /// whose size is the time difference (as Kafka's `TimeWindowedSerde`
    /// with `timeDifferenceMs`), so that read-back windows end at
    /// `start + difference`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, SlidingWindows, StreamsBuilder};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("clicks", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by_sliding(SlidingWindows::of_time_difference_with_no_grace(Duration::from_millis(10))?)
    ///     .count(Materialized::as_store("clicks-within-10ms"))
    ///     .to_stream()
    ///     .to("counts", Produced::with(TimeWindowedSerde::new(StringSerde, 10), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("clicks", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("counts", TimeWindowedSerde::new(StringSerde, 10), LongSerde);
    /// input.pipe_input_at("u".to_string(), "a".to_string(), 10)?;
    /// input.pipe_input_at("u".to_string(), "b".to_string(), 15)?;
    /// let out: Vec<((i64, i64), i64)> = output
    ///     .read_key_values_to_list()?
    ///     .into_iter()
    ///     .map(|(w, n)| ((w.window().start(), w.window().end()), n))
    ///     .collect();
    /// assert_eq!(out, vec![
    ///     ((0, 10), 1),  // the record at 10 and the 10 ms before it
    ///     ((11, 21), 1), // the right window of 10, made by the record at 15
    ///     ((5, 15), 2),  // the record at 15 and the 10 ms before it: both records
    /// ]);
    /// input.pipe_input_at("u".to_string(), "late".to_string(), 4)?; // 4 + 1 + 10 <= 15: too late for any window
    /// assert_eq!(driver.dropped_records(), 1);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn windowed_by_sliding(&self, windows: SlidingWindows) -> SlidingWindowedKStream<'_, K, V> {
        SlidingWindowedKStream {
            grouped: self,
            windows,
        }
    }
}

impl<K: Data, V: Data> SlidingWindowedKStream<'_, K, V> {
    fn aggregate_with<VA: Data>(
        &self,
        prefix: &str,
        materialized: Materialized<K, VA>,
        step: AggregateStep<K, V, VA>,
    ) -> KTable<Windowed<K>, VA> {
        let graph = self.grouped.graph().clone();
        let mut g = graph.borrow_mut();
        let name = g.generate(prefix);
        let store = match &materialized.name {
            Some(n) => n.clone(),
            None => g.generate(&format!("{prefix}-STATE-STORE")),
        };
        let parent = self.grouped.input_node(&mut g, &store);
        let store_name = store.clone();
        let windows = self.windows;
        let node = g.add_processor(
            name,
            vec![parent],
            factory::<_, K, V, Windowed<K>, Change<VA>>(move || SlidingAggregate {
                store: store_name.clone(),
                windows,
                step: step.clone(),
                observed: None,
                next_purge: i64::MIN,
            }),
        );
        g.connect_store(node, store.clone());
        // The store keeps each window's largest record timestamp with its
        // aggregate (see the operator).
        g.add_store(
            StoreBuilder::from_shared(
                store.clone(),
                materialized.keys,
                SharedSerde::new(StampedSerde::new(materialized.values)),
            )
            .with_logging(materialized.logged)
            .with_kind(StoreKind::Window {
                retention_ms: windows.retention_ms(),
            })
            .into_spec(),
        );
        // Inclusive ends: a window is final once `end + grace < stream time`.
        g.set_window_grace(node, windows.grace_ms(), true);
        drop(g);
        KTable::new(graph, node, Some(store))
    }

    /// The number of records per key and sliding window.
    ///
    /// See [`KGroupedStream::windowed_by_sliding`] for an example.
    pub fn count(&self, materialized: Materialized<K, i64>) -> KTable<Windowed<K>, i64> {
        self.aggregate_with(
            "KSTREAM-AGGREGATE",
            materialized,
            Arc::new(|_k: &K, _v: &V, count: Option<&i64>| count.map_or(1, |c| c + 1)),
        )
    }

    /// Combines the values of each key and sliding window with `reducer`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, SlidingWindows, StreamsBuilder};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("temps", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by_sliding(SlidingWindows::of_time_difference_with_no_grace(Duration::from_millis(5))?)
    ///     .reduce(|a, b| *a.max(b), Materialized::as_store("max-within-5ms"))
    ///     .to_stream()
    ///     .to("max", Produced::with(TimeWindowedSerde::new(StringSerde, 5), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("temps", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("max", TimeWindowedSerde::new(StringSerde, 5), LongSerde);
    /// input.pipe_input_at("s".to_string(), 30, 10)?;
    /// input.pipe_input_at("s".to_string(), 20, 16)?; // more than 5 ms later: alone in [11, 16]
    /// let out: Vec<(i64, i64)> = output.read_key_values_to_list()?.into_iter().map(|(w, v)| (w.window().start(), v)).collect();
    /// assert_eq!(out, vec![(5, 30), (11, 20)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn reduce<F>(&self, reducer: F, materialized: Materialized<K, V>) -> KTable<Windowed<K>, V>
    where
        F: Fn(&V, &V) -> V + Send + Sync + 'static,
    {
        self.aggregate_with(
            "KSTREAM-REDUCE",
            materialized,
            Arc::new(move |_k: &K, v: &V, agg: Option<&V>| match agg {
                Some(agg) => reducer(agg, v),
                None => v.clone(),
            }),
        )
    }

    /// Folds the values of each key and sliding window: `initializer()`
    /// starts a window's aggregate, `aggregator(key, value, aggregate)`
    /// adds a record. A new window may start as a copy of a neighbouring
    /// window's aggregate, so the aggregator should not depend on the order
    /// of records (sums, counts, minima, sets).
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, SlidingWindows, StreamsBuilder};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("spend", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by_sliding(SlidingWindows::of_time_difference_and_grace(Duration::from_millis(10), Duration::from_millis(5))?)
    ///     .aggregate(|| 0, |_k, v, total| total + v, Materialized::as_store("spend-within-10ms"))
    ///     .to_stream()
    ///     .to("totals", Produced::with(TimeWindowedSerde::new(StringSerde, 10), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("spend", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("totals", TimeWindowedSerde::new(StringSerde, 10), LongSerde);
    /// input.pipe_input_at("u".to_string(), 5, 20)?;
    /// input.pipe_input_at("u".to_string(), 7, 15)?; // out of order, within grace
    /// let mut latest = std::collections::BTreeMap::new();
    /// for (w, total) in output.read_key_values_to_list()? {
    ///     latest.insert((w.window().start(), w.window().end()), total);
    /// }
    /// // [10, 20] holds both, [5, 15] only the second, [16, 26] (its right window) only the first.
    /// assert_eq!(latest.into_iter().collect::<Vec<_>>(), vec![((5, 15), 7), ((10, 20), 12), ((16, 26), 5)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn aggregate<VA: Data, I, F>(
        &self,
        initializer: I,
        aggregator: F,
        materialized: Materialized<K, VA>,
    ) -> KTable<Windowed<K>, VA>
    where
        I: Fn() -> VA + Send + Sync + 'static,
        F: Fn(&K, &V, &VA) -> VA + Send + Sync + 'static,
    {
        self.aggregate_with(
            "KSTREAM-AGGREGATE",
            materialized,
            Arc::new(move |k: &K, v: &V, agg: Option<&VA>| match agg {
                Some(agg) => aggregator(k, v, agg),
                None => aggregator(k, v, &initializer()),
            }),
        )
    }
}
