//! `group_by_key`, `group_by`.

use std::sync::Arc;

use super::KStream;
use crate::dsl::{Grouped, KGroupedStream};
use crate::processor::erased::factory;
use crate::processor::ops::SelectKey;
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    /// Groups by the current key, for an aggregation. If the key may have
    /// changed since the last repartition (after `map`, `select_key`, ...),
    /// the aggregation will repartition with the serdes of `grouped`.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("clicks", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .count(Materialized::as_store("clicks-per-user"))
    ///     .to_stream()
    ///     .to("out", Produced::default());
    /// let topology = builder.build()?;
    /// assert!(topology.repartition_topics().is_empty()); // the key did not change
    /// let driver = TopologyTestDriver::new(topology)?;
    /// let input = driver.create_input_topic("clicks", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// input.pipe_input("ann".to_string(), "/".to_string())?;
    /// input.pipe_input("ann".to_string(), "/a".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("ann".to_string(), 1), ("ann".to_string(), 2)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn group_by_key(&self, grouped: Grouped<K, V>) -> KGroupedStream<K, V> {
        KGroupedStream::new(self.clone(), grouped)
    }

    /// Groups by a new key chosen per record; the aggregation repartitions
    /// through `<application.id>-<name>-repartition` (the `grouped` name, or
    /// the store's name).
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("words", Consumed::default())
    ///     .group_by(|_k, word| word.clone(), Grouped::default())
    ///     .count(Materialized::as_store("counts"))
    ///     .to_stream()
    ///     .to("out", Produced::default());
    /// let topology = builder.build()?;
    /// assert_eq!(topology.repartition_topics(), vec!["counts"]);
    /// let driver = TopologyTestDriver::new(topology)?;
    /// let input = driver.create_input_topic("words", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// for w in ["a", "b", "a"] {
    ///     input.pipe_value(w.to_string())?;
    /// }
    /// assert_eq!(
    ///     output.read_key_values_to_list()?,
    ///     vec![("a".to_string(), 1), ("b".to_string(), 1), ("a".to_string(), 2)]
    /// );
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn group_by<K2: Data, F>(
        &self,
        selector: F,
        grouped: Grouped<K2, V>,
    ) -> KGroupedStream<K2, V>
    where
        F: Fn(Option<&K>, &V) -> K2 + Send + Sync + 'static,
    {
        let selector = Arc::new(selector);
        let keyed = self.then(
            "KSTREAM-KEY-SELECT",
            factory::<_, K, V, K2, V>(move || SelectKey {
                selector: selector.clone(),
            }),
            true,
        );
        KGroupedStream::new(keyed, grouped)
    }
}
