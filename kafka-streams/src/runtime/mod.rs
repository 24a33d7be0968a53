//! The runtime: [`KafkaStreams`] runs a [`Topology`](crate::Topology)
//! against a Kafka cluster.
//!
//! - **Tasks.** One task per (sub-topology, partition of its sources). Each
//!   stream thread is a consumer in the group named by the application id
//!   and owns the tasks of the partitions the group gives it; instances with
//!   the same application id share the work. The `range` assignor keeps
//!   partition `p` of co-partitioned topics on one thread.
//! - **Internal topics.** `<application.id>-<name>-repartition` (as many
//!   partitions as the sub-topology writing it has tasks) and
//!   `<application.id>-<store>-changelog` (compacted, one partition per task)
//!   are created at start; missing input topics are an error.
//! - **State.** A task that arrives restores its stores from their changelog
//!   partitions before it processes anything. With the eager protocol every
//!   rebalance revokes everything: revoked tasks are suspended with their
//!   state and resumed without a restore if the next assignment gives them
//!   back.
//! - **At-least-once.** Offsets are committed every commit interval and on
//!   revocation, and only after the output and changelog records of the
//!   records they cover are acknowledged. After a crash the records since the
//!   last commit are processed again: nothing is lost, some updates repeat.
//!   Exactly-once (transactions) is not in this version; the commit path
//!   (flush, then commit offsets, per thread with its own producer) is where
//!   a transaction's send-offsets and commit go.
//! - **Errors.** Records that cannot be deserialized go through the
//!   [`DeserializationHandler`]; output the broker refuses through the
//!   [`ProductionHandler`]; a failing processor stops the application in
//!   state `Error` with a message naming the processor and the record.
//! - **Backpressure.** Each thread processes one record at a time and
//!   enqueues its output into librdkafka's bounded queue; a full queue makes
//!   the thread wait, so a slow sink slows the source and memory stays
//!   bounded.
//! - **Ordering.** Records of a task are processed in the order its
//!   consumer receives them; unlike Kafka Streams, a task with several
//!   source partitions does not pick the record with the smallest timestamp
//!   first.

mod app;
mod commit_meta;
mod config;
mod dead_letter;
mod handlers;
mod kafka_streams;
mod listener;
mod metrics;
mod origin;
mod query;
mod restore;
mod state;
mod stream_thread;
mod task_builder;
mod task_id;
mod task_set;
mod thread_env;
mod topics;

pub use config::{ProcessingGuarantee, StreamsConfig};
pub use handlers::{DeserializationHandler, ProductionHandler};
pub use kafka_streams::KafkaStreams;
pub use metrics::StreamsMetrics;
pub use query::KeyValueQuery;
pub use state::StreamsState;
pub use task_id::TaskId;

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
