//! `to`, `to_dynamic`.

use std::sync::Arc;

use super::KStream;
use crate::dsl::Produced;
use crate::processor::sink::{SinkTarget, TypedSink};
use crate::processor::{Data, Record};
use crate::topology::{fixed, SinkTopic, TopologyTopic};

impl<K: Data, V: Data> KStream<K, V> {
    /// Writes every record to `topic` with the serdes of `produced`.
    /// Records with a null value are written as tombstones.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{IntSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, i32>("in", Consumed::with(StringSerde, IntSerde))
    ///     .to("out", Produced::with(StringSerde, IntSerde).with_name("to-out"));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, IntSerde);
    /// let output = driver.create_output_topic("out", StringSerde, IntSerde);
    /// input.pipe_input_at("k".to_string(), 7, 1_000)?;
    /// let record = output.read_record()?.unwrap();
    /// assert_eq!((record.key, record.value, record.timestamp), (Some("k".to_string()), Some(7), 1_000));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn to(&self, topic: impl Into<String>, produced: Produced<K, V>) {
        let topic = TopologyTopic::User(topic.into());
        let encoder = TypedSink::new(
            produced.keys,
            produced.values,
            SinkTarget::Topic(topic.clone()),
        );
        let mut g = self.graph.borrow_mut();
        let name = g.name_or(produced.name, "KSTREAM-SINK");
        g.add_sink(name, self.node, fixed(topic), Arc::new(encoder));
    }

    /// Writes each record to the topic `chooser` names for it. These topics
    /// are not known to the topology ([`Topology::sink_topics`](crate::Topology::sink_topics)
    /// does not list them): create them beforehand.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("events", Consumed::default())
    ///     .to_dynamic(|r| format!("events-{}", r.key().map_or("unknown", |k| k.as_str())), Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("events", StringSerde, StringSerde);
    /// let eu = driver.create_output_topic("events-eu", StringSerde, StringSerde);
    /// let us = driver.create_output_topic("events-us", StringSerde, StringSerde);
    /// input.pipe_input("eu".to_string(), "a".to_string())?;
    /// input.pipe_input("us".to_string(), "b".to_string())?;
    /// assert_eq!(eu.read_values_to_list()?, vec!["a".to_string()]);
    /// assert_eq!(us.read_values_to_list()?, vec!["b".to_string()]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn to_dynamic<F>(&self, chooser: F, produced: Produced<K, V>)
    where
        F: Fn(&Record<K, V>) -> String + Send + Sync + 'static,
    {
        let encoder = TypedSink::new(
            produced.keys,
            produced.values,
            SinkTarget::Dynamic(Arc::new(chooser)),
        );
        let mut g = self.graph.borrow_mut();
        let name = g.name_or(produced.name, "KSTREAM-SINK");
        g.add_sink(name, self.node, SinkTopic::Dynamic, Arc::new(encoder));
    }
}
