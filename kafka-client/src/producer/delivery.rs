//! Delivery reports: what happens to a record's outcome once librdkafka
//! knows it.
//!
//! Each enqueued record carries a [`Delivery`] as its librdkafka opaque. The
//! polling thread hands every delivery report to [`DeliveryContext`], which
//! dispatches on it: wake a waiting future, run a callback, or (for records
//! nobody waits on) keep the failure for the next `flush`. It also counts the
//! records in flight, so that `flush` knows when everything has an outcome,
//! and wakes senders waiting for room in a full queue.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::producer::ProducerContext;
use rdkafka::types::RDKafkaErrorCode;
use tokio::sync::{oneshot, Notify};

use super::failure::DeliveryFailure;
use super::metadata::PartitionCounts;
use crate::error::Error;
use crate::record::{Headers, RecordMetadata, TopicName};

/// The outcome of one record: where it was stored, or why it was not.
pub type DeliveryOutcome = Result<RecordMetadata, DeliveryFailure>;

/// A callback given a record's outcome.
pub(crate) type DeliveryCallback = Box<dyn FnOnce(DeliveryOutcome) + Send>;

/// Who wants a record's outcome. Travels with the record through librdkafka.
pub(crate) enum Delivery {
    /// A future awaits it.
    Waiter(oneshot::Sender<DeliveryOutcome>),
    /// A callback takes it. The mutex only makes the box `Sync`, as
    /// librdkafka opaques must be; it is never contended.
    Callback(Mutex<DeliveryCallback>),
    /// Nobody: a failure is kept for the next `flush`.
    Counted,
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delivery::Waiter(_) => "Delivery::Waiter",
            Delivery::Callback(_) => "Delivery::Callback",
            Delivery::Counted => "Delivery::Counted",
        })
    }
}

/// What the producer and its polling thread share about deliveries.
#[derive(Debug)]
pub(crate) struct DeliveryState {
    in_flight: AtomicU64,
    idle: Notify,
    room_waiters: AtomicUsize,
    room: Notify,
    unclaimed: Mutex<Vec<DeliveryFailure>>,
    counts: Arc<PartitionCounts>,
}

impl DeliveryState {
    pub(crate) fn new(counts: Arc<PartitionCounts>) -> Self {
        DeliveryState {
            in_flight: AtomicU64::new(0),
            idle: Notify::new(),
            room_waiters: AtomicUsize::new(0),
            room: Notify::new(),
            unclaimed: Mutex::new(Vec::new()),
            counts,
        }
    }

    /// How many records were enqueued and have no outcome yet.
    pub(crate) fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Counts a record about to be enqueued.
    pub(crate) fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    /// Uncounts a record librdkafka refused.
    pub(crate) fn not_enqueued(&self) {
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Counts a record that has its outcome: it left librdkafka's queue,
    /// so senders waiting for room may try again.
    fn finished(&self) {
        if self.room_waiters.load(Ordering::Acquire) > 0 {
            self.room.notify_waiters();
        }
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Waits until nothing is in flight, or until `deadline`. Returns
    /// whether nothing is in flight.
    pub(crate) async fn wait_idle(&self, deadline: Option<tokio::time::Instant>) -> bool {
        // Woken by the last delivery; the periodic look is only a safety net.
        let recheck = std::time::Duration::from_millis(100);
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.in_flight() == 0 {
                return true;
            }
            let until = tokio::time::Instant::now() + recheck;
            let until = deadline.map_or(until, |d| d.min(until));
            let _ = tokio::time::timeout_at(until, notified).await;
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return self.in_flight() == 0;
            }
        }
    }

    /// Waits a little for room in librdkafka's queue: until a delivery
    /// frees some, or at most a few milliseconds.
    pub(crate) async fn wait_for_room(&self) {
        let _waiting = RoomWaiter::new(&self.room_waiters);
        let notified = self.room.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // The timeout only covers a report that came between the refusal
        // and `enable`; reports normally wake the sender at once.
        let _ = tokio::time::timeout(std::time::Duration::from_millis(10), notified).await;
    }

    /// Takes the failures that nobody else received.
    pub(crate) fn take_unclaimed(&self) -> Vec<DeliveryFailure> {
        let mut unclaimed = self.unclaimed.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *unclaimed)
    }

    fn keep_unclaimed(&self, failure: DeliveryFailure) {
        tracing::debug!(error = %failure, "a record was not delivered; the next flush reports it");
        let mut unclaimed = self.unclaimed.lock().unwrap_or_else(|p| p.into_inner());
        unclaimed.push(failure);
    }

    /// Hands one record's outcome to whoever wants it.
    fn dispatch(&self, delivery: Delivery, outcome: DeliveryOutcome) {
        match delivery {
            Delivery::Counted => {
                if let Err(failure) = outcome {
                    self.keep_unclaimed(failure);
                }
            }
            Delivery::Waiter(sender) => {
                // The receiver is gone: nobody will see a failure unless
                // flush reports it. A success needs no reporting.
                if let Err(Err(failure)) = sender.send(outcome) {
                    self.keep_unclaimed(failure);
                }
            }
            Delivery::Callback(callback) => {
                let callback = callback.into_inner().unwrap_or_else(|p| p.into_inner());
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                    callback(outcome);
                }));
                if ran.is_err() {
                    tracing::error!("a delivery callback panicked; the producer goes on");
                }
            }
        }
    }
}

/// Counts a sender waiting for room while it waits, even if its future is
/// dropped midway.
struct RoomWaiter<'a>(&'a AtomicUsize);

impl<'a> RoomWaiter<'a> {
    fn new(waiters: &'a AtomicUsize) -> Self {
        waiters.fetch_add(1, Ordering::AcqRel);
        RoomWaiter(waiters)
    }
}

impl Drop for RoomWaiter<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The librdkafka context of the producer: routes logs to `tracing` and
/// delivery reports to [`DeliveryState`].
#[derive(Debug)]
pub(crate) struct DeliveryContext {
    state: Arc<DeliveryState>,
}

impl DeliveryContext {
    pub(crate) fn new(state: Arc<DeliveryState>) -> Self {
        DeliveryContext { state }
    }
}

impl ClientContext for DeliveryContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        crate::logging::forward(level, fac, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        // Mostly transient (a broker going away); records are retried until
        // message.timeout.ms and then fail through their delivery reports.
        tracing::warn!(target: "librdkafka", %error, "producer: {reason}");
    }
}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = Arc<Delivery>;

    fn delivery(
        &self,
        result: &rdkafka::message::DeliveryResult<'_>,
        delivery: Self::DeliveryOpaque,
    ) {
        let outcome = match result {
            Ok(message) => {
                if matches!(*delivery, Delivery::Counted) {
                    // Nobody looks at a success: skip building it.
                    self.state.finished();
                    return;
                }
                Ok(metadata_of(message))
            }
            Err((error, message)) => {
                if matches!(
                    error.rdkafka_error_code(),
                    Some(
                        RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic
                    )
                ) {
                    // The topic went away or shrank: ask again next time.
                    self.state.counts.invalidate(message.topic());
                }
                Err(failure_of(error, message))
            }
        };
        // Only the shared `Counted` opaque has other owners; every other
        // opaque belongs to its one record.
        let delivery = Arc::try_unwrap(delivery).unwrap_or(Delivery::Counted);
        self.state.dispatch(delivery, outcome);
        self.state.finished();
    }
}

fn metadata_of(message: &BorrowedMessage<'_>) -> RecordMetadata {
    RecordMetadata {
        topic: message.topic().to_string(),
        partition: message.partition(),
        offset: message.offset(),
        timestamp: message.timestamp().to_millis(),
    }
}

fn failure_of(error: &KafkaError, message: &BorrowedMessage<'_>) -> DeliveryFailure {
    DeliveryFailure {
        error: Error::Delivery {
            topic: message.topic().to_string(),
            source: error.clone(),
        },
        topic: message.topic().to_string(),
        partition: message.partition(),
        key: message.key().map(<[u8]>::to_vec),
        value: message.payload().map(<[u8]>::to_vec),
        headers: Headers::from_rdkafka(message.headers()),
        timestamp: message.timestamp().to_millis(),
    }
}

/// The outcome of a record sent with
/// [`Producer::send_async`](super::Producer::send_async): await it for the
/// record's [`RecordMetadata`], or drop it, in which case a failure is
/// reported by the next [`Producer::flush`](super::Producer::flush).
#[must_use = "dropping it leaves a failure to the next flush"]
pub struct DeliveryFuture {
    receiver: oneshot::Receiver<DeliveryOutcome>,
    topic: TopicName,
    partition: i32,
}

impl DeliveryFuture {
    pub(crate) fn new(
        receiver: oneshot::Receiver<DeliveryOutcome>,
        topic: TopicName,
        partition: i32,
    ) -> Self {
        DeliveryFuture {
            receiver,
            topic,
            partition,
        }
    }

    /// The partition the record was sent to.
    pub fn partition(&self) -> i32 {
        self.partition
    }
}

impl fmt::Debug for DeliveryFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryFuture")
            .field("topic", &self.topic)
            .field("partition", &self.partition)
            .finish()
    }
}

impl Future for DeliveryFuture {
    type Output = DeliveryOutcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.receiver).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(outcome)) => Poll::Ready(outcome),
            // Only when librdkafka was destroyed with the record still queued.
            Poll::Ready(Err(_)) => Poll::Ready(Err(DeliveryFailure {
                error: Error::Closed("producer"),
                topic: self.topic.to_string(),
                partition: self.partition,
                key: None,
                value: None,
                headers: Headers::new(),
                timestamp: None,
            })),
        }
    }
}
