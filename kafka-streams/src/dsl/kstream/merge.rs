//! `merge`.

use super::KStream;
use crate::processor::erased::factory;
use crate::processor::ops::PassThrough;
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    /// One stream with the records of both. Records keep their relative
    /// order within each input; across inputs they interleave as they arrive.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let a = builder.stream::<String, String>("a", Consumed::default());
    /// let b = builder.stream::<String, String>("b", Consumed::default());
    /// a.merge(&b).to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let in_a = driver.create_input_topic("a", StringSerde, StringSerde);
    /// let in_b = driver.create_input_topic("b", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, StringSerde);
    /// in_a.pipe_value("from a".to_string())?;
    /// in_b.pipe_value("from b".to_string())?;
    /// assert_eq!(output.read_values_to_list()?, vec!["from a".to_string(), "from b".to_string()]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn merge(&self, other: &KStream<K, V>) -> KStream<K, V> {
        let mut g = self.graph.borrow_mut();
        let name = g.generate("KSTREAM-MERGE");
        let node = g.add_processor(
            name,
            vec![self.node, other.node],
            factory::<_, K, V, K, V>(|| PassThrough),
        );
        drop(g);
        KStream::new(
            self.graph.clone(),
            node,
            self.repartition_required || other.repartition_required,
        )
    }
}
