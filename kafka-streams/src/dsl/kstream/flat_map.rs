//! `flat_map`, `flat_map_values`.

use std::sync::Arc;

use super::KStream;
use crate::processor::erased::factory;
use crate::processor::ops::{FlatMap, FlatMapValues};
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    /// Zero or more new records per record. A later grouping repartitions.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .flat_map(|_k, v| v.split(',').map(|w| (w.to_string(), w.len() as i64)).collect::<Vec<_>>())
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// input.pipe_value("ab,c".to_string())?;
    /// assert_eq!(
    ///     output.read_key_values_to_list()?,
    ///     vec![("ab".to_string(), 2), ("c".to_string(), 1)]
    /// );
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn flat_map<K2: Data, V2: Data, I, F>(&self, mapper: F) -> KStream<K2, V2>
    where
        F: Fn(Option<&K>, &V) -> I + Send + Sync + 'static,
        I: IntoIterator<Item = (K2, V2)> + 'static,
    {
        let mapper = Arc::new(mapper);
        self.then(
            "KSTREAM-FLATMAP",
            factory::<_, K, V, K2, V2>(move || FlatMap {
                mapper: mapper.clone(),
            }),
            true,
        )
    }

    /// Zero or more new values per record, each with the record's key.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .flat_map_values(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, StringSerde);
    /// input.pipe_input("line-1".to_string(), "안녕 세계".to_string())?;
    /// assert_eq!(
    ///     output.read_key_values_to_list()?,
    ///     vec![("line-1".to_string(), "안녕".to_string()), ("line-1".to_string(), "세계".to_string())]
    /// );
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn flat_map_values<V2: Data, I, F>(&self, mapper: F) -> KStream<K, V2>
    where
        F: Fn(&V) -> I + Send + Sync + 'static,
        I: IntoIterator<Item = V2> + 'static,
    {
        let mapper = Arc::new(mapper);
        self.then(
            "KSTREAM-FLATMAPVALUES",
            factory::<_, K, V, K, V2>(move || FlatMapValues {
                mapper: mapper.clone(),
            }),
            self.repartition_required,
        )
    }
}
