//! The runtime: [`KafkaStreams`] runs a [`Topology`](crate::Topology)
//! against a Kafka cluster.
//!
//! - **Tasks.** One task per (sub-topology, partition of its sources). Each
//!   stream thread is a consumer in the group named by the application id
//!   and owns the tasks of the partitions the group gives it; instances with
//!   the same application id share the work. The `range` assignor keeps
//!   partition `p` of co-partitioned topics on one thread.
//! - **Threads.** A stream thread is a task on the async runtime that
//!   calls [`KafkaStreams::start`]. While records are ready it yields to the
//!   runtime every 256 of them, so a busy thread does not keep a worker from
//!   the application's other tasks, its timers or the other stream threads
//!   (`integration-tests/tests/streams_fairness.rs`). CPU-heavy topologies
//!   want a multi-threaded runtime with a worker per stream thread.
//! - **Internal topics.** `<application.id>-<name>-repartition` (as many
//!   partitions as the sub-topology writing it has tasks) and
//!   `<application.id>-<store>-changelog` (compacted, one partition per task)
//!   are created at start; missing input topics are an error.
//! - **State.** A task that arrives restores its stores from their changelog
//!   partitions before it processes anything. With the eager protocol every
//!   rebalance revokes everything: revoked tasks are suspended with their
//!   state and resumed without a restore if the next assignment gives them
//!   back.
//! - **At-least-once, with exact state.** Offsets are committed every
//!   commit interval and on revocation, and only after the output and
//!   changelog records of the records they cover are acknowledged. After a
//!   crash the records since the last commit are processed again, so output
//!   topics may see an update twice; state does not: each commit records, in
//!   the offset commit's metadata, the end offset of every changelog
//!   partition of the task and the largest repartition record id it applied.
//!   A restore stops at those marks and writes corrections for keys changed
//!   after them, and records a task sends to a repartition topic carry an id
//!   (`ks.o` header: source partition, offset, index) so that the downstream
//!   task skips results it applied already. The runtime takes the header off
//!   before the record reaches a processor: user code never sees it, and it
//!   does not travel on to output topics. Final counts are exact after any
//!   number of crashes (`integration-tests/tests/crash_recovery.rs`), as
//!   long as processing is deterministic.
//!   [`StreamsConfig::repartition_record_ids`] turns the ids off, for
//!   Kafka Streams' own at-least-once (state may count a re-sent result
//!   twice) at less cost per repartition record.
//! - **Exactly-once** (`processing.guarantee = exactly_once_v2`, Kafka's EOS
//!   v2): one transactional producer per stream thread
//!   (`transactional.id = <application.id>-<process>-<thread>`); output,
//!   changelog records and consumed offsets commit in one transaction per
//!   commit interval; consumers read `read_committed`. A failed send or
//!   commit aborts the transaction and rebuilds every task of the thread
//!   from its changelogs, rewinding the consumer to the committed offsets; a
//!   fenced producer stops the thread. No broker that runs on this project's
//!   machines completes transactions (see `docs/brokers.md`):
//!   `scripts/exactly-once-check.sh` runs the proof against Apache Kafka.
//! - **Errors.** Records that cannot be deserialized go through the
//!   [`DeserializationHandler`]; output the broker refuses through the
//!   [`ProductionHandler`]; a failing processor stops the application in
//!   state `Error` with a message naming the processor and the record.
//! - **Record caches.** Between commits, a KTable aggregation forwards
//!   only its latest update per key, and a store's changelog gets each
//!   changed key once, at the commit (as Kafka Streams' caching does;
//!   [`StreamsConfig::cache_max_keys`] bounds or turns off the cache). An
//!   aggregation whose updates feed a repartition topic (a re-grouped table)
//!   forwards every update at once, so that each carries its `ks.o` id.
//! - **Fetching.** Each thread's consumer reads what the thread itself
//!   wrote to repartition topics, so it fetches again 10 ms after
//!   librdkafka's local queue was full (`fetch.queue.backoff.ms`; librdkafka
//!   waits 1 s, which halved word count's throughput) and waits at most
//!   100 ms for a fetch to fill (`fetch.wait.max.ms`). The consumer that
//!   restores changelogs waits 10 ms: it reads up to an end offset it asked
//!   for, and a long fetch only delayed its next requests (1.5 to 2 s per
//!   task restored, with librdkafka's 500). All of these can be overridden
//!   like any consumer setting, for one consumer with Kafka Streams'
//!   prefixes (`main.consumer.`, `restore.consumer.`; see
//!   [`StreamsConfig::set`]). Each record is lent to its task
//!   as librdkafka holds it
//!   ([`Consumer::try_recv_with`](kafka_client::Consumer::try_recv_with)):
//!   sources deserialize from librdkafka's buffer, with no copy first.
//! - **Producing.** Each thread's producer lets a partition's batch fill
//!   for 20 ms (`linger.ms`; Kafka Streams uses 100, librdkafka 5):
//!   librdkafka sends a request per partition, and fewer, fuller requests
//!   cost the broker less. A record may wait that long per hop, and a
//!   commit (which waits for the output's acknowledgements) that much
//!   longer. It can be overridden like any producer setting
//!   (`producer.linger.ms`).
//! - **On an embedded cluster** of this process
//!   ([`EmbeddedKafka`](kafka_client::EmbeddedKafka)), the threads' group
//!   session is 6 s with a 1 s heartbeat unless `session.timeout.ms` is
//!   set: that cluster starts every rebalance of a running group with a
//!   wait of the session timeout minus 1 s, and with several members
//!   sometimes rebalances twice at the start (librdkafka's default of 45 s
//!   made that a 44 s pause).
//! - **Backpressure.** Each thread processes one record at a time and
//!   enqueues its output into librdkafka's bounded queue; a full queue makes
//!   the thread wait, so a slow sink slows the source and memory stays
//!   bounded.
//! - **Interactive queries.** [`KafkaStreams::store`],
//!   [`KafkaStreams::window_store`] and [`KafkaStreams::session_store`] read
//!   a key-value, window or session store across this instance's tasks while
//!   the application runs (each task between two of its records); asking for
//!   a store of another kind is [`Error::StoreKindMismatch`](crate::Error::StoreKindMismatch).
//! - **Ordering.** Records of a task are processed in the order its
//!   consumer receives them; unlike Kafka Streams, a task with several
//!   source partitions does not pick the record with the smallest timestamp
//!   first.

mod app;
mod commit_meta;
mod config;
mod dead_letter;
mod embedded_group;
mod handlers;
mod intake;
mod kafka_streams;
mod listener;
mod metrics;
mod origin;
mod query;
mod restore;
mod source_partition;
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
pub use query::{KeyValueQuery, SessionQuery, WindowQuery};
pub use state::StreamsState;
pub use task_id::TaskId;

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
