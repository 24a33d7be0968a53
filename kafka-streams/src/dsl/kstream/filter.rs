//! `filter`, `filter_not`.

use std::sync::Arc;

use super::KStream;
use crate::processor::erased::factory;
use crate::processor::ops::Filter;
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    /// Keeps the records for which `predicate` is true.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i64>("in", Consumed::default())
    ///     .filter(|_k, v| *v > 10)
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// for v in [5, 20, 10, 11] {
    ///     input.pipe_input("k".to_string(), v)?;
    /// }
    /// assert_eq!(output.read_values_to_list()?, vec![20, 11]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn filter<F>(&self, predicate: F) -> KStream<K, V>
    where
        F: Fn(Option<&K>, &V) -> bool + Send + Sync + 'static,
    {
        let predicate = Arc::new(predicate);
        self.then(
            "KSTREAM-FILTER",
            factory::<_, K, V, K, V>(move || Filter {
                predicate: predicate.clone(),
                keep: true,
            }),
            self.repartition_required,
        )
    }

    /// Drops the records for which `predicate` is true.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .filter_not(|k, _v| k.is_some_and(|k| k.starts_with("test-")))
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, StringSerde);
    /// input.pipe_input("test-1".to_string(), "a".to_string())?;
    /// input.pipe_input("user-1".to_string(), "b".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("user-1".to_string(), "b".to_string())]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn filter_not<F>(&self, predicate: F) -> KStream<K, V>
    where
        F: Fn(Option<&K>, &V) -> bool + Send + Sync + 'static,
    {
        let predicate = Arc::new(predicate);
        self.then(
            "KSTREAM-FILTER",
            factory::<_, K, V, K, V>(move || Filter {
                predicate: predicate.clone(),
                keep: false,
            }),
            self.repartition_required,
        )
    }
}
