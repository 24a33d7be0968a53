//! `KTable<K, V>`: the latest value per key. One operator family per file.
//!
//! Table operators forward [`Change`](crate::processor::Change)s (new and
//! old value) internally, so that a downstream re-grouping can subtract
//! what a row used to contribute.

mod filter;
mod group;
mod map_values;
mod suppress;
mod to_stream;

use std::fmt;
use std::marker::PhantomData;

use super::Graph;
use crate::processor::erased::ProcessorFactory;
use crate::processor::Data;
use crate::topology::NodeId;

/// A table: for each key, its latest value. Cheap to clone.
pub struct KTable<K, V> {
    pub(crate) graph: Graph,
    pub(crate) node: NodeId,
    store: Option<String>,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for KTable<K, V> {
    fn clone(&self) -> Self {
        KTable {
            graph: self.graph.clone(),
            node: self.node,
            store: self.store.clone(),
            types: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for KTable<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KTable")
            .field("node", &self.name())
            .field("store", &self.store)
            .finish()
    }
}

impl<K, V> KTable<K, V> {
    pub(crate) fn new(graph: Graph, node: NodeId, store: Option<String>) -> Self {
        KTable {
            graph,
            node,
            store,
            types: PhantomData,
        }
    }

    /// The name of the node that produces this table.
    pub fn name(&self) -> String {
        self.graph.borrow().node_name(self.node)
    }

    /// The store that holds this table, if it is materialized (tables from
    /// `StreamsBuilder::table`, `KStream::to_table` and aggregations are;
    /// `filter` and `map_values` results are computed on the fly).
    pub fn queryable_store_name(&self) -> Option<&str> {
        self.store.as_deref()
    }

    /// Renames the node that produced this table (the last call).
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, StreamsBuilder};
    /// let builder = StreamsBuilder::new();
    /// let t = builder
    ///     .table::<String, String>("t", Consumed::default(), Materialized::as_store("t-store"))
    ///     .named("t-source");
    /// assert_eq!(t.name(), "t-source");
    /// assert_eq!(t.queryable_store_name(), Some("t-store"));
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        self.graph.borrow_mut().rename(self.node, name.into());
        self
    }
}

impl<K: Data, V: Data> KTable<K, V> {
    pub(crate) fn then<K2, V2>(&self, prefix: &str, factory: ProcessorFactory) -> KTable<K2, V2> {
        let mut g = self.graph.borrow_mut();
        let name = g.generate(prefix);
        let node = g.add_processor(name, vec![self.node], factory);
        drop(g);
        KTable::new(self.graph.clone(), node, None)
    }
}
