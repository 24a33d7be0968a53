//! `StreamsBuilder`: where a topology starts.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::{Consumed, Graph, KStream, KTable, Materialized};
use crate::error::Result;
use crate::processor::erased::factory;
use crate::processor::ops::TableSource;
use crate::processor::source::TypedSource;
use crate::processor::{Change, Data};
use crate::state::StoreBuilder;
use crate::topology::{GraphBuilder, Topology, TopologyTopic};

/// Records sources, operators, sinks and stores, then builds a [`Topology`].
///
/// ```
/// use kafka_streams::{Consumed, Produced, StreamsBuilder};
/// let builder = StreamsBuilder::new();
/// builder
///     .stream::<String, String>("in", Consumed::default())
///     .to("out", Produced::default());
/// let topology = builder.build()?;
/// assert_eq!(topology.sink_topics(), vec!["out"]);
/// # Ok::<(), kafka_streams::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct StreamsBuilder {
    graph: Graph,
}

impl StreamsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        StreamsBuilder {
            graph: Rc::new(RefCell::new(GraphBuilder::default())),
        }
    }

    /// A stream of the records of `topic`.
    pub fn stream<K: Data, V: Data>(
        &self,
        topic: impl Into<String>,
        consumed: Consumed<K, V>,
    ) -> KStream<K, V> {
        let node = add_source(&mut self.graph.borrow_mut(), topic.into(), consumed);
        KStream::new(self.graph.clone(), node, false)
    }

    /// A table of the latest value per key in `topic` (tombstones delete),
    /// materialized in a store (named by `materialized`, or
    /// `<topic>-STATE-STORE-<n>`).
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .table::<String, i64>("prices", Consumed::default(), Materialized::as_store("prices"))
    ///     .to_stream()
    ///     .to("price-updates", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("prices", StringSerde, LongSerde);
    /// let output = driver.create_output_topic("price-updates", StringSerde, LongSerde);
    /// input.pipe_input("apple".to_string(), 3)?;
    /// input.pipe_input("apple".to_string(), 4)?;
    /// input.pipe_tombstone("apple".to_string())?;
    /// let records = output.read_records_to_list()?;
    /// let values: Vec<Option<i64>> = records.iter().map(|r| r.value).collect();
    /// assert_eq!(values, vec![Some(3), Some(4), None]);
    /// assert_eq!(driver.key_value_store::<String, i64>("prices")?.get(&"apple".to_string())?, None);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn table<K: Data, V: Data>(
        &self,
        topic: impl Into<String>,
        consumed: Consumed<K, V>,
        materialized: Materialized<K, V>,
    ) -> KTable<K, V> {
        let topic = topic.into();
        let mut g = self.graph.borrow_mut();
        let source = add_source(&mut g, topic.clone(), consumed);
        let store = match &materialized.name {
            Some(name) => name.clone(),
            None => g.generate(&format!("{topic}-STATE-STORE")),
        };
        let name = g.generate("KTABLE-SOURCE");
        let store_name = store.clone();
        let node = g.add_processor(
            name,
            vec![source],
            factory::<_, K, V, K, Change<V>>(move || TableSource {
                store: store_name.clone(),
            }),
        );
        g.connect_store(node, store.clone());
        g.add_store(materialized.into_store(store.clone()).into_spec());
        drop(g);
        KTable::new(self.graph.clone(), node, Some(store))
    }

    /// Adds a state store for processors added with
    /// [`KStream::process`](crate::dsl::KStream::process).
    pub fn add_state_store<K: 'static, V: 'static>(&self, store: StoreBuilder<K, V>) -> &Self {
        self.graph.borrow_mut().add_store(store.into_spec());
        self
    }

    /// Validates what was recorded and freezes it: duplicate names, missing
    /// stores, two sources on one topic, and a topology with no source or
    /// no output (no sink, no store, no side effect) are errors here.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Error, StreamsBuilder};
    /// let builder = StreamsBuilder::new();
    /// builder.stream::<String, String>("in", Consumed::default()).filter(|_k, v| !v.is_empty());
    /// assert!(matches!(builder.build(), Err(Error::NoOutput)));
    /// ```
    pub fn build(&self) -> Result<Topology> {
        self.graph.borrow().build()
    }
}

fn add_source<K: Data, V: Data>(
    g: &mut GraphBuilder,
    topic: String,
    consumed: Consumed<K, V>,
) -> usize {
    let name = g.name_or(consumed.name, "KSTREAM-SOURCE");
    let decoder = Arc::new(TypedSource::new(
        consumed.keys,
        consumed.values,
        consumed.extractor,
    ));
    g.add_source(name, TopologyTopic::User(topic), decoder)
}
