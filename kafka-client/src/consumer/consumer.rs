//! The typed consumer: joining a group or assigning partitions, and
//! receiving records.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use rdkafka::consumer::Consumer as _;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset as RdOffset, TopicPartitionList};

use super::borrowed::BorrowedRecord;
use super::builder::ConsumerBuilder;
use super::context::ClientErrorEvent;
use super::core::{Core, Mode};
use super::decode::decode;
use super::group_metadata::GroupMetadata;
use super::listener::RebalanceListener;
use super::offsets::Offset;
use super::rebalance;
use super::turn::Turn;
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::record::{ConsumerRecord, TopicName, TopicPartition};
use crate::serde::{DefaultSerde, Deserializer};

/// A typed Kafka consumer. See the [module documentation](super) for how
/// polling, commits and rebalances work.
///
/// ```no_run
/// # async fn demo() -> kafka_client::Result<()> {
/// use kafka_client::consumer::{Consumer, OffsetReset};
/// use kafka_client::ClientConfig;
///
/// let consumer = Consumer::<String, i64>::builder(&ClientConfig::new())
///     .group_id("word-totals")
///     .auto_offset_reset(OffsetReset::Earliest)
///     .build()?;
/// consumer.subscribe(&["word-counts"]).await?;
/// loop {
///     match consumer.recv().await {
///         Ok(record) => {
///             println!("{:?} = {:?}", record.key, record.value);
///             consumer.commit_record(&record).await?;
///         }
///         // A bad record: its bytes and offset are in the error. The
///         // consumer goes on with the next one.
///         Err(kafka_client::Error::Deserialization(bad)) => eprintln!("skipping: {bad}"),
///         Err(other) => eprintln!("{other}"),
///     }
/// }
/// # }
/// ```
pub struct Consumer<K, V> {
    pub(super) core: Core,
    key: Arc<dyn Deserializer<K>>,
    value: Arc<dyn Deserializer<V>>,
    pub(super) listener: Option<Arc<dyn RebalanceListener>>,
    /// One `recv` at a time: records and rebalances are served in order.
    pub(super) turn: Turn,
}

impl<K, V> fmt::Debug for Consumer<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("bootstrap_servers", &self.core.bootstrap_servers())
            .field("group_id", &self.core.group_id())
            .field("mode", &self.core.mode())
            .field("auto_commit", &self.core.auto_commit())
            .finish()
    }
}

/// What one zero-timeout poll of librdkafka gave.
enum Polled<T> {
    /// A record taken (decoded, or lent to a closure), or a record that
    /// could not be deserialized, or an error for the application.
    Item(Result<T>),
    /// An event was served (or an error logged): poll again at once.
    Again,
    /// The queue is empty.
    Empty,
}

impl<K: DefaultSerde, V: DefaultSerde> Consumer<K, V> {
    /// A consumer with the types' default serdes and the settings of
    /// `config` (set `group.id` there to subscribe).
    pub fn new(config: &ClientConfig) -> Result<Self> {
        Self::builder(config).build()
    }

    /// A builder starting from the types' default serdes.
    pub fn builder(config: &ClientConfig) -> ConsumerBuilder<K, V> {
        ConsumerBuilder::with_deserializers(config, K::default_serde(), V::default_serde())
    }
}

impl<K: 'static, V: 'static> Consumer<K, V> {
    pub(super) fn from_parts(
        core: Core,
        key: Arc<dyn Deserializer<K>>,
        value: Arc<dyn Deserializer<V>>,
        listener: Option<Arc<dyn RebalanceListener>>,
    ) -> Self {
        Consumer {
            core,
            key,
            value,
            listener,
            turn: Turn::default(),
        }
    }

    /// Joins the consumer group (`group.id`) for `topics`. Partitions are
    /// assigned by the group, inside later [`recv`](Consumer::recv) calls.
    ///
    /// Every topic must exist ([`Error::UnknownTopic`] otherwise; nothing
    /// is created). A topic starting with `^` is a regular expression and
    /// is not checked. An unreachable cluster is
    /// [`Error::BrokerUnreachable`] after the request timeout.
    pub async fn subscribe(&self, topics: &[&str]) -> Result<()> {
        self.core.require_group("subscribe")?;
        if topics.is_empty() {
            return Err(Error::InvalidState {
                operation: "subscribe",
                reason: "no topics were given".into(),
            });
        }
        if self.core.mode() == Mode::Assigned {
            return Err(Error::InvalidState {
                operation: "subscribe",
                reason: "partitions were assigned by hand; use another consumer to join a group"
                    .into(),
            });
        }
        self.core.check_topics(topics).await?;
        self.core
            .base()
            .subscribe(topics)
            .map_err(|e| Error::kafka("subscribe", e))?;
        self.core.set_mode(Mode::Subscribed(
            topics.iter().map(|t| t.to_string()).collect(),
        ));
        tracing::info!(group = self.core.group_id(), ?topics, "subscribed");
        Ok(())
    }

    /// Reads `partitions` without a group, replacing any earlier
    /// assignment. Each starts at the group's committed offset if there is
    /// a group and one, else where `auto.offset.reset` says.
    pub async fn assign(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.assign_inner(partitions.iter().map(|tp| (tp.clone(), None)).collect())
            .await
    }

    /// Reads `partitions` without a group, each from the given offset,
    /// replacing any earlier assignment.
    pub async fn assign_at(&self, partitions: &[(TopicPartition, Offset)]) -> Result<()> {
        self.assign_inner(
            partitions
                .iter()
                .map(|(tp, offset)| (tp.clone(), Some(*offset)))
                .collect(),
        )
        .await
    }

    async fn assign_inner(&self, partitions: Vec<(TopicPartition, Option<Offset>)>) -> Result<()> {
        if let Mode::Subscribed(_) = self.core.mode() {
            return Err(Error::InvalidState {
                operation: "assign",
                reason: "the consumer is subscribed to a group, which assigns its partitions"
                    .into(),
            });
        }
        let tps: Vec<TopicPartition> = partitions.iter().map(|(tp, _)| tp.clone()).collect();
        self.core.check_partitions(&tps).await?;
        let mut list = TopicPartitionList::with_capacity(partitions.len());
        let mut positions = Vec::new();
        for (tp, offset) in &partitions {
            let start = match offset {
                None => RdOffset::Invalid,
                Some(offset) => {
                    let exact = self.core.resolve(tp, *offset).await?;
                    positions.push((tp.clone(), exact));
                    RdOffset::Offset(exact)
                }
            };
            list.add_partition_offset(tp.topic(), tp.partition(), start)
                .map_err(|source| Error::Partition {
                    operation: "assign",
                    partition: tp.clone(),
                    source,
                })?;
        }
        self.core
            .base()
            .assign(&list)
            .map_err(|e| Error::kafka("assign", e))?;
        self.core.reset_positions(positions);
        self.core.set_mode(Mode::Assigned);
        tracing::info!(partitions = ?tps, "partitions assigned by hand");
        Ok(())
    }

    /// The next record, waiting as long as it takes.
    ///
    /// Serves the group's rebalances first (running the listener). A record
    /// that cannot be deserialized is `Err(Error::Deserialization(..))`,
    /// carrying its offset and bytes; it counts as consumed, and the next
    /// call returns the next record. Any `Err` leaves the consumer usable.
    ///
    /// While the cluster is unreachable this keeps waiting (librdkafka
    /// reconnects by itself); the reason is logged and available from
    /// [`Consumer::last_client_error`]. Bound the wait with
    /// `tokio::time::timeout` if needed: cancelling `recv` loses no record.
    pub async fn recv(&self) -> Result<ConsumerRecord<K, V>> {
        let taken = self.next(true, |message, topic| self.decode(message, topic));
        taken.await?.ok_or_else(|| Error::Closed("consumer"))
    }

    /// The next record if one is ready now, without waiting: `Ok(None)`
    /// when none is. Serves the group's rebalances first, as
    /// [`recv`](Consumer::recv) does (so it may await a listener), and sets
    /// no timer: a loop that drains what is ready with `try_recv` and waits
    /// with `recv` only when nothing is, pays for no wakeup per record.
    pub async fn try_recv(&self) -> Result<Option<ConsumerRecord<K, V>>> {
        self.next(false, |message, topic| self.decode(message, topic))
            .await
    }

    /// Waits for the next record, as [`recv`](Consumer::recv) does, and
    /// lends it to `read` as librdkafka holds it: nothing is deserialized
    /// or copied, and `read`'s result is returned. The record counts as
    /// consumed (its position moves on) whatever `read` does with it.
    /// Cancelling the call loses no record: one is taken only inside the
    /// poll that also runs `read`.
    pub async fn recv_with<R>(&self, read: impl FnOnce(BorrowedRecord<'_>) -> R) -> Result<R> {
        let mut read = Some(read);
        let taken = self.next(true, |message, topic| lend(&mut read, message, &topic));
        taken.await?.ok_or_else(|| Error::Closed("consumer"))
    }

    /// [`recv_with`](Consumer::recv_with) without waiting: `Ok(None)` (and
    /// `read` not called) when no record is ready now.
    ///
    /// ```no_run
    /// # async fn demo(consumer: kafka_client::Consumer<Vec<u8>, Vec<u8>>) -> kafka_client::Result<()> {
    /// // Sum the sizes of the values ready now, copying none of them.
    /// let mut bytes = 0;
    /// while let Some(size) = consumer.try_recv_with(|r| r.value().map_or(0, <[u8]>::len)).await? {
    ///     bytes += size;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn try_recv_with<R>(
        &self,
        read: impl FnOnce(BorrowedRecord<'_>) -> R,
    ) -> Result<Option<R>> {
        let mut read = Some(read);
        self.next(false, |message, topic| lend(&mut read, message, &topic))
            .await
    }

    /// Serves rebalances and polls until a record is taken by `take`, or,
    /// unless `wait`, until none is ready (`Ok(None)`).
    async fn next<T>(
        &self,
        wait: bool,
        mut take: impl FnMut(&BorrowedMessage<'_>, TopicName) -> Result<T>,
    ) -> Result<Option<T>> {
        let _turn = match self.turn.try_guard() {
            Some(guard) => guard,
            None => self.turn.take().await,
        };
        // The application asked for more: what it got before is processed.
        self.core.store_processed(None);
        loop {
            // Checked here so that the common case (nothing waiting) costs
            // one atomic load and no future.
            if self.core.ctx().has_pending() {
                // Boxed, as is the wait below: rare, and their futures
                // would make every call's future several times larger (it
                // is built, and moved, once per record).
                Box::pin(rebalance::serve_pending(
                    &self.core,
                    self.listener.as_deref(),
                ))
                .await?;
            }
            match self.poll_once(&mut take) {
                Polled::Item(item) => return item.map(Some),
                Polled::Again => continue,
                Polled::Empty if !wait => return Ok(None),
                Polled::Empty => {
                    let ctx = self.core.ctx();
                    if !ctx.has_pending() && !ctx.take_served() {
                        Box::pin(self.core.wait_for_events(None)).await;
                    }
                }
            }
        }
    }

    /// One zero-timeout poll. A message is noted as consumed and handed to
    /// `take` with its topic's shared name; it never lives across an await.
    fn poll_once<T>(
        &self,
        take: &mut impl FnMut(&BorrowedMessage<'_>, TopicName) -> Result<T>,
    ) -> Polled<T> {
        match self.core.base().poll(Duration::ZERO) {
            None => Polled::Empty,
            Some(Ok(message)) => {
                // rdkafka checks the topic name's UTF-8 on every call.
                let topic = self.core.record_consumed(
                    message.topic(),
                    message.partition(),
                    message.offset(),
                );
                Polled::Item(take(&message, topic))
            }
            Some(Err(error)) => match self.core.consumption_error(error) {
                Some(error) => Polled::Item(Err(error)),
                None => Polled::Again,
            },
        }
    }

    fn decode(
        &self,
        message: &BorrowedMessage<'_>,
        topic: TopicName,
    ) -> Result<ConsumerRecord<K, V>> {
        decode(message, topic, &*self.key, &*self.value)
    }

    /// The records as a `Stream` (each item is what [`recv`](Consumer::recv)
    /// returns). It never ends by itself. Pin it to iterate:
    ///
    /// ```no_run
    /// # async fn demo(consumer: kafka_client::consumer::Consumer<String, String>) {
    /// use futures::StreamExt;
    /// let mut records = std::pin::pin!(consumer.stream());
    /// while let Some(record) = records.next().await {
    ///     println!("{record:?}");
    /// }
    /// # }
    /// ```
    pub fn stream(&self) -> impl Stream<Item = Result<ConsumerRecord<K, V>>> + '_ {
        futures::stream::unfold(self, |consumer| async move {
            Some((consumer.recv().await, consumer))
        })
    }

    /// The partitions of `topic` ([`Error::UnknownTopic`] if it is missing).
    pub async fn partitions_for(&self, topic: &str) -> Result<Vec<TopicPartition>> {
        self.core.partitions_for(topic).await
    }

    /// The partitions assigned right now.
    pub fn assignment(&self) -> Result<Vec<TopicPartition>> {
        self.core.assignment()
    }

    /// The subscribed topics (empty unless subscribed).
    pub fn subscription(&self) -> Vec<String> {
        match self.core.mode() {
            Mode::Subscribed(topics) => topics,
            _ => Vec::new(),
        }
    }

    /// The consumer group, if one was configured.
    pub fn group_id(&self) -> Option<&str> {
        self.core.group_id()
    }

    /// The group's current metadata (generation, member id), for a
    /// transactional producer's
    /// [`send_offsets_to_transaction`](crate::Producer::send_offsets_to_transaction);
    /// `None` without a `group.id`. Take it right before each use: it
    /// changes with every rebalance.
    pub fn group_metadata(&self) -> Option<GroupMetadata> {
        GroupMetadata::of(&self.core)
    }

    /// The latest client-level error librdkafka reported (connection
    /// lost, all brokers down, a failed asynchronous commit...), if any.
    pub fn last_client_error(&self) -> Option<ClientErrorEvent> {
        self.core.ctx().last_error()
    }
}

/// Lends `message` to the closure in `read`, which runs once: a poll that
/// takes a message returns at once.
fn lend<R>(
    read: &mut Option<impl FnOnce(BorrowedRecord<'_>) -> R>,
    message: &BorrowedMessage<'_>,
    topic: &TopicName,
) -> Result<R> {
    let read = read.take().ok_or_else(|| Error::Closed("consumer"))?;
    Ok(read(BorrowedRecord::new(message, topic)))
}
