//! `SessionWindowedKStream`: `count`, `reduce`, `aggregate` per session.
//!
//! See the `session_aggregate` operator for the semantics (Kafka's
//! `KStreamSessionWindowAggregate`): inclusive session bounds, sessions
//! merged when a record bridges them, closed when `end + grace < stream
//! time`.

use std::fmt;
use std::sync::Arc;

use super::KGroupedStream;
use crate::dsl::{KTable, Materialized, SessionWindows, Windowed};
use crate::processor::erased::factory;
use crate::processor::ops::{AggregateStep, SessionAggregate, SessionMerger};
use crate::processor::{Change, Data};
use crate::state::StoreKind;

/// A grouped stream cut into sessions, from
/// [`KGroupedStream::windowed_by_session`]; its aggregations give a
/// `KTable<Windowed<K>, _>` backed by a session store.
pub struct SessionWindowedKStream<'a, K, V> {
    grouped: &'a KGroupedStream<K, V>,
    windows: SessionWindows,
}

impl<K, V> fmt::Debug for SessionWindowedKStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionWindowedKStream")
            .field("windows", &self.windows)
            .finish()
    }
}

impl<K: Data, V: Data> KGroupedStream<K, V> {
    /// Aggregates per key and session of activity.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, SessionWindows, StreamsBuilder};
    /// use kafka_streams::dsl::SessionWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("clicks", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by_session(SessionWindows::with_inactivity_gap_and_no_grace(Duration::from_millis(10))?)
    ///     .count(Materialized::as_store("sessions"))
    ///     .to_stream()
    ///     .to("out", Produced::with(SessionWindowedSerde::new(StringSerde), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("clicks", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", SessionWindowedSerde::new(StringSerde), LongSerde);
    /// input.pipe_input_at("u".to_string(), "a".to_string(), 0)?;
    /// input.pipe_input_at("u".to_string(), "b".to_string(), 20)?; // a new session
    /// input.pipe_input_at("u".to_string(), "c".to_string(), 10)?; // bridges both
    /// let out: Vec<((i64, i64), Option<i64>)> = output
    ///     .read_records_to_list()?
    ///     .into_iter()
    ///     .map(|r| { let w = r.key.unwrap().window(); ((w.start(), w.end()), r.value) })
    ///     .collect();
    /// assert_eq!(out, vec![
    ///     ((0, 0), Some(1)),
    ///     ((20, 20), Some(1)),
    ///     ((0, 0), None),   // merged away
    ///     ((20, 20), None), // merged away
    ///     ((0, 20), Some(3)),
    /// ]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn windowed_by_session(&self, windows: SessionWindows) -> SessionWindowedKStream<'_, K, V> {
        SessionWindowedKStream {
            grouped: self,
            windows,
        }
    }
}

impl<K: Data, V: Data> SessionWindowedKStream<'_, K, V> {
    fn aggregate_with<VA: Data>(
        &self,
        prefix: &str,
        materialized: Materialized<K, VA>,
        step: AggregateStep<K, V, VA>,
        merge: SessionMerger<K, VA>,
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
        // Kafka's default session retention: one day, or gap + grace if longer.
        let retention_ms = windows
            .gap_ms()
            .saturating_add(windows.grace_ms())
            .max(24 * 60 * 60 * 1000);
        let node = g.add_processor(
            name,
            vec![parent],
            factory::<_, K, V, Windowed<K>, Change<VA>>(move || SessionAggregate {
                store: store_name.clone(),
                windows,
                retention_ms,
                step: step.clone(),
                merge: merge.clone(),
                observed: None,
                next_purge: i64::MIN,
            }),
        );
        g.connect_store(node, store.clone());
        g.add_store(
            materialized
                .into_store(store.clone())
                .with_kind(StoreKind::Session { retention_ms })
                .into_spec(),
        );
        // A session is final at `end + gap + grace`: what suppress waits for.
        g.set_window_grace(
            node,
            windows.gap_ms().saturating_add(windows.grace_ms()),
            true,
        );
        drop(g);
        KTable::new(graph, node, Some(store))
    }

    /// The number of records per key and session.
    ///
    /// See [`KGroupedStream::windowed_by_session`] for an example.
    pub fn count(&self, materialized: Materialized<K, i64>) -> KTable<Windowed<K>, i64> {
        self.aggregate_with(
            "KSTREAM-AGGREGATE",
            materialized,
            Arc::new(|_k: &K, _v: &V, count: Option<&i64>| count.map_or(1, |c| c + 1)),
            Arc::new(|_k: &K, a: &i64, b: &i64| a + b),
        )
    }

    /// Combines the values of each session with `reducer`, which also merges
    /// sessions.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, SessionWindows, StreamsBuilder};
    /// use kafka_streams::dsl::SessionWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("spend", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by_session(SessionWindows::with_inactivity_gap_and_no_grace(Duration::from_millis(5))?)
    ///     .reduce(|a, b| a + b, Materialized::as_store("spend-per-session"))
    ///     .to_stream()
    ///     .to("out", Produced::with(SessionWindowedSerde::new(StringSerde), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("spend", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("out", SessionWindowedSerde::new(StringSerde), LongSerde);
    /// input.pipe_input_at("u".to_string(), 3, 0)?;
    /// input.pipe_input_at("u".to_string(), 4, 5)?; // within the gap: same session
    /// let records = output.read_records_to_list()?;
    /// // [0, 0] is replaced by [0, 5]: a tombstone for the old session, then the new one.
    /// let shape: Vec<(i64, i64, Option<i64>)> = records
    ///     .iter()
    ///     .map(|r| { let w = r.key.as_ref().unwrap().window(); (w.start(), w.end(), r.value) })
    ///     .collect();
    /// assert_eq!(shape, vec![(0, 0, Some(3)), (0, 0, None), (0, 5, Some(7))]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn reduce<F>(&self, reducer: F, materialized: Materialized<K, V>) -> KTable<Windowed<K>, V>
    where
        F: Fn(&V, &V) -> V + Send + Sync + 'static,
    {
        let reducer = Arc::new(reducer);
        let merge = reducer.clone();
        self.aggregate_with(
            "KSTREAM-REDUCE",
            materialized,
            Arc::new(move |_k: &K, v: &V, agg: Option<&V>| match agg {
                Some(agg) => reducer(agg, v),
                None => v.clone(),
            }),
            Arc::new(move |_k: &K, a: &V, b: &V| merge(a, b)),
        )
    }

    /// Folds the values of each session: `initializer()` starts a session,
    /// `aggregator(key, value, aggregate)` adds a record and
    /// `merger(key, a, b)` merges two sessions that a record bridges.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, Grouped, Materialized, StreamsBuilder, SessionWindows, Produced};
    /// use kafka_streams::dsl::SessionWindowedSerde;
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("pages", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by_session(SessionWindows::with_inactivity_gap_and_no_grace(Duration::from_millis(10))?)
    ///     .aggregate(String::new, |_k, page, path| format!("{path}{page}"), |_k, a, b| format!("{a}{b}"), Materialized::as_store("paths"))
    ///     .to_stream()
    ///     .to("paths", Produced::with(SessionWindowedSerde::new(StringSerde), StringSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("pages", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("paths", SessionWindowedSerde::new(StringSerde), StringSerde);
    /// input.pipe_input_at("u".to_string(), "/a".to_string(), 0)?;
    /// input.pipe_input_at("u".to_string(), "/b".to_string(), 4)?;
    /// let values: Vec<Option<String>> = output.read_records_to_list()?.into_iter().map(|r| r.value).collect();
    /// // The session [0, 0] grows into [0, 4]: the old one is deleted first.
    /// assert_eq!(values, vec![Some("/a".to_string()), None, Some("/a/b".to_string())]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn aggregate<VA: Data, I, F, M>(
        &self,
        initializer: I,
        aggregator: F,
        merger: M,
        materialized: Materialized<K, VA>,
    ) -> KTable<Windowed<K>, VA>
    where
        I: Fn() -> VA + Send + Sync + 'static,
        F: Fn(&K, &V, &VA) -> VA + Send + Sync + 'static,
        M: Fn(&K, &VA, &VA) -> VA + Send + Sync + 'static,
    {
        self.aggregate_with(
            "KSTREAM-AGGREGATE",
            materialized,
            Arc::new(move |k: &K, v: &V, agg: Option<&VA>| match agg {
                Some(agg) => aggregator(k, v, agg),
                None => aggregator(k, v, &initializer()),
            }),
            Arc::new(merger),
        )
    }
}
