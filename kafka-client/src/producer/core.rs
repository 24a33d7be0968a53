//! The untyped heart of the producer: one librdkafka producer, its polling
//! thread, partition choice, backpressure, flush and close. Shared by every
//! clone of a typed [`Producer`](super::Producer).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::config::FromClientConfigAndContext;
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _, PurgeConfig};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::util::Timeout;
use tokio::sync::oneshot;

use super::delivery::{Delivery, DeliveryContext, DeliveryState};
use super::metadata::{fetch_partition_count, CachedCount, PartitionCounts};
use super::partitioner::Partitioner;
use super::transaction_error::refused_by_transaction;
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::record::Headers;

type RdProducer = BaseProducer<DeliveryContext>;

/// How long the polling thread blocks in one poll when no report comes;
/// also the longest a dropped producer waits for it to notice. Reports are
/// handed out as they arrive, whatever this is.
///
/// rdkafka's `poll` hands librdkafka the time left in whole milliseconds,
/// rounded down, and polls again until its deadline has passed: with no
/// slack, the last fraction of a millisecond of every poll is spent polling
/// with a zero timeout in a loop (an idle producer polling every 10 ms took
/// 9.4 % of a core, measured). [`POLL_SLACK`] puts the deadline just past
/// the end of the blocking wait. The tail after the last report of a busy
/// poll still spins for up to a millisecond, so a longer poll spins less.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Added to [`POLL_INTERVAL`]: more than the time between rdkafka reading
/// its deadline and librdkafka starting its wait, and about what Linux lets
/// a timed wait run late (its default timer slack), so that the wait
/// usually ends past the deadline; when it ends before, at most this much
/// is left to spin, instead of up to a millisecond (see [`POLL_INTERVAL`]).
const POLL_SLACK: Duration = Duration::from_micros(50);

/// Settings of the core that do not come from [`ClientConfig`].
#[derive(Debug, Clone)]
pub(crate) struct CoreSettings {
    pub(crate) close_timeout: Duration,
    pub(crate) metadata_max_age: Duration,
}

/// A record's serialized parts, borrowed for one enqueue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRecord<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: Option<i32>,
    pub(crate) key: Option<&'a [u8]>,
    pub(crate) value: Option<&'a [u8]>,
    pub(crate) timestamp: Option<i64>,
    pub(crate) headers: &'a Headers,
}

pub(crate) struct ProducerCore {
    producer: Arc<RdProducer>,
    state: Arc<DeliveryState>,
    /// The opaque of every record nobody waits on: shared, so that such a
    /// record costs no allocation (and no free on the polling thread).
    counted: Arc<Delivery>,
    counts: Arc<PartitionCounts>,
    partitioner: Box<dyn Partitioner>,
    /// One metadata fetch at a time, so that a burst of first sends to a
    /// topic asks the cluster once.
    fetching: tokio::sync::Mutex<()>,
    poller: Mutex<Option<JoinHandle<()>>>,
    stop_polling: Arc<AtomicBool>,
    closed: AtomicBool,
    bootstrap_servers: String,
    /// `transactional.id`, if configured: only then are the transaction
    /// methods allowed.
    transactional_id: Option<String>,
    request_timeout: Duration,
    close_timeout: Duration,
}

impl fmt::Debug for ProducerCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProducerCore")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("in_flight", &self.state.in_flight())
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl ProducerCore {
    /// Creates the librdkafka producer and starts its polling thread.
    pub(crate) fn start(
        config: &ClientConfig,
        partitioner: Box<dyn Partitioner>,
        settings: CoreSettings,
    ) -> Result<Self> {
        let bootstrap_servers = config.resolved_bootstrap_servers()?;
        let rd_config = config
            .clone()
            .set_default("acks", "all")
            .set_default("enable.idempotence", "true")
            .set_default("allow.auto.create.topics", "false")
            .to_rdkafka()?;
        let counts = Arc::new(PartitionCounts::new(settings.metadata_max_age));
        let state = Arc::new(DeliveryState::new(counts.clone()));
        let producer =
            RdProducer::from_config_and_context(&rd_config, DeliveryContext::new(state.clone()))
                .map_err(|e| Error::kafka("creating the producer", e))?;
        let producer = Arc::new(producer);
        let stop_polling = Arc::new(AtomicBool::new(false));
        let poller = {
            let producer = producer.clone();
            let stop = stop_polling.clone();
            let counts = counts.clone();
            std::thread::Builder::new()
                .name("kafka-producer-poll".into())
                .spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        producer.poll(POLL_INTERVAL + POLL_SLACK);
                        counts.tick();
                    }
                })
                .map_err(|e| Error::Kafka {
                    operation: "starting the producer's polling thread",
                    source: KafkaError::ClientCreation(e.to_string()),
                })?
        };
        tracing::debug!(%bootstrap_servers, "producer started");
        Ok(ProducerCore {
            producer,
            state,
            counted: Arc::new(Delivery::Counted),
            counts,
            partitioner,
            fetching: tokio::sync::Mutex::new(()),
            poller: Mutex::new(Some(poller)),
            stop_polling,
            closed: AtomicBool::new(false),
            bootstrap_servers,
            transactional_id: config
                .get("transactional.id")
                .filter(|id| !id.trim().is_empty())
                .map(str::to_string),
            request_timeout: config.timeout(),
            close_timeout: settings.close_timeout,
        })
    }

    /// How many records have been enqueued and have no outcome yet.
    pub(crate) fn in_flight(&self) -> u64 {
        self.state.in_flight()
    }

    /// The bootstrap servers this producer talks to.
    pub(crate) fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// The configured `transactional.id`, if any.
    pub(super) fn transactional_id(&self) -> Option<&str> {
        self.transactional_id.as_deref()
    }

    /// How long blocking requests (metadata, transaction calls) may take.
    pub(super) fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The librdkafka producer, for calls this module does not wrap.
    pub(super) fn rd(&self) -> &RdProducer {
        &self.producer
    }

    /// The deliveries' shared state (in-flight count, unclaimed failures).
    pub(super) fn deliveries(&self) -> &DeliveryState {
        &self.state
    }

    /// Runs a blocking librdkafka call on tokio's blocking pool, never on
    /// the async runtime's threads. The call goes on if the future is
    /// dropped.
    pub(super) async fn run_blocking<T, F>(&self, what: &'static str, call: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&RdProducer) -> T + Send + 'static,
    {
        let producer = self.producer.clone();
        tokio::task::spawn_blocking(move || call(&producer))
            .await
            .map_err(|e| {
                // Only if the call panicked or the runtime is shutting down.
                tracing::error!(error = %e, operation = what, "a blocking producer call did not finish");
                Error::Kafka {
                    operation: what,
                    source: KafkaError::Canceled,
                }
            })
    }

    pub(super) fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed("producer"));
        }
        Ok(())
    }

    /// How many partitions `topic` has: from the cache, else from the
    /// cluster (waiting at most the request timeout).
    pub(crate) async fn partition_count(&self, topic: &str) -> Result<i32> {
        match self.counts.get(topic) {
            CachedCount::Fresh(count) => Ok(count),
            CachedCount::Stale(count) => {
                self.refresh_in_background(topic);
                Ok(count)
            }
            CachedCount::Missing => self.fetch_count(topic).await,
        }
    }

    /// Fetches the partition count of `topic` and caches it.
    async fn fetch_count(&self, topic: &str) -> Result<i32> {
        let _one_at_a_time = self.fetching.lock().await;
        if let CachedCount::Fresh(count) = self.counts.get(topic) {
            return Ok(count);
        }
        let count = self.fetch_blocking_elsewhere(topic).await?;
        self.counts.store(topic, count);
        Ok(count)
    }

    /// Runs the blocking metadata request on a thread of its own, so that
    /// neither the async runtime nor the polling thread waits on it.
    async fn fetch_blocking_elsewhere(&self, topic: &str) -> Result<i32> {
        let (reply, answer) = oneshot::channel();
        self.spawn_fetch(topic, move |result| {
            let _ = reply.send(result);
        })?;
        answer
            .await
            .map_err(|_| Error::Closed("producer metadata fetch"))?
    }

    fn spawn_fetch(
        &self,
        topic: &str,
        done: impl FnOnce(Result<i32>) + Send + 'static,
    ) -> Result<()> {
        let producer = self.producer.clone();
        let topic = topic.to_string();
        let timeout = self.request_timeout;
        let bootstrap_servers = self.bootstrap_servers.clone();
        std::thread::Builder::new()
            .name("kafka-producer-metadata".into())
            .spawn(move || {
                done(fetch_partition_count(
                    producer.client(),
                    &topic,
                    timeout,
                    &bootstrap_servers,
                ));
            })
            .map(drop)
            .map_err(|e| Error::Kafka {
                operation: "starting a metadata request",
                source: KafkaError::ClientCreation(e.to_string()),
            })
    }

    /// Refreshes a stale partition count without holding up the send that
    /// noticed it; until then the old count is used.
    fn refresh_in_background(&self, topic: &str) {
        if !self.counts.begin_refresh(topic) {
            return;
        }
        let counts = self.counts.clone();
        let name = topic.to_string();
        let started = self.spawn_fetch(topic, move |result| match result {
            Ok(count) => counts.store(&name, count),
            Err(Error::UnknownTopic { .. }) => counts.invalidate(&name),
            Err(error) => {
                tracing::debug!(topic = %name, %error, "refreshing the partition count failed; keeping the old one");
                counts.refresh_failed(&name);
            }
        });
        if started.is_err() {
            self.counts.refresh_failed(topic);
        }
    }

    /// Picks the record's partition: the explicit one if it exists, else the
    /// partitioner's choice.
    async fn choose_partition(&self, record: &RawRecord<'_>) -> Result<i32> {
        let count = self.partition_count(record.topic).await?;
        match record.partition {
            Some(partition) if (0..count).contains(&partition) => Ok(partition),
            Some(partition) => {
                // The cached count may be old: ask once more before refusing.
                self.counts.invalidate(record.topic);
                let count = self.fetch_count(record.topic).await?;
                if (0..count).contains(&partition) {
                    Ok(partition)
                } else {
                    Err(Error::UnknownPartition {
                        topic: record.topic.to_string(),
                        partition,
                        partition_count: count,
                    })
                }
            }
            None => {
                let partition = self.partitioner.partition(record.topic, record.key, count);
                if (0..count).contains(&partition) {
                    Ok(partition)
                } else {
                    Err(Error::UnknownPartition {
                        topic: record.topic.to_string(),
                        partition,
                        partition_count: count,
                    })
                }
            }
        }
    }

    /// Hands a record to librdkafka and returns the partition it goes to.
    /// Waits (without spinning) while librdkafka's queue is full.
    pub(crate) async fn enqueue(&self, record: RawRecord<'_>, delivery: Delivery) -> Result<i32> {
        self.check_open()?;
        let partition = self.choose_partition(&record).await?;
        let mut opaque = match delivery {
            Delivery::Counted => self.counted.clone(),
            other => Arc::new(other),
        };
        loop {
            let mut base =
                BaseRecord::<[u8], [u8], Arc<Delivery>>::with_opaque_to(record.topic, opaque)
                    .partition(partition);
            if let Some(key) = record.key {
                base = base.key(key);
            }
            if let Some(value) = record.value {
                base = base.payload(value);
            }
            if let Some(timestamp) = record.timestamp {
                base = base.timestamp(timestamp);
            }
            if let Some(headers) = record.headers.to_rdkafka() {
                base = base.headers(headers);
            }
            // Counted before librdkafka has it, since its report may come
            // at once; uncounted again if it is refused. Nothing stays
            // counted across an await, so a cancelled send leaves no trace.
            self.state.started();
            let refused = match self.producer.send(base) {
                Ok(()) => None,
                Err((error, base)) => Some((error, base.delivery_opaque)),
            };
            let Some((error, back)) = refused else {
                return Ok(partition);
            };
            self.state.not_enqueued();
            if let Some(refused) = refused_by_transaction(self, record.topic, &error) {
                return Err(refused);
            }
            if !matches!(
                error,
                KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull)
            ) {
                return Err(Error::Delivery {
                    topic: record.topic.to_string(),
                    source: error,
                });
            }
            self.check_open()?;
            opaque = back;
            self.state.wait_for_room().await;
        }
    }

    /// Wakes librdkafka's broker threads so that they send what they hold
    /// (librdkafka's own flush, with no wait). Does not block.
    fn nudge(&self) {
        let _ = self.producer.flush(Timeout::After(Duration::ZERO));
    }

    /// Waits until every enqueued record has its outcome, then reports the
    /// failures nobody else received.
    pub(crate) async fn flush(&self) -> Result<()> {
        self.nudge();
        self.state.wait_idle(None).await;
        self.report_unclaimed()
    }

    fn report_unclaimed(&self) -> Result<()> {
        let failures = self.state.take_unclaimed();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Error::Undelivered { failures })
        }
    }

    /// Refuses new sends, waits up to the close timeout for the records in
    /// flight, then gives up on the rest (they fail with a purge error).
    pub(crate) async fn close(&self) -> Result<()> {
        self.closed.store(true, Ordering::Release);
        self.nudge();
        let deadline = tokio::time::Instant::now() + self.close_timeout;
        let mut timed_out = None;
        if !self.state.wait_idle(Some(deadline)).await {
            let left = self.state.in_flight();
            tracing::warn!(left, timeout = ?self.close_timeout, "closing the producer: purging records not delivered in time");
            self.producer
                .purge(PurgeConfig::default().queue().inflight());
            // Purged records get their reports at once; give the polling
            // thread a moment to hand them out.
            let grace = tokio::time::Instant::now() + Duration::from_secs(5);
            self.state.wait_idle(Some(grace)).await;
            timed_out = Some(left);
        }
        self.report_unclaimed()?;
        match timed_out {
            Some(left) => Err(Error::Timeout {
                what: format!(
                    "{left} records in flight to be delivered while closing the producer"
                ),
                timeout: self.close_timeout,
            }),
            None => Ok(()),
        }
    }
}

impl Drop for ProducerCore {
    fn drop(&mut self) {
        if !self.closed.swap(true, Ordering::AcqRel) && self.state.in_flight() > 0 {
            // No runtime to await on here: librdkafka's own blocking flush.
            if let Err(error) = self.producer.flush(self.close_timeout) {
                tracing::warn!(%error, left = self.state.in_flight(), "dropping the producer before its records were delivered");
            }
        }
        self.stop_polling.store(true, Ordering::Release);
        let poller = self.poller.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(poller) = poller {
            if poller.join().is_err() {
                tracing::error!("the producer's polling thread panicked");
            }
        }
        if self.state.in_flight() > 0 {
            // Give up on what is left; purged records get their reports now.
            self.producer
                .purge(PurgeConfig::default().queue().inflight());
            let _ = self.producer.flush(Duration::from_secs(1));
        }
        let failures = self.state.take_unclaimed();
        if let Some(first) = failures.first() {
            tracing::error!(
                count = failures.len(),
                first = %first,
                "records sent without waiting were not delivered and no flush reported them"
            );
        }
    }
}
