//! `TimeWindowedKStream`: `count`, `reduce`, `aggregate` per time window.
//!
//! See [`crate::processor::ops`]' `window_aggregate` for the semantics
//! (Kafka's `KStreamWindowAggregate`): end-exclusive windows, closed when
//! `end + grace <= stream time`, late records dropped and counted.

use std::fmt;
use std::sync::Arc;

use super::KGroupedStream;
use crate::dsl::{KTable, Materialized, TimeWindows, Windowed};
use crate::processor::erased::factory;
use crate::processor::ops::{AggregateStep, WindowAggregate};
use crate::processor::{Change, Data};
use crate::state::StoreKind;

/// A grouped stream cut into time windows, from
/// [`KGroupedStream::windowed_by`]; its aggregations give a
/// `KTable<Windowed<K>, _>` backed by a window store.
pub struct TimeWindowedKStream<'a, K, V> {
    grouped: &'a KGroupedStream<K, V>,
    windows: TimeWindows,
}

impl<K, V> fmt::Debug for TimeWindowedKStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeWindowedKStream")
            .field("windows", &self.windows)
            .finish()
    }
}

impl<K: Data, V: Data> KGroupedStream<K, V> {
    /// Aggregates per key and time window (tumbling or hopping), on event
    /// time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, TimeWindows};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("views", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by(TimeWindows::of_size_with_no_grace(Duration::from_millis(100))?)
    ///     .count(Materialized::as_store("views-per-100ms"))
    ///     .to_stream()
    ///     .to("counts", Produced::with(TimeWindowedSerde::new(StringSerde, 100), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("views", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("counts", TimeWindowedSerde::new(StringSerde, 100), LongSerde);
    /// input.pipe_input_at("/".to_string(), "a".to_string(), 10)?;
    /// input.pipe_input_at("/".to_string(), "b".to_string(), 99)?;
    /// input.pipe_input_at("/".to_string(), "c".to_string(), 100)?; // the next window
    /// input.pipe_input_at("/".to_string(), "late".to_string(), 50)?; // window [0, 100) closed
    /// let counts: Vec<(i64, i64)> = output
    ///     .read_key_values_to_list()?
    ///     .into_iter()
    ///     .map(|(w, n)| (w.window().start(), n))
    ///     .collect();
    /// assert_eq!(counts, vec![(0, 1), (0, 2), (100, 1)]);
    /// assert_eq!(driver.dropped_records(), 1);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn windowed_by(&self, windows: TimeWindows) -> TimeWindowedKStream<'_, K, V> {
        TimeWindowedKStream {
            grouped: self,
            windows,
        }
    }
}

impl<K: Data, V: Data> TimeWindowedKStream<'_, K, V> {
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
            factory::<_, K, V, Windowed<K>, Change<VA>>(move || WindowAggregate {
                store: store_name.clone(),
                windows,
                step: step.clone(),
                observed: None,
                next_purge: i64::MIN,
            }),
        );
        g.connect_store(node, store.clone());
        let retention_ms = windows.size_ms().saturating_add(windows.grace_ms());
        g.add_store(
            materialized
                .into_store(store.clone())
                .with_kind(StoreKind::Window { retention_ms })
                .into_spec(),
        );
        g.set_window_grace(node, windows.grace_ms(), false);
        drop(g);
        KTable::new(graph, node, Some(store))
    }

    /// The number of records per key and window.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, TimeWindows};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let hopping = TimeWindows::of_size_with_no_grace(Duration::from_millis(10))?
    ///     .advance_by(Duration::from_millis(5))?;
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by(hopping)
    ///     .count(Materialized::as_store("hopping-counts"))
    ///     .to_stream()
    ///     .to("out", Produced::with(TimeWindowedSerde::new(StringSerde, 10), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", TimeWindowedSerde::new(StringSerde, 10), LongSerde);
    /// input.pipe_input_at("k".to_string(), "v".to_string(), 7)?; // windows [0,10) and [5,15)
    /// let windows: Vec<(i64, i64)> = output.read_key_values_to_list()?.iter().map(|(w, _)| (w.window().start(), w.window().end())).collect();
    /// assert_eq!(windows, vec![(0, 10), (5, 15)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn count(&self, materialized: Materialized<K, i64>) -> KTable<Windowed<K>, i64> {
        self.aggregate_with(
            "KSTREAM-AGGREGATE",
            materialized,
            Arc::new(|_k: &K, _v: &V, count: Option<&i64>| count.map_or(1, |c| c + 1)),
        )
    }

    /// Combines the values of each key and window with `reducer`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, TimeWindows};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("temps", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by(TimeWindows::of_size_with_no_grace(Duration::from_millis(60))?)
    ///     .reduce(|a, b| *a.max(b), Materialized::as_store("max-per-minute"))
    ///     .to_stream()
    ///     .to("max", Produced::with(TimeWindowedSerde::new(StringSerde, 60), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("temps", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("max", TimeWindowedSerde::new(StringSerde, 60), LongSerde);
    /// for (t, v) in [(1, 20), (30, 25), (59, 21), (60, 3)] {
    ///     input.pipe_input_at("seoul".to_string(), v, t)?;
    /// }
    /// let values: Vec<i64> = output.read_values_to_list()?;
    /// assert_eq!(values, vec![20, 25, 25, 3]);
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

    /// Folds the values of each key and window: `initializer()` starts each
    /// window's aggregate, `aggregator(key, value, aggregate)` updates it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, TimeWindows};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("amounts", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by(TimeWindows::of_size_and_grace(Duration::from_millis(10), Duration::from_millis(5))?)
    ///     .aggregate(|| 100, |_k, v, total| total + v, Materialized::as_store("totals"))
    ///     .to_stream()
    ///     .to("totals", Produced::with(TimeWindowedSerde::new(StringSerde, 10), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("amounts", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("totals", TimeWindowedSerde::new(StringSerde, 10), LongSerde);
    /// input.pipe_input_at("a".to_string(), 1, 2)?;
    /// input.pipe_input_at("a".to_string(), 2, 12)?;
    /// input.pipe_input_at("a".to_string(), 4, 9)?; // late but within grace: [0, 10) is open until 15
    /// assert_eq!(output.read_values_to_list()?, vec![101, 102, 105]);
    /// assert_eq!(driver.dropped_records(), 0);
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
