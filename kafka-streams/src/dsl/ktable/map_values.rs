//! `KTable::map_values`.

use std::sync::Arc;

use super::KTable;
use crate::processor::erased::factory;
use crate::processor::ops::TableMapValues;
use crate::processor::{Change, Data};

impl<K: Data, V: Data> KTable<K, V> {
    /// A table with each value mapped; deleted rows stay deleted.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, String>("names", Consumed::default(), Materialized::as_store("names"))
    ///     .map_values(|name| name.chars().count() as i64)
    ///     .to_stream()
    ///     .to("lengths", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("names", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("lengths", StringSerde, LongSerde);
    /// input.pipe_input("1".to_string(), "José".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("1".to_string(), 4)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn map_values<V2: Data, F>(&self, mapper: F) -> KTable<K, V2>
    where
        F: Fn(&V) -> V2 + Send + Sync + 'static,
    {
        let mapper = Arc::new(mapper);
        self.then(
            "KTABLE-MAPVALUES",
            factory::<_, K, Change<V>, K, Change<V2>>(move || TableMapValues {
                mapper: mapper.clone(),
            }),
        )
    }
}
