//! `repartition`, and the repartition hop that grouping inserts.

use std::sync::Arc;

use kafka_client::serde::SharedSerde;

use super::KStream;
use crate::dsl::Repartitioned;
use crate::processor::sink::{SinkTarget, TypedSink};
use crate::processor::source::TypedSource;
use crate::processor::Data;
use crate::time::RecordTimestamp;
use crate::topology::{fixed, GraphBuilder, NodeId, TopologyTopic};

/// Adds a sink to the repartition topic `<name>-repartition` and a source
/// reading it, named `<name>-repartition-sink` / `-source`; returns the
/// source. The sink's records are partitioned by their key bytes.
pub(crate) fn repartition_through<K: Data, V: Data>(
    g: &mut GraphBuilder,
    parent: NodeId,
    name: &str,
    keys: SharedSerde<K>,
    values: SharedSerde<V>,
) -> NodeId {
    let topic = TopologyTopic::Repartition(name.to_string());
    let encoder = TypedSink::new(
        keys.clone(),
        values.clone(),
        SinkTarget::Topic(topic.clone()),
    );
    g.add_sink(
        format!("{name}-repartition-sink"),
        parent,
        fixed(topic.clone()),
        Arc::new(encoder),
    );
    // The record keeps the timestamp it was written with.
    let decoder = TypedSource::new(keys, values, Arc::new(RecordTimestamp));
    g.add_source(
        format!("{name}-repartition-source"),
        topic,
        Arc::new(decoder),
    )
}

impl<K: Data, V: Data> KStream<K, V> {
    /// Sends the stream through a repartition topic
    /// (`<application.id>-<name>-repartition`), so that records are
    /// partitioned by their current key.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, Repartitioned, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .select_key(|_k, v| v.clone())
    ///     .repartition(Repartitioned::default().with_name("by-value"))
    ///     .to("out", Produced::default());
    /// let topology = builder.build()?;
    /// assert_eq!(topology.repartition_topics(), vec!["by-value"]);
    /// assert_eq!(topology.subtopologies().len(), 2);
    /// let driver = TopologyTestDriver::new(topology)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, StringSerde);
    /// input.pipe_value("x".to_string())?;
    /// assert_eq!(output.read_key_values_to_list()?, vec![("x".to_string(), "x".to_string())]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn repartition(&self, repartitioned: Repartitioned<K, V>) -> KStream<K, V> {
        let mut g = self.graph.borrow_mut();
        let name = g.name_or(repartitioned.name, "KSTREAM-REPARTITION");
        let source = repartition_through(
            &mut g,
            self.node,
            &name,
            repartitioned.keys,
            repartitioned.values,
        );
        drop(g);
        KStream::new(self.graph.clone(), source, false)
    }
}
