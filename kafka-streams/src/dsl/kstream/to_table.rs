//! `to_table`.

use super::KStream;
use crate::dsl::{KTable, Materialized};
use crate::processor::erased::factory;
use crate::processor::ops::TableSource;
use crate::processor::{Change, Data};

impl<K: Data, V: Data> KStream<K, V> {
    /// The stream as a table: the latest value per key, materialized in a
    /// store; records with a null value delete their key.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .to_table(Materialized::as_store("latest"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// input.pipe_input("k".to_string(), "old".to_string())?;
    /// input.pipe_input("k".to_string(), "new".to_string())?;
    /// input.pipe_input("gone".to_string(), "x".to_string())?;
    /// input.pipe_tombstone("gone".to_string())?;
    /// let store = driver.key_value_store::<String, String>("latest")?;
    /// assert_eq!(store.all()?, vec![("k".to_string(), "new".to_string())]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn to_table(&self, materialized: Materialized<K, V>) -> KTable<K, V> {
        let mut g = self.graph.borrow_mut();
        let name = g.generate("KSTREAM-TOTABLE");
        let store = match &materialized.name {
            Some(n) => n.clone(),
            None => g.generate("KSTREAM-TOTABLE-STATE-STORE"),
        };
        let store_name = store.clone();
        let node = g.add_processor(
            name,
            vec![self.node],
            factory::<_, K, V, K, Change<V>>(move || TableSource {
                store: store_name.clone(),
            }),
        );
        g.connect_store(node, store.clone());
        g.add_store(materialized.into_store(store.clone()).into_spec());
        drop(g);
        KTable::new(self.graph.clone(), node, Some(store))
    }
}
