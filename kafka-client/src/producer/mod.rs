//! The typed producer.
//!
//! [`Producer<K, V>`] serializes keys and values with serdes chosen by type
//! ([`DefaultSerde`](crate::serde::DefaultSerde)) or given to
//! [`Producer::builder`], picks each record's partition, and hands it to one
//! librdkafka producer, which batches, compresses and retries. A polling
//! thread receives librdkafka's delivery reports and dispatches each to
//! whoever asked for it; there is no future per record unless one is
//! wanted.
//!
//! # Four ways to send
//!
//! | method | returns | outcome |
//! |---|---|---|
//! | [`send`](Producer::send) | when the broker acknowledged | `RecordMetadata`, or the record back with the error |
//! | [`send_async`](Producer::send_async) | once enqueued | a [`DeliveryFuture`] to await or drop |
//! | [`send_with_callback`](Producer::send_with_callback) | once enqueued | a callback on the polling thread |
//! | [`enqueue`](Producer::enqueue) | once enqueued | reported by the next [`flush`](Producer::flush) if it failed |
//!
//! [`flush`](Producer::flush) waits until every enqueued record has an
//! outcome and returns [`Error::Undelivered`](crate::Error::Undelivered)
//! with the data of each failed record whose outcome nobody else took. So
//! "enqueue many, then flush" delivers all of them exactly when `flush`
//! returns `Ok`.
//!
//! # Backpressure
//!
//! librdkafka buffers up to `queue.buffering.max.messages` records (and
//! `queue.buffering.max.kbytes`). When the buffer is full, sends wait for
//! delivery reports to make room; records are never dropped and the sender
//! never spins.
//!
//! # Partitions
//!
//! Partitions are chosen here, not by librdkafka, from a per-topic
//! partition count that is fetched on a topic's first send and refreshed in
//! the background every [`metadata_max_age`](ProducerBuilder::metadata_max_age)
//! or when a delivery reports the topic unknown:
//! - an explicit partition on the record wins; one the topic does not have
//!   is [`Error::UnknownPartition`](crate::Error::UnknownPartition);
//! - otherwise the [`Partitioner`] decides. The default,
//!   [`DefaultPartitioner`], puts keyed records where Java's default
//!   partitioner does (`toPositive(murmur2(key)) % partitions`, see
//!   [`partition_for_key`]) and spreads keyless records round-robin, exactly
//!   evenly. [`RoundRobinPartitioner`] spreads all records round-robin.
//!
//! A topic that does not exist is [`Error::UnknownTopic`](crate::Error::UnknownTopic):
//! the producer sets `allow.auto.create.topics=false` unless the
//! configuration says otherwise, so a typo never creates a topic.
//!
//! # Settings
//!
//! Defaults that do not lose data: `acks=all` and `enable.idempotence=true`
//! (so retries neither duplicate nor reorder records). Override any of them
//! with [`ClientConfig::set`](crate::ClientConfig::set).
//!
//! - `message.timeout.ms` bounds how long a record may take, retries
//!   included (librdkafka's default: 300 000 ms). A broker that cannot be
//!   reached makes sends fail with [`Error::Delivery`](crate::Error::Delivery)
//!   (`MessageTimedOut`) after that long.
//! - The first send to a topic fetches its metadata, waiting at most
//!   [`ClientConfig::timeout`](crate::ClientConfig::timeout); an unreachable
//!   cluster is then [`Error::BrokerUnreachable`](crate::Error::BrokerUnreachable).
//! - `linger.ms` (librdkafka's default: 5 ms) is how long librdkafka waits
//!   to fill a batch, so one sync `send` takes at least that long; set it to
//!   0 for the lowest latency, raise it for bigger batches.
//!
//! # Transactions
//!
//! A producer with `transactional.id` set can write records to several
//! partitions and commit consumed offsets **atomically** (Kafka's
//! exactly-once, with the consumer group's metadata as in EOS v2, KIP-447):
//!
//! ```no_run
//! # async fn demo(consumer: kafka_client::Consumer<String, String>) -> kafka_client::Result<()> {
//! use kafka_client::{ClientConfig, Producer, ProducerRecord, TopicPartition};
//! let config = ClientConfig::new().set("transactional.id", "word-count-0");
//! let producer: Producer<String, String> = Producer::new(&config)?;
//! producer.init_transactions().await?; // once: fences older producers with this id
//! loop {
//!     let record = consumer.recv().await?;
//!     producer.begin_transaction()?;
//!     producer.enqueue(ProducerRecord::new("out", record.value.clone().unwrap_or_default())).await?;
//!     let consumed = [(TopicPartition::new(&record.topic, record.partition), record.offset + 1)];
//!     let group = consumer.group_metadata().expect("the consumer has a group.id");
//!     producer.send_offsets_to_transaction(&consumed, &group).await?;
//!     match producer.commit_transaction().await {
//!         Ok(()) => {}
//!         Err(e) if e.requires_abort() => {
//!             producer.abort_transaction().await?;
//!             // rewind the consumer to its committed offsets and process again
//!         }
//!         Err(e) => return Err(e), // fenced or fatal: drop this producer
//!     }
//! }
//! # }
//! ```
//!
//! - **What a transaction covers**: every record sent between
//!   [`begin_transaction`](Producer::begin_transaction) and the commit or
//!   abort (by any clone of the producer), and the offsets given to
//!   [`send_offsets_to_transaction`](Producer::send_offsets_to_transaction).
//!   On commit they all become visible to `read_committed` consumers and
//!   the offsets are committed; on abort none are. Records are sent as
//!   usual while the transaction is open (a `send` still resolves when the
//!   broker stored the record), they are only hidden until the commit.
//!   Outside a transaction a transactional producer refuses records
//!   ([`Error::Transaction`](crate::Error::Transaction), operation `send`).
//! - **Commit** delivers every record first; [`flush`](Producer::flush) is
//!   not needed before it. **Abort** purges records not yet delivered:
//!   their futures and callbacks fail with librdkafka's `PurgeQueue` /
//!   `PurgeInflight`, and failures nobody waited on are discarded (the
//!   abort is their outcome), so the next `flush` does not report them.
//! - **Fencing**: `init_transactions` with a `transactional.id` makes the
//!   coordinator bump the id's epoch. An older producer with the same id
//!   (a zombie, e.g. a stream thread that was thought dead) can then never
//!   commit: its next transaction call or send fails with `fenced` set, and
//!   its open transaction is aborted by the coordinator. Use one stable id
//!   per unit of work (e.g. `<application.id>-<thread>`), the same after a
//!   restart.
//! - **Errors** are [`Error::Transaction`](crate::Error::Transaction) with
//!   flags that say what to do:
//!   - `fenced` ([`Error::is_fenced`](crate::Error::is_fenced)): drop the
//!     producer; another instance owns the id now.
//!   - `abortable` ([`Error::requires_abort`](crate::Error::requires_abort)),
//!     e.g. a record the broker refused: call `abort_transaction`, rewind
//!     the input to the last committed offsets, and process it again in a
//!     new transaction.
//!   - `retriable` (e.g. a timeout): call the same operation again; a
//!     commit that timed out has an unknown outcome until a retry answers.
//!   - none: a fatal error (drop the producer) or a misuse such as
//!     committing without a transaction; the message says which.
//!   - A producer without `transactional.id` answers every transaction
//!     call with [`Error::Config`](crate::Error::Config) naming it.
//! - `init_transactions`, `send_offsets_to_transaction`,
//!   `commit_transaction` and `abort_transaction` block inside librdkafka;
//!   they run on tokio's blocking threads and wait at most
//!   [`ClientConfig::timeout`](crate::ClientConfig::timeout).
//! - Consumers of the output should set `isolation.level=read_committed`
//!   (librdkafka's default) to skip aborted records.
//!
//! The embedded cluster speaks the protocol but writes no commit/abort
//! markers, stores no transactional offsets and does not fence by
//! `transactional.id`: exactly-once can only be verified against Kafka.
//!
//! # Closing
//!
//! [`close`](Producer::close) refuses further sends, waits up to the close
//! timeout (default 30 s) for the records in flight and reports failures.
//! Dropping the last clone does the same, blocking, and logs what failed.
//!
//! ```no_run
//! # async fn demo() -> kafka_client::Result<()> {
//! use kafka_client::{ClientConfig, Producer, ProducerRecord};
//! let producer: Producer<String, String> = Producer::new(&ClientConfig::new())?;
//! for i in 0..10_000 {
//!     producer
//!         .enqueue(ProducerRecord::new("lines", format!("line {i}")))
//!         .await?;
//! }
//! producer.flush().await?; // Ok: all 10 000 were delivered
//! # Ok(()) }
//! ```

mod builder;
mod core;
mod delivery;
mod failure;
mod metadata;
mod murmur2;
mod partitioner;
mod transaction;
mod transaction_error;
mod typed;

pub use builder::{ProducerBuilder, SerdeChoice, UseDefaultSerde};
pub use delivery::{DeliveryFuture, DeliveryOutcome};
pub use failure::{DeliveryFailure, SendError};
pub use murmur2::{murmur2, partition_for_key, to_positive};
pub use partitioner::{DefaultPartitioner, Partitioner, RoundRobinPartitioner};
pub use typed::Producer;
