//! `map`, `map_values`, `select_key`.

use std::sync::Arc;

use super::KStream;
use crate::processor::erased::factory;
use crate::processor::ops::{Map, MapValues, SelectKey};
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    /// A new key and value for each record. The key may change, so a later
    /// grouping repartitions.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .map(|_k, v| (v.to_uppercase(), v.len() as i64))
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// input.pipe_value("héllo".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("HÉLLO".to_string(), 6)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn map<K2: Data, V2: Data, F>(&self, mapper: F) -> KStream<K2, V2>
    where
        F: Fn(Option<&K>, &V) -> (K2, V2) + Send + Sync + 'static,
    {
        let mapper = Arc::new(mapper);
        self.then(
            "KSTREAM-MAP",
            factory::<_, K, V, K2, V2>(move || Map {
                mapper: mapper.clone(),
            }),
            true,
        )
    }

    /// A new value for each record; the key stays.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .map_values(|v| v.chars().count() as i64)
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// input.pipe_input("k".to_string(), "한국어".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("k".to_string(), 3)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn map_values<V2: Data, F>(&self, mapper: F) -> KStream<K, V2>
    where
        F: Fn(&V) -> V2 + Send + Sync + 'static,
    {
        let mapper = Arc::new(mapper);
        self.then(
            "KSTREAM-MAPVALUES",
            factory::<_, K, V, K, V2>(move || MapValues {
                mapper: mapper.clone(),
            }),
            self.repartition_required,
        )
    }

    /// A new key for each record; the value stays. A later grouping
    /// repartitions.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .select_key(|_k, v| v.split(':').next().unwrap_or_default().to_string())
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, StringSerde);
    /// input.pipe_value("user7:login".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("user7".to_string(), "user7:login".to_string())]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn select_key<K2: Data, F>(&self, selector: F) -> KStream<K2, V>
    where
        F: Fn(Option<&K>, &V) -> K2 + Send + Sync + 'static,
    {
        let selector = Arc::new(selector);
        self.then(
            "KSTREAM-KEY-SELECT",
            factory::<_, K, V, K2, V>(move || SelectKey {
                selector: selector.clone(),
            }),
            true,
        )
    }
}
