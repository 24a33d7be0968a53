//! `peek`, `foreach`.

use std::sync::Arc;

use super::KStream;
use crate::processor::erased::factory;
use crate::processor::ops::{Foreach, Peek};
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    /// Runs `action` on each record and passes it on unchanged.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .peek(move |_k, v| log.lock().unwrap().push(v.clone()))
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, StringSerde);
    /// input.pipe_value("a".to_string())?;
    /// assert_eq!(*seen.lock().unwrap(), vec!["a".to_string()]);
    /// assert_eq!(output.read_values_to_list()?, vec!["a".to_string()]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn peek<F>(&self, action: F) -> KStream<K, V>
    where
        F: Fn(Option<&K>, &V) + Send + Sync + 'static,
    {
        let action = Arc::new(action);
        let stream = self.then(
            "KSTREAM-PEEK",
            factory::<_, K, V, K, V>(move || Peek {
                action: action.clone(),
            }),
            self.repartition_required,
        );
        self.graph.borrow_mut().mark_side_effect(stream.node);
        stream
    }

    /// Runs `action` on each record; nothing goes further.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use kafka_streams::{Consumed, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let total = Arc::new(Mutex::new(0usize));
    /// let sum = total.clone();
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .foreach(move |_k, v| *sum.lock().unwrap() += v.len());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// input.pipe_value("abc".to_string())?;
    /// input.pipe_value("de".to_string())?;
    /// assert_eq!(*total.lock().unwrap(), 5);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn foreach<F>(&self, action: F)
    where
        F: Fn(Option<&K>, &V) + Send + Sync + 'static,
    {
        let action = Arc::new(action);
        let stream: KStream<K, V> = self.then(
            "KSTREAM-FOREACH",
            factory::<_, K, V, K, V>(move || Foreach {
                action: action.clone(),
            }),
            false,
        );
        self.graph.borrow_mut().mark_side_effect(stream.node);
    }
}
