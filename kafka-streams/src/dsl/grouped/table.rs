//! `KGroupedTable`: `count`, `reduce`, `aggregate` with subtraction.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use kafka_client::serde::SharedSerde;

use crate::dsl::kstream::repartition_through;
use crate::dsl::{Graph, Grouped, KTable, Materialized};
use crate::processor::erased::factory;
use crate::processor::forward_cache::ForwardCache;
use crate::processor::ops::{TableAdd, TableAggregate, TableSubtract};
use crate::processor::{Change, ChangeSerde, Data};
use crate::topology::NodeId;

/// A table re-grouped by a new key. Its aggregations subtract a row's old
/// value from the group it leaves and add its new value to the group it
/// joins, so they stay correct as rows change and move between groups.
///
/// The first aggregation inserts the repartition topic; later aggregations
/// of the same grouped table read the same topic.
pub struct KGroupedTable<K, V> {
    graph: Graph,
    node: NodeId,
    grouped: Grouped<K, V>,
    repartitioned: Cell<Option<NodeId>>,
}

impl<K, V> fmt::Debug for KGroupedTable<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KGroupedTable")
            .field("node", &self.graph.borrow().node_name(self.node))
            .field("grouped", &self.grouped)
            .finish()
    }
}

impl<K: Data, V: Data> KGroupedTable<K, V> {
    pub(crate) fn new(graph: Graph, node: NodeId, grouped: Grouped<K, V>) -> Self {
        KGroupedTable {
            graph,
            node,
            grouped,
            repartitioned: Cell::new(None),
        }
    }

    fn aggregate_with<VA: Data>(
        &self,
        prefix: &str,
        materialized: Materialized<K, VA>,
        add: TableAdd<K, V, VA>,
        subtract: TableSubtract<K, V, VA>,
    ) -> KTable<K, VA> {
        let mut g = self.graph.borrow_mut();
        let name = g.generate(prefix);
        let store = match &materialized.name {
            Some(n) => n.clone(),
            None => g.generate(&format!("{prefix}-STATE-STORE")),
        };
        let source = match self.repartitioned.get() {
            Some(source) => source,
            None => {
                let topic = self.grouped.name.clone().unwrap_or_else(|| store.clone());
                let changes = SharedSerde::new(ChangeSerde::new(self.grouped.values.clone()));
                let source = repartition_through::<K, Change<V>>(
                    &mut g,
                    self.node,
                    &topic,
                    self.grouped.keys.clone(),
                    changes,
                );
                self.repartitioned.set(Some(source));
                source
            }
        };
        let store_name = store.clone();
        let node = g.add_processor(
            name,
            vec![source],
            factory::<_, K, Change<V>, K, Change<VA>>(move || TableAggregate {
                store: store_name.clone(),
                add: add.clone(),
                subtract: subtract.clone(),
                cache: ForwardCache::default(),
            }),
        );
        g.connect_store(node, store.clone());
        g.add_store(materialized.into_store(store.clone()).into_spec());
        drop(g);
        KTable::new(self.graph.clone(), node, Some(store))
    }

    /// The number of rows per group; a group whose rows all left counts 0.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, String>("user-city", Consumed::default(), Materialized::as_store("users"))
    ///     .group_by(|_user, city| (city.clone(), city.clone()), Grouped::default())
    ///     .count(Materialized::as_store("users-per-city"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("user-city", StringSerde, StringSerde);
    /// input.pipe_input("ann".to_string(), "Seoul".to_string())?;
    /// input.pipe_input("bob".to_string(), "Seoul".to_string())?;
    /// input.pipe_input("ann".to_string(), "Paris".to_string())?; // ann moves
    /// input.pipe_tombstone("bob".to_string())?; // bob leaves
    /// let store = driver.key_value_store::<String, i64>("users-per-city")?;
    /// assert_eq!(store.get(&"Seoul".to_string())?, Some(0));
    /// assert_eq!(store.get(&"Paris".to_string())?, Some(1));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn count(&self, materialized: Materialized<K, i64>) -> KTable<K, i64> {
        self.aggregate_with(
            "KTABLE-AGGREGATE",
            materialized,
            Arc::new(|_k: &K, _v: &V, c: Option<&i64>| c.copied().unwrap_or(0) + 1),
            Arc::new(|_k: &K, _v: &V, c: Option<&i64>| Some(c.copied().unwrap_or(0) - 1)),
        )
    }

    /// Combines each group's values with `adder(aggregate, value)` and
    /// removes a value with `subtractor(aggregate, value)`.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, i64>("balances", Consumed::default(), Materialized::as_store("balances"))
    ///     .group_by(|account, balance| (account[..2].to_string(), *balance), Grouped::default())
    ///     .reduce(|a, v| a + v, |a, v| a - v, Materialized::as_store("per-branch"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("balances", StringSerde, LongSerde);
    /// input.pipe_input("kr-1".to_string(), 100)?;
    /// input.pipe_input("kr-2".to_string(), 50)?;
    /// input.pipe_input("kr-1".to_string(), 70)?; // 100 is replaced by 70
    /// let store = driver.key_value_store::<String, i64>("per-branch")?;
    /// assert_eq!(store.get(&"kr".to_string())?, Some(120));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn reduce<A, S>(
        &self,
        adder: A,
        subtractor: S,
        materialized: Materialized<K, V>,
    ) -> KTable<K, V>
    where
        A: Fn(&V, &V) -> V + Send + Sync + 'static,
        S: Fn(&V, &V) -> V + Send + Sync + 'static,
    {
        self.aggregate_with(
            "KTABLE-REDUCE",
            materialized,
            Arc::new(move |_k: &K, v: &V, agg: Option<&V>| match agg {
                Some(agg) => adder(agg, v),
                None => v.clone(),
            }),
            Arc::new(move |_k: &K, v: &V, agg: Option<&V>| agg.map(|agg| subtractor(agg, v))),
        )
    }

    /// Folds each group's values into an aggregate of another type:
    /// `initializer()` starts it, `adder(key, value, aggregate)` adds a
    /// value, `subtractor(key, value, aggregate)` removes one.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, String>("user-team", Consumed::default(), Materialized::as_store("users"))
    ///     .group_by(|user, team| (team.clone(), user.clone()), Grouped::default())
    ///     .aggregate(
    ///         String::new,
    ///         |_team, user, members| {
    ///             let mut v: Vec<&str> = members.split(',').filter(|s| !s.is_empty()).collect();
    ///             v.push(user);
    ///             v.sort();
    ///             v.join(",")
    ///         },
    ///         |_team, user, members| members.split(',').filter(|m| *m != user).collect::<Vec<_>>().join(","),
    ///         Materialized::as_store("members"),
    ///     );
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("user-team", StringSerde, StringSerde);
    /// input.pipe_input("bo".to_string(), "red".to_string())?;
    /// input.pipe_input("al".to_string(), "red".to_string())?;
    /// input.pipe_input("bo".to_string(), "blue".to_string())?;
    /// let store = driver.key_value_store::<String, String>("members")?;
    /// assert_eq!(store.get(&"red".to_string())?, Some("al".to_string()));
    /// assert_eq!(store.get(&"blue".to_string())?, Some("bo".to_string()));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn aggregate<VA: Data, I, A, S>(
        &self,
        initializer: I,
        adder: A,
        subtractor: S,
        materialized: Materialized<K, VA>,
    ) -> KTable<K, VA>
    where
        I: Fn() -> VA + Send + Sync + 'static,
        A: Fn(&K, &V, &VA) -> VA + Send + Sync + 'static,
        S: Fn(&K, &V, &VA) -> VA + Send + Sync + 'static,
    {
        let initializer = Arc::new(initializer);
        let init = initializer.clone();
        self.aggregate_with(
            "KTABLE-AGGREGATE",
            materialized,
            Arc::new(move |k: &K, v: &V, agg: Option<&VA>| match agg {
                Some(agg) => adder(k, v, agg),
                None => adder(k, v, &init()),
            }),
            Arc::new(move |k: &K, v: &V, agg: Option<&VA>| {
                Some(match agg {
                    Some(agg) => subtractor(k, v, agg),
                    None => subtractor(k, v, &initializer()),
                })
            }),
        )
    }
}
