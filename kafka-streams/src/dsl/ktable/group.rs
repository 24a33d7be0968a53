//! `KTable::group_by`.

use std::sync::Arc;

use super::KTable;
use crate::dsl::{Grouped, KGroupedTable};
use crate::processor::erased::factory;
use crate::processor::ops::TableGroupMap;
use crate::processor::{Change, Data};

impl<K: Data, V: Data> KTable<K, V> {
    /// Re-groups the table's rows by a new key (with a new value); the
    /// aggregation repartitions through `<application.id>-<name>-repartition`
    /// (the `grouped` name, or the store's name) and keeps each group's
    /// aggregate up to date as rows change, move or are deleted.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, i64>("scores", Consumed::default(), Materialized::as_store("scores"))
    ///     .group_by(|player, score| (player[..1].to_string(), *score), Grouped::default().with_name("by-team"))
    ///     .reduce(|a, b| a + b, |a, b| a - b, Materialized::as_store("team-scores"));
    /// let topology = builder.build()?;
    /// assert_eq!(topology.repartition_topics(), vec!["by-team"]);
    /// let driver = TopologyTestDriver::new(topology)?;
    /// let input = driver.create_input_topic("scores", StringSerde, LongSerde);
    /// input.pipe_input("a1".to_string(), 10)?;
    /// input.pipe_input("a2".to_string(), 5)?;
    /// input.pipe_input("a1".to_string(), 12)?;
    /// let store = driver.key_value_store::<String, i64>("team-scores")?;
    /// assert_eq!(store.get(&"a".to_string())?, Some(17));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn group_by<K2: Data + PartialEq, V2: Data, F>(
        &self,
        selector: F,
        grouped: Grouped<K2, V2>,
    ) -> KGroupedTable<K2, V2>
    where
        F: Fn(&K, &V) -> (K2, V2) + Send + Sync + 'static,
    {
        let selector = Arc::new(selector);
        let mapped: KTable<K2, V2> = self.then(
            "KTABLE-SELECT",
            factory::<_, K, Change<V>, K2, Change<V2>>(move || TableGroupMap {
                selector: selector.clone(),
            }),
        );
        KGroupedTable::new(mapped.graph, mapped.node, grouped)
    }
}
