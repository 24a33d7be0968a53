//! The typed consumer: [`Consumer<K, V>`](Consumer).
//!
//! ```
//! # #[tokio::main]
//! # async fn main() -> kafka_client::Result<()> {
//! use kafka_client::consumer::{Consumer, Offset};
//! use kafka_client::{EmbeddedKafka, Producer, ProducerRecord, TopicPartition};
//!
//! let cluster = EmbeddedKafka::start(1)?;
//! cluster.create_topic("greetings", 1)?;
//! let producer: Producer<String, String> = Producer::new(&cluster.client_config())?;
//! for word in ["hello", "world"] {
//!     let record = ProducerRecord::new("greetings", word.to_string());
//!     producer.send(record).await.map_err(|e| e.error)?;
//! }
//!
//! let consumer: Consumer<String, String> = Consumer::new(&cluster.client_config())?;
//! let partition = TopicPartition::new("greetings", 0);
//! consumer.assign_at(&[(partition.clone(), Offset::Beginning)]).await?;
//! let first = consumer.recv().await?;
//! assert_eq!((first.offset, first.value.as_deref()), (0, Some("hello")));
//! assert_eq!(consumer.position(&partition)?, Some(1));
//! // Read it again: nothing fetched before the seek comes out after it.
//! consumer.seek(&partition, Offset::At(0)).await?;
//! assert_eq!(consumer.recv().await?.value.as_deref(), Some("hello"));
//! assert_eq!(consumer.recv().await?.value.as_deref(), Some("world"));
//! consumer.close().await?;
//! # Ok(()) }
//! ```
//!
//! # Getting partitions
//! - [`Consumer::subscribe`] joins the consumer group named by `group.id`;
//!   the group decides which partitions this member reads, and moves them
//!   when members come and go (a *rebalance*).
//! - [`Consumer::assign`] / [`Consumer::assign_at`] read chosen partitions
//!   without any group membership (commits still need a `group.id`).
//!
//! Both check the cluster first: a missing topic is
//! [`Error::UnknownTopic`](crate::Error::UnknownTopic) (topics are never
//! created by consuming), a missing partition
//! [`Error::UnknownPartition`](crate::Error::UnknownPartition), and an
//! unreachable cluster [`Error::BrokerUnreachable`](crate::Error::BrokerUnreachable)
//! after the request timeout.
//!
//! # Polling
//! Records come from [`Consumer::recv`] or [`Consumer::stream`]. Under the
//! hood librdkafka fetches in background threads into a queue; `recv` takes
//! from that queue without blocking, and when it is empty sleeps until
//! librdkafka signals that it is not (with a one-second fallback tick). No
//! thread per record, no busy loop.
//!
//! [`Consumer::recv_with`] and [`Consumer::try_recv_with`] take records the
//! same way, but lend each one ([`BorrowedRecord`]) to a closure as
//! librdkafka holds it, instead of deserializing it into an owned
//! [`ConsumerRecord`](crate::ConsumerRecord): for readers that decode from
//! the bytes in place or need only some fields (the streams runtime uses
//! them).
//!
//! Everything the group needs from the application happens inside `recv`:
//! rebalances are served there, and librdkafka considers a member that has
//! not called it for `max.poll.interval.ms` (default 5 minutes) dead and
//! removes it from the group. Keep calling `recv` (or polling the stream)
//! even while busy, or raise that setting.
//!
//! When the brokers go away, `recv` keeps waiting: librdkafka reconnects by
//! itself and no record is lost. The reasons are logged (`tracing`, warn)
//! and the latest is available from [`Consumer::last_client_error`]; wrap
//! `recv` in `tokio::time::timeout` to bound the wait. Errors that need the
//! application (a fatal error, an offset out of range with
//! `auto.offset.reset=error`, a topic deleted while subscribed) are
//! returned from `recv`. No error from `recv` ends the consumer: the next
//! call goes on.
//!
//! # Bad records
//! A record whose key or value its deserializer rejects is
//! `Err(Error::Deserialization(..))` carrying the topic, partition, offset,
//! raw key and value, headers and timestamp. It counts as consumed (a
//! commit moves past it), and the next `recv` returns the next record.
//!
//! # Committing
//! A committed offset is the *next* offset to read: committing a record
//! commits its offset + 1 ([`ConsumerRecord::next_offset`](crate::ConsumerRecord::next_offset)).
//! - [`Consumer::commit`] / [`Consumer::commit_async`]: the position of
//!   every assigned partition, i.e. everything handed out so far.
//! - [`Consumer::commit_record`], [`Consumer::commit_offsets`]: exactly
//!   what you say.
//! - Auto-commit is **off** by default: commit what you have processed.
//!   With [`ConsumerBuilder::enable_auto_commit`], a record counts as
//!   processed once you call `recv` again (or close the consumer), as with
//!   Java's `poll`; only processed records are committed (librdkafka's
//!   `enable.auto.offset.store`, which marks records done as soon as they
//!   are fetched, is turned off and done here instead).
//!
//! # Rebalances
//! A [`RebalanceListener`] is told about partitions assigned, revoked or
//! lost. It runs on the application's task inside `recv`, before any
//! record of the new assignment is handed out, and a revoke waits for it:
//! commit there and the next owner starts exactly where you stopped. This
//! works because librdkafka only needs the (un)assign call within the
//! session timeout after it announces a rebalance, not inside its callback.
//! Eager protocols (`range`, `roundrobin`, the default) revoke everything
//! on every rebalance; [`ConsumerBuilder::cooperative`]
//! (`cooperative-sticky`) moves only the partitions that must move.
//!
//! # Seeking and pausing
//! [`Consumer::seek`] moves a partition to the beginning, the end, an
//! offset or a timestamp; records fetched before the seek are never handed
//! out. [`Consumer::pause`] stops a partition without losing its place.
//!
//! # Closing
//! [`Consumer::close`] serves the last rebalances, leaves the group (the
//! revoke listener runs; the group is told at once) and waits for commits
//! in flight. Dropping a consumer without closing it does what it can
//! without async: librdkafka leaves the group, but the revoke listener does
//! not run.

#[allow(clippy::module_inception)]
mod consumer;

mod borrowed;
mod builder;
mod close;
mod commit_metadata;
mod context;
mod control;
mod core;
mod decode;
mod group_metadata;
mod handle;
mod list_offsets;
mod listener;
mod offsets;
mod positions;
mod rebalance;
mod turn;

/// The attribute to put on an `impl RebalanceListener` block (re-exported
/// so that implementing the trait needs no extra dependency).
pub use async_trait::async_trait;
pub use borrowed::BorrowedRecord;
pub use builder::ConsumerBuilder;
pub use commit_metadata::CommitWithMetadata;
pub use consumer::Consumer;
pub use context::ClientErrorEvent;
pub use group_metadata::GroupMetadata;
pub use handle::RebalanceHandle;
pub use listener::{ListenerError, RebalanceListener};
pub use offsets::{Offset, OffsetReset};
