//! The typed producer: serializes records and hands them to the shared core.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::builder::ProducerBuilder;
use super::core::{ProducerCore, RawRecord};
use super::delivery::{Delivery, DeliveryFuture, DeliveryOutcome};
use super::failure::SendError;
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::record::{ProducerRecord, RecordMetadata};
use crate::serde::{DefaultSerde, Serializer, SharedSerde};

/// Sends typed records to Kafka. See the [module docs](super) for the
/// semantics of each way to send.
///
/// Cheap to clone (the clones share one librdkafka producer and its polling
/// thread) and `Send + Sync`, so many tasks can send through one producer.
pub struct Producer<K, V> {
    pub(super) core: Arc<ProducerCore>,
    key_serde: SharedSerde<K>,
    value_serde: SharedSerde<V>,
}

impl<K, V> Clone for Producer<K, V> {
    fn clone(&self) -> Self {
        Producer {
            core: self.core.clone(),
            key_serde: self.key_serde.clone(),
            value_serde: self.value_serde.clone(),
        }
    }
}

impl<K, V> Producer<K, V> {
    pub(crate) fn from_parts(
        core: ProducerCore,
        key_serde: SharedSerde<K>,
        value_serde: SharedSerde<V>,
    ) -> Self {
        Producer {
            core: Arc::new(core),
            key_serde,
            value_serde,
        }
    }
}

impl<K, V> fmt::Debug for Producer<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("bootstrap_servers", &self.core.bootstrap_servers())
            .field("key_serde", &self.key_serde)
            .field("value_serde", &self.value_serde)
            .field("in_flight", &self.core.in_flight())
            .finish()
    }
}

impl Producer<(), ()> {
    /// A builder for a producer with chosen serdes, partitioner or
    /// timeouts. The key and value types are set by the builder's serdes.
    pub fn builder(config: &ClientConfig) -> ProducerBuilder {
        ProducerBuilder::new(config)
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Producer<K, V> {
    /// A producer with the default serdes of `K` and `V` and the default
    /// (Java-compatible) partitioner.
    ///
    /// ```no_run
    /// # async fn demo() -> kafka_client::Result<()> {
    /// use kafka_client::{ClientConfig, Producer, ProducerRecord};
    /// let producer: Producer<String, i64> = Producer::new(&ClientConfig::new())?;
    /// let stored = producer
    ///     .send(ProducerRecord::new("clicks", 1).key("page-7".to_string()))
    ///     .await?;
    /// println!("stored at {}[{}]@{}", stored.topic, stored.partition, stored.offset);
    /// # Ok(()) }
    /// ```
    pub fn new(config: &ClientConfig) -> Result<Self> {
        Producer::builder(config).build()
    }
}

/// The key or the value of a record bound for `topic`, serialized (or lent,
/// when the serializer can).
fn serialize_part<'a, T: 'static>(
    serializer: &SharedSerde<T>,
    topic: &str,
    part: &'static str,
    item: Option<&'a T>,
) -> Result<Option<Cow<'a, [u8]>>> {
    item.map(|item| {
        serializer
            .serialize_borrowed(topic, item)
            .map_err(|source| Error::Serialization {
                topic: topic.to_string(),
                part,
                source,
            })
    })
    .transpose()
}

/// A record's serialized key and value.
struct Serialized<'a> {
    key: Option<Cow<'a, [u8]>>,
    value: Option<Cow<'a, [u8]>>,
}

impl<K: 'static, V: 'static> Producer<K, V> {
    fn serialize<'a>(&self, record: &'a ProducerRecord<K, V>) -> Result<Serialized<'a>> {
        let topic = record.topic();
        Ok(Serialized {
            key: serialize_part(&self.key_serde, topic, "key", record.key_ref())?,
            value: serialize_part(&self.value_serde, topic, "value", record.value_ref())?,
        })
    }

    /// Serializes and enqueues `record`; returns its partition.
    async fn enqueue_with(&self, record: &ProducerRecord<K, V>, delivery: Delivery) -> Result<i32> {
        let bytes = self.serialize(record)?;
        let raw = RawRecord {
            topic: record.topic(),
            partition: record.partition_ref(),
            key: bytes.key.as_deref(),
            value: bytes.value.as_deref(),
            timestamp: record.timestamp_ref(),
            headers: record.headers_ref(),
        };
        self.core.enqueue(raw, delivery).await
    }

    /// Sends `record` and waits until the broker has acknowledged it (with
    /// `acks=all`, by all in-sync replicas), returning where it was stored.
    ///
    /// On failure the record comes back untouched in the [`SendError`].
    /// A broker that cannot be reached makes this fail after
    /// `message.timeout.ms` (librdkafka's default: 300 000 ms; set it with
    /// [`ClientConfig::set`]); until then librdkafka keeps retrying.
    pub async fn send(
        &self,
        record: ProducerRecord<K, V>,
    ) -> Result<RecordMetadata, SendError<K, V>> {
        let (sender, receiver) = oneshot::channel();
        if let Err(error) = self.enqueue_with(&record, Delivery::Waiter(sender)).await {
            return Err(SendError { error, record });
        }
        match receiver.await {
            Ok(Ok(metadata)) => Ok(metadata),
            Ok(Err(failure)) => Err(SendError {
                error: failure.error,
                record,
            }),
            Err(_) => Err(SendError {
                error: Error::Closed("producer"),
                record,
            }),
        }
    }

    /// Enqueues `record` and returns at once with a [`DeliveryFuture`] for
    /// its outcome. Await the future for the record's [`RecordMetadata`] or
    /// [`DeliveryFailure`](super::DeliveryFailure) (with the serialized
    /// data), or drop it: a failure then goes to the next [`flush`](Self::flush).
    ///
    /// Waits only while librdkafka's queue is full (backpressure) or while
    /// a topic's partition count is fetched the first time.
    pub async fn send_async(
        &self,
        record: ProducerRecord<K, V>,
    ) -> Result<DeliveryFuture, SendError<K, V>> {
        let (sender, receiver) = oneshot::channel();
        match self.enqueue_with(&record, Delivery::Waiter(sender)).await {
            Ok(partition) => Ok(DeliveryFuture::new(receiver, record.topic, partition)),
            Err(error) => Err(SendError { error, record }),
        }
    }

    /// Enqueues `record` and returns at once; `callback` gets the outcome,
    /// exactly once, on the producer's polling thread (keep it short and
    /// never block in it). A failure handed to the callback is not reported
    /// again by [`flush`](Self::flush). If this returns an error, the
    /// callback is not called.
    pub async fn send_with_callback<F>(
        &self,
        record: ProducerRecord<K, V>,
        callback: F,
    ) -> Result<(), SendError<K, V>>
    where
        F: FnOnce(DeliveryOutcome) + Send + 'static,
    {
        let delivery = Delivery::Callback(Mutex::new(Box::new(callback)));
        match self.enqueue_with(&record, delivery).await {
            Ok(_) => Ok(()),
            Err(error) => Err(SendError { error, record }),
        }
    }

    /// Enqueues `record` and returns at once, with nothing to wait on: the
    /// cheapest way to send many records. The next [`flush`](Self::flush)
    /// (or [`close`](Self::close)) waits for it and reports it if it failed.
    pub async fn enqueue(&self, record: ProducerRecord<K, V>) -> Result<(), SendError<K, V>> {
        match self.enqueue_with(&record, Delivery::Counted).await {
            Ok(_) => Ok(()),
            Err(error) => Err(SendError { error, record }),
        }
    }

    /// As [`enqueue`](Self::enqueue), but the record stays the caller's:
    /// librdkafka copies what it sends before this returns, so a loop can
    /// send many records through one `ProducerRecord` and its buffers and
    /// [`Headers`](crate::Headers), rewriting them in place, with no
    /// allocation per record for what it reuses. On `Err` nothing was
    /// enqueued.
    ///
    /// ```no_run
    /// # async fn demo(producer: kafka_client::Producer<Vec<u8>, Vec<u8>>) -> kafka_client::Result<()> {
    /// use kafka_client::{Headers, ProducerRecord};
    /// let mut headers = Headers::new();
    /// headers.insert("seq", 0u64.to_be_bytes());
    /// let mut record = ProducerRecord::new("events", Vec::new()).headers(headers);
    /// for seq in 0..1_000u64 {
    ///     // Same header, new value: no allocation for the headers.
    ///     let (_, value, mut headers) = record.into_parts();
    ///     for value in headers.iter_mut().filter_map(|h| h.value.as_mut()) {
    ///         value.clear();
    ///         value.extend_from_slice(&seq.to_be_bytes());
    ///     }
    ///     record = ProducerRecord::from_parts("events", None, value).headers(headers);
    ///     producer.enqueue_ref(&record).await?;
    /// }
    /// producer.flush().await
    /// # }
    /// ```
    pub async fn enqueue_ref(&self, record: &ProducerRecord<K, V>) -> Result<()> {
        self.enqueue_with(record, Delivery::Counted)
            .await
            .map(|_| ())
    }

    /// Waits until every record enqueued so far (by any clone) has its
    /// outcome, then reports the failures that nobody else received since
    /// the previous flush: records sent with [`enqueue`](Self::enqueue), and
    /// [`send_async`](Self::send_async) records whose future was dropped, as
    /// one [`Error::Undelivered`] with each record's data. `Ok` means every
    /// such record was delivered.
    ///
    /// Bounded by `message.timeout.ms`: by then every record has an outcome.
    /// While other tasks keep sending, it waits for a moment when nothing is
    /// in flight.
    pub async fn flush(&self) -> Result<()> {
        self.core.flush().await
    }

    /// Stops accepting records (for every clone), waits up to the close
    /// timeout for those in flight (see
    /// [`ProducerBuilder::close_timeout`]), and reports failures as
    /// [`flush`](Self::flush) does; records still in flight at the timeout
    /// are given up, and reported. Dropping the last clone closes too, but
    /// blocks the thread and can only log failures.
    pub async fn close(&self) -> Result<()> {
        self.core.close().await
    }

    /// How many partitions `topic` has, as this producer sees it (cached,
    /// refreshed periodically). [`Error::UnknownTopic`] if it does not exist.
    pub async fn partition_count(&self, topic: &str) -> Result<i32> {
        self.core.partition_count(topic).await
    }

    /// How many records were enqueued and have no outcome yet.
    pub fn in_flight(&self) -> u64 {
        self.core.in_flight()
    }
}
