//! `KTable::filter`, `filter_not`.

use std::sync::Arc;

use super::KTable;
use crate::processor::erased::factory;
use crate::processor::ops::TableFilter;
use crate::processor::{Change, Data};

impl<K: Data, V: Data> KTable<K, V> {
    /// The rows for which `predicate` is true. An update that makes a row
    /// fail the predicate deletes it from the result (a tombstone downstream).
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, i64>("stock", Consumed::default(), Materialized::as_store("stock"))
    ///     .filter(|_item, n| *n > 0)
    ///     .to_stream()
    ///     .to("in-stock", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("stock", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("in-stock", StringSerde, LongSerde);
    /// input.pipe_input("pen".to_string(), 3)?;
    /// input.pipe_input("pen".to_string(), 0)?; // sold out: deleted downstream
    /// input.pipe_input("ink".to_string(), 0)?; // never in stock: nothing
    /// let values: Vec<Option<i64>> = output.read_records_to_list()?.into_iter().map(|r| r.value).collect();
    /// assert_eq!(values, vec![Some(3), None]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn filter<F>(&self, predicate: F) -> KTable<K, V>
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        let predicate = Arc::new(predicate);
        self.then(
            "KTABLE-FILTER",
            factory::<_, K, Change<V>, K, Change<V>>(move || TableFilter {
                predicate: predicate.clone(),
                keep: true,
            }),
        )
    }

    /// The rows for which `predicate` is false.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, String>("status", Consumed::default(), Materialized::as_store("status"))
    ///     .filter_not(|_k, s| s == "banned")
    ///     .to_stream()
    ///     .to("ok", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("status", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("ok", StringSerde, StringSerde);
    /// input.pipe_input("a".to_string(), "active".to_string())?;
    /// input.pipe_input("b".to_string(), "banned".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("a".to_string(), "active".to_string())]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn filter_not<F>(&self, predicate: F) -> KTable<K, V>
    where
        F: Fn(&K, &V) -> bool + Send + Sync + 'static,
    {
        let predicate = Arc::new(predicate);
        self.then(
            "KTABLE-FILTER",
            factory::<_, K, Change<V>, K, Change<V>>(move || TableFilter {
                predicate: predicate.clone(),
                keep: false,
            }),
        )
    }
}
