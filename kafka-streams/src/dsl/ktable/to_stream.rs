//! `KTable::to_stream`.

use super::KTable;
use crate::dsl::KStream;
use crate::processor::erased::factory;
use crate::processor::ops::TableToStream;
use crate::processor::{Change, Data};

impl<K: Data, V: Data> KTable<K, V> {
    /// The table's updates as a stream; a deleted row is a record with a
    /// null value (a tombstone when written to a topic).
    ///
    /// ```
    /// use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .count(Materialized::as_store("n"))
    ///     .to_stream()
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// input.pipe_input("k".to_string(), "x".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("k".to_string(), 1)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn to_stream(&self) -> KStream<K, V> {
        let mut g = self.graph.borrow_mut();
        let name = g.generate("KTABLE-TOSTREAM");
        let node = g.add_processor(
            name,
            vec![self.node],
            factory::<_, K, Change<V>, K, V>(|| TableToStream),
        );
        drop(g);
        KStream::new(self.graph.clone(), node, false)
    }
}
