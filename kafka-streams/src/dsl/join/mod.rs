//! Joins: stream-stream (windowed), stream-table and table-table.
//!
//! Both inputs of a join must be co-partitioned: partition `p` of each
//! input topic is processed by the same task, so a key must land on the
//! same partition number on both sides (same partition count, same
//! partitioner). A join puts both sides into one sub-topology (they share
//! state stores), so its source topics form one of
//! [`Topology::copartition_groups`](crate::Topology::copartition_groups),
//! which the runtime checks at start: different partition counts are an
//! error there, not a silent mis-join. When a side's key may have changed
//! (after `map`, `select_key`, ...), the join first repartitions that side
//! through `<application.id>-<join name>-left-repartition` (or `-right-`),
//! as Kafka Streams does.
//!
//! The semantics of each join are in its operator's docs:
//! `stream_stream_join`, `stream_table_join`, `table_table_join` in
//! [`crate::processor::ops`].

mod stream_stream;
mod stream_table;
mod table_table;
