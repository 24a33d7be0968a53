//! `KStream<K, V>`: an unbounded stream of records. One operator family
//! per file.

mod filter;
mod flat_map;
mod group;
mod map;
mod merge;
mod peek;
mod process;
mod repartition;
mod sink;
mod split;
mod to_table;

use std::fmt;
use std::marker::PhantomData;

pub(crate) use repartition::repartition_through;
pub use split::BranchedKStream;

use super::Graph;
use crate::processor::erased::ProcessorFactory;
use crate::processor::Data;
use crate::topology::NodeId;

/// A stream of records with keys of type `K` and values of type `V`.
///
/// Cheap to clone; using a stream twice feeds both operations with every
/// record.
pub struct KStream<K, V> {
    pub(crate) graph: Graph,
    pub(crate) node: NodeId,
    /// Whether the key may have changed since the last repartition.
    pub(crate) repartition_required: bool,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KStream<K, V> {
    fn clone(&self) -> Self {
        KStream {
            graph: self.graph.clone(),
            node: self.node,
            repartition_required: self.repartition_required,
            types: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for KStream<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KStream")
            .field("node", &self.name())
            .field("repartition_required", &self.repartition_required)
            .finish()
    }
}

impl<K, V> KStream<K, V> {
    pub(crate) fn new(graph: Graph, node: NodeId, repartition_required: bool) -> Self {
        KStream {
            graph,
            node,
            repartition_required,
            types: PhantomData,
        }
    }

    /// The name of the node that produces this stream.
    pub fn name(&self) -> String {
        self.graph.borrow().node_name(self.node)
    }

    /// Renames the node that produced this stream (the last call), so that
    /// no generated name has to be guessed.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// let builder = StreamsBuilder::new();
    /// let kept = builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .filter(|_k, v| !v.is_empty())
    ///     .named("drop-empty");
    /// assert_eq!(kept.name(), "drop-empty");
    /// kept.to("out", Produced::default());
    /// assert!(builder.build()?.describe().to_string().contains("Processor: drop-empty"));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        self.graph.borrow_mut().rename(self.node, name.into());
        self
    }
}

impl<K: Data, V: Data> KStream<K, V> {
    /// Adds a processor fed by this stream.
    pub(crate) fn then<K2, V2>(
        &self,
        prefix: &str,
        factory: ProcessorFactory,
        repartition_required: bool,
    ) -> KStream<K2, V2> {
        let mut g = self.graph.borrow_mut();
        let name = g.generate(prefix);
        let node = g.add_processor(name, vec![self.node], factory);
        drop(g);
        KStream::new(self.graph.clone(), node, repartition_required)
    }
}
