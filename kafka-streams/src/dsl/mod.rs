//! The DSL: describe a stream-processing app; nothing runs here.
//!
//! Each DSL call only records a named node in the graph of its
//! [`StreamsBuilder`]; [`StreamsBuilder::build`] validates the graph and
//! freezes it into a [`Topology`](crate::Topology).
//!
//! # Types
//! The key and value types flow through the chain: `KStream<K, V>::map`
//! returns a `KStream<K2, V2>`, and every parameter object
//! ([`Consumed`], [`Produced`], [`Grouped`], [`Materialized`]) carries serdes
//! for exactly its types, so a wrong serde or type is a compile error.
//! Closures take references and return owned values; they must be
//! `Send + Sync + 'static` (one topology serves many tasks).
//!
//! # Nulls
//! Kafka records may have a null key or a null value. Stream closures get
//! the key as `Option<&K>` (input topics are often unkeyed) and the value as
//! `&V`; records with a null value skip operators that call a closure on
//! the value (`merge`, `to`, `repartition` and `to_table` keep them). Table
//! keys are never null, so table closures get `&K`; a null value in a table
//! (a tombstone) deletes the key.
//!
//! # Names
//! Every processor, store and internal topic has a name. Without one,
//! names are generated as Kafka Streams does (`KSTREAM-FILTER-0000000001`,
//! shifting when operators are added earlier in the program). To name a
//! node, call [`KStream::named`] / [`KTable::named`] right after the call
//! that made it, or pass a name in the parameter object ([`Consumed`],
//! [`Produced`], [`Grouped`], [`Materialized`], [`Named`], [`Branched`]).
//! Duplicate names are an error from `build()`.
//!
//! # Repartitioning
//! An operation that may change the key (`map`, `flat_map`, `select_key`,
//! `group_by`, `process`) marks the stream; grouping a marked stream
//! inserts a repartition topic `<application.id>-<name>-repartition`,
//! where `<name>` is the [`Grouped`] name or else the store's name, so that
//! all records of a key meet in one task. This splits the topology into
//! sub-topologies.

mod builder;
mod grouped;
mod join;
mod kstream;
mod ktable;
mod params;
mod windows;

use std::cell::RefCell;
use std::rc::Rc;

pub use builder::StreamsBuilder;
pub use grouped::{
    KGroupedStream, KGroupedTable, SessionWindowedKStream, SlidingWindowedKStream,
    TimeWindowedKStream,
};
pub use kstream::{BranchedKStream, KStream};
pub use ktable::KTable;
pub use params::{
    Branched, BufferConfig, Consumed, Grouped, Joined, Materialized, Named, Produced,
    Repartitioned, StreamJoined, Suppressed,
};
pub use windows::{
    JoinWindows, SessionWindowedSerde, SessionWindows, SlidingWindows, TimeWindowedSerde,
    TimeWindows, Window, Windowed,
};

use crate::topology::GraphBuilder;

/// The graph being recorded, shared by the builder and its streams.
pub(crate) type Graph = Rc<RefCell<GraphBuilder>>;
