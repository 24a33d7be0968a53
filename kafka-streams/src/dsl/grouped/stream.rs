//! `KGroupedStream`: `count`, `reduce`, `aggregate`.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use crate::dsl::kstream::repartition_through;
use crate::dsl::{Grouped, KStream, KTable, Materialized};
use crate::processor::erased::factory;
use crate::processor::forward_cache::ForwardCache;
use crate::processor::ops::{AggregateStep, StreamAggregate};
use crate::processor::{Change, Data};
use crate::topology::{GraphBuilder, NodeId};

/// A stream grouped by key, ready for an aggregation into a [`KTable`].
///
/// When the key may have changed, the first aggregation inserts the
/// repartition topic and later aggregations of the same grouped stream read
/// the same topic (as Kafka Streams' topology optimization does), so they
/// run in one sub-topology.
pub struct KGroupedStream<K, V> {
    stream: KStream<K, V>,
    grouped: Grouped<K, V>,
    /// The repartition source, once an aggregation created it.
    repartitioned: Cell<Option<NodeId>>,
}

impl<K, V> fmt::Debug for KGroupedStream<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedStream")
            .field("stream", &self.stream)
            .field("grouped", &self.grouped)
            .finish()
    }
}

impl<K: Data, V: Data> KGroupedStream<K, V> {
    pub(crate) fn new(stream: KStream<K, V>, grouped: Grouped<K, V>) -> Self {
        KGroupedStream {
            stream,
            grouped,
            repartitioned: Cell::new(None),
        }
    }

    /// The node an aggregation reads: the stream itself, or the
    /// repartition topic's source (created by the first aggregation that
    /// needs it, named by the `Grouped` name or else `store`).
    pub(crate) fn input_node(&self, g: &mut GraphBuilder, store: &str) -> NodeId {
        match (self.stream.repartition_required, self.repartitioned.get()) {
            (false, _) => self.stream.node,
            (true, Some(source)) => source,
            (true, None) => {
                let topic = self
                    .grouped
                    .name
                    .clone()
                    .unwrap_or_else(|| store.to_string());
                let source = repartition_through(
                    g,
                    self.stream.node,
                    &topic,
                    self.grouped.keys.clone(),
                    self.grouped.values.clone(),
                );
                self.repartitioned.set(Some(source));
                source
            }
        }
    }

    /// The graph the grouped stream is recorded in.
    pub(crate) fn graph(&self) -> &crate::dsl::Graph {
        &self.stream.graph
    }

    fn aggregate_with<VA: Data>(
        &self,
        prefix: &str,
        materialized: Materialized<K, VA>,
        step: AggregateStep<K, V, VA>,
    ) -> KTable<K, VA> {
        let graph = self.stream.graph.clone();
        let mut g = graph.borrow_mut();
        let name = g.generate(prefix);
        let store = match &materialized.name {
            Some(n) => n.clone(),
            None => g.generate(&format!("{prefix}-STATE-STORE")),
        };
        let parent = self.input_node(&mut g, &store);
        let store_name = store.clone();
        let node = g.add_processor(
            name,
            vec![parent],
            factory::<_, K, V, K, Change<VA>>(move || StreamAggregate {
                store: store_name.clone(),
                step: step.clone(),
                cache: ForwardCache::default(),
            }),
        );
        g.connect_store(node, store.clone());
        g.add_store(materialized.into_store(store.clone()).into_spec());
        drop(g);
        KTable::new(graph, node, Some(store))
    }

    /// The number of records per key, in a store named by `materialized`.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("views", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .count(Materialized::as_store("views-per-page"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("views", StringSerde, StringSerde);
    /// for page in ["/", "/about", "/"] {
    ///     input.pipe_input(page.to_string(), "v".to_string())?;
    /// }
    /// let store = driver.key_value_store::<String, i64>("views-per-page")?;
    /// assert_eq!(store.get(&"/".to_string())?, Some(2));
    /// assert_eq!(store.get(&"/about".to_string())?, Some(1));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn count(&self, materialized: Materialized<K, i64>) -> KTable<K, i64> {
        self.aggregate_with(
            "KSTREAM-AGGREGATE",
            materialized,
            Arc::new(|_k: &K, _v: &V, count: Option<&i64>| count.map_or(1, |c| c + 1)),
        )
    }

    /// Combines the values of each key with `reducer(aggregate, value)`;
    /// the first value of a key is its first aggregate.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("temps", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .reduce(|max, v| *max.max(v), Materialized::as_store("max-temp"))
    ///     .to_stream()
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("temps", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// for t in [12, 18, 15] {
    ///     input.pipe_input("seoul".to_string(), t)?;
    /// }
    /// assert_eq!(output.read_values_to_list()?, vec![12, 18, 18]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn reduce<F>(&self, reducer: F, materialized: Materialized<K, V>) -> KTable<K, V>
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

    /// Folds the values of each key into an aggregate of another type:
    /// `initializer()` starts it, `aggregator(key, value, aggregate)` updates it.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("orders", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .aggregate(
    ///         String::new,
    ///         |_k, amount, list| if list.is_empty() { amount.to_string() } else { format!("{list},{amount}") },
    ///         Materialized::as_store("order-list"),
    ///     );
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("orders", StringSerde, LongSerde);
    /// input.pipe_input("c1".to_string(), 5)?;
    /// input.pipe_input("c1".to_string(), 7)?;
    /// let store = driver.key_value_store::<String, String>("order-list")?;
    /// assert_eq!(store.get(&"c1".to_string())?, Some("5,7".to_string()));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn aggregate<VA: Data, I, F>(
        &self,
        initializer: I,
        aggregator: F,
        materialized: Materialized<K, VA>,
    ) -> KTable<K, VA>
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
