//! The DSL operators, one small processor per file.
//!
//! Stream operators that call a user closure on the value skip records
//! whose value is null (Rust closures take `&V`); `merge`, `to`,
//! `repartition` and `to_table` keep them. Table operators receive and
//! forward [`Change`](super::Change)s: the new value and the one it replaced.

mod branch;
mod filter;
mod flat_map;
mod flat_map_values;
mod foreach;
mod map;
mod map_values;
mod passthrough;
mod peek;
mod select_key;
mod session_aggregate;
mod sliding_aggregate;
mod stream_aggregate;
mod stream_stream_join;
mod stream_table_join;
mod suppress;
mod table_aggregate;
mod table_filter;
mod table_group_map;
mod table_map_values;
mod table_source;
mod table_table_join;
mod table_to_stream;
mod window_aggregate;

pub(crate) use branch::{Branch, BranchPredicate};
pub(crate) use filter::Filter;
pub(crate) use flat_map::FlatMap;
pub(crate) use flat_map_values::FlatMapValues;
pub(crate) use foreach::Foreach;
pub(crate) use map::Map;
pub(crate) use map_values::MapValues;
pub(crate) use passthrough::PassThrough;
pub(crate) use peek::Peek;
pub(crate) use select_key::SelectKey;
pub(crate) use session_aggregate::{SessionAggregate, SessionMerger};
pub(crate) use sliding_aggregate::{SlidingAggregate, StampedSerde};
pub(crate) use stream_aggregate::{AggregateStep, StreamAggregate};
pub(crate) use stream_stream_join::{
    BufferListSerde, JoinInput, JoinKind, StreamJoiner, StreamStreamJoin, TagLeft, TagRight,
};
pub(crate) use stream_table_join::{StreamTableJoin, StreamTableJoiner};
pub(crate) use suppress::{BufferedSerde, Suppress};
pub(crate) use table_aggregate::{TableAdd, TableAggregate, TableSubtract};
pub(crate) use table_filter::TableFilter;
pub(crate) use table_group_map::TableGroupMap;
pub(crate) use table_map_values::TableMapValues;
pub(crate) use table_source::TableSource;
pub(crate) use table_table_join::{TableJoiner, TableTableJoin, TableTableJoinRight};
pub(crate) use table_to_stream::TableToStream;
pub(crate) use window_aggregate::WindowAggregate;

/// Logs a record an operator skips because its value is null.
pub(crate) fn skip_null_value(ctx_name: &str) {
    tracing::trace!(processor = ctx_name, "skipping a record with a null value");
}
