//! The rdkafka `ConsumerContext` behind [`Consumer`](super::Consumer):
//! rebalances are stashed for the application's task instead of being
//! applied on the spot, librdkafka's logs go to `tracing`, and client-level
//! errors are kept where the application can see them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, Consumer as _, ConsumerContext, RebalanceProtocol};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use rdkafka::TopicPartitionList;
use tokio::sync::Notify;

use crate::record::TopicPartition;

/// A client-level error that librdkafka reported and recovers from by
/// itself (a broker connection lost, all brokers down, a coordinator
/// moving), kept so that an application can see why nothing arrives.
#[derive(Debug, Clone)]
pub struct ClientErrorEvent {
    /// What librdkafka reported.
    pub error: KafkaError,
    /// librdkafka's explanation, when it gave one.
    pub reason: String,
    /// When it was reported.
    pub at: SystemTime,
}

/// Whether a rebalance gives partitions or takes them away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RebalanceKind {
    Assign,
    Revoke,
}

/// A rebalance librdkafka handed over, waiting for the application's task.
#[derive(Debug, Clone)]
pub(crate) struct PendingRebalance {
    pub(crate) kind: RebalanceKind,
    pub(crate) partitions: Vec<TopicPartition>,
    /// For a revoke: whether the partitions were lost (read once, before
    /// the unassign that resets librdkafka's flag).
    pub(crate) lost: Option<bool>,
    /// For an assign: whether the new partitions were already assigned
    /// (the listener runs after that, and may be run again if cancelled).
    pub(crate) applied: bool,
}

/// The context given to librdkafka.
pub(crate) struct ConsumerCtx {
    pending: Mutex<VecDeque<PendingRebalance>>,
    /// How many rebalances `pending` holds, readable without its lock:
    /// `recv` looks for one before every record.
    pending_count: AtomicUsize,
    /// Set when the application lets go of the consumer (`close()`, or a
    /// drop without it): rebalances are then applied at once, since no task
    /// will run the listener, and client errors and librdkafka's log lines
    /// are logged at debug level only (see [`ClientContext::error`] below).
    apply_directly: AtomicBool,
    wakeup: Arc<Notify>,
    /// Set when a poll served an event that rdkafka's `poll` then reports
    /// as "nothing" (a rebalance, a commit result, statistics, a log line):
    /// the queue may hold more, so the caller polls again instead of
    /// waiting for librdkafka's wakeup, which only comes when the queue was
    /// empty.
    served: AtomicBool,
    last_error: Mutex<Option<ClientErrorEvent>>,
}

impl ConsumerCtx {
    pub(crate) fn new(wakeup: Arc<Notify>) -> Self {
        ConsumerCtx {
            pending: Mutex::new(VecDeque::new()),
            pending_count: AtomicUsize::new(0),
            apply_directly: AtomicBool::new(false),
            wakeup,
            served: AtomicBool::new(false),
            last_error: Mutex::new(None),
        }
    }

    fn pending(&self) -> MutexGuard<'_, VecDeque<PendingRebalance>> {
        // A poisoned lock only means a panic elsewhere; the queue is intact.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The oldest rebalance waiting to be served, if any.
    pub(crate) fn front(&self) -> Option<PendingRebalance> {
        if self.pending_count.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.pending().front().cloned()
    }

    /// Updates the oldest waiting rebalance (to record progress on it).
    pub(crate) fn update_front(&self, update: impl FnOnce(&mut PendingRebalance)) {
        if let Some(front) = self.pending().front_mut() {
            update(front);
        }
    }

    /// Removes the oldest waiting rebalance once it has been served.
    pub(crate) fn pop_front(&self) {
        let mut pending = self.pending();
        pending.pop_front();
        self.pending_count.store(pending.len(), Ordering::Release);
    }

    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        self.pending_count.load(Ordering::Acquire) > 0
    }

    /// From now on rebalances are applied inside librdkafka's callback,
    /// without a listener; returns the ones already waiting.
    pub(crate) fn switch_to_direct(&self) -> Vec<PendingRebalance> {
        self.apply_directly.store(true, Ordering::SeqCst);
        let mut pending = self.pending();
        self.pending_count.store(0, Ordering::Release);
        pending.drain(..).collect()
    }

    /// The wakeup signalled when the consumer queue becomes non-empty.
    pub(crate) fn wakeup(&self) -> &Arc<Notify> {
        &self.wakeup
    }

    /// Whether an event was served since the last call (see `served`).
    #[inline]
    pub(crate) fn take_served(&self) -> bool {
        self.served.swap(false, Ordering::SeqCst)
    }

    fn note_served(&self) {
        self.served.store(true, Ordering::SeqCst);
    }

    pub(crate) fn record_error(&self, error: KafkaError, reason: impl Into<String>) {
        let event = ClientErrorEvent {
            error,
            reason: reason.into(),
            at: SystemTime::now(),
        };
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(event);
    }

    pub(crate) fn last_error(&self) -> Option<ClientErrorEvent> {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Applies a rebalance to librdkafka: (incremental) assign or unassign.
pub(crate) fn apply_rebalance(
    base: &BaseConsumer<ConsumerCtx>,
    kind: RebalanceKind,
    partitions: &TopicPartitionList,
) -> KafkaResult<()> {
    let cooperative = matches!(base.rebalance_protocol(), RebalanceProtocol::Cooperative);
    match (kind, cooperative) {
        (RebalanceKind::Assign, true) => base.incremental_assign(partitions),
        (RebalanceKind::Assign, false) => base.assign(partitions),
        (RebalanceKind::Revoke, true) => base.incremental_unassign(partitions),
        (RebalanceKind::Revoke, false) => base.unassign(),
    }
}

/// The partitions of an rdkafka list, in our type.
pub(crate) fn partitions_of(list: &TopicPartitionList) -> Vec<TopicPartition> {
    list.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

/// An rdkafka list of partitions, without offsets.
pub(crate) fn list_of(partitions: &[TopicPartition]) -> TopicPartitionList {
    let mut list = TopicPartitionList::with_capacity(partitions.len());
    for tp in partitions {
        list.add_partition(tp.topic(), tp.partition());
    }
    list
}

impl ClientContext for ConsumerCtx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        // rdkafka routes logs through the consumer queue (`log.queue`).
        self.note_served();
        if self.apply_directly.load(Ordering::SeqCst) {
            // As for errors (below): a consumer being torn down after the
            // application let go of it may fail to reach a cluster that
            // already stopped.
            tracing::debug!(target: "librdkafka", facility = fac, ?level, "{log_message}");
            return;
        }
        crate::logging::forward(level, fac, log_message);
    }

    fn stats_raw(&self, statistics: &[u8]) {
        self.note_served();
        tracing::debug!(target: "librdkafka", statistics = %String::from_utf8_lossy(statistics));
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if self.apply_directly.load(Ordering::SeqCst) {
            // The application is done with this consumer; librdkafka may
            // still be tearing it down, and a cluster that went away first
            // (an embedded one at the end of a program) is nobody's
            // concern: every `cargo run` of the word count example ended
            // with two "AllBrokersDown" warnings.
            tracing::debug!(%error, reason, "client error of a closed consumer");
            return;
        }
        tracing::warn!(%error, reason, "consumer client error");
        self.record_error(error, reason);
    }
}

impl ConsumerContext for ConsumerCtx {
    fn rebalance(
        &self,
        base_consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let kind = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => RebalanceKind::Assign,
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => RebalanceKind::Revoke,
            other => {
                tracing::error!(error = ?other, "unexpected rebalance event from librdkafka; ignored");
                return;
            }
        };
        if self.apply_directly.load(Ordering::SeqCst) {
            if let Err(error) = apply_rebalance(base_consumer, kind, tpl) {
                tracing::warn!(%error, ?kind, "could not apply a rebalance while closing");
            }
            return;
        }
        let partitions = partitions_of(tpl);
        tracing::debug!(
            ?kind,
            ?partitions,
            "rebalance handed to the application's task"
        );
        let mut pending = self.pending();
        pending.push_back(PendingRebalance {
            kind,
            partitions,
            lost: None,
            applied: false,
        });
        self.pending_count.store(pending.len(), Ordering::Release);
        drop(pending);
        self.note_served();
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        self.note_served();
        match result {
            Ok(()) => tracing::debug!(?offsets, "offsets committed"),
            // An auto-commit with nothing new to commit.
            Err(error) if error.rdkafka_error_code() == Some(RDKafkaErrorCode::NoOffset) => {
                tracing::trace!(%error, "nothing to commit")
            }
            Err(error) => {
                tracing::warn!(%error, ?offsets, "an asynchronous offset commit failed");
                self.record_error(error, "asynchronous offset commit");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_brokers_down() -> KafkaError {
        KafkaError::Global(RDKafkaErrorCode::AllBrokersDown)
    }

    #[test]
    fn client_errors_count_until_the_application_lets_go() {
        let ctx = ConsumerCtx::new(Arc::new(Notify::new()));
        ctx.error(all_brokers_down(), "1/1 brokers are down");
        let seen = ctx.last_error().expect("recorded while in use");
        assert_eq!(seen.reason, "1/1 brokers are down");
        assert!(ctx.switch_to_direct().is_empty());
        ctx.error(all_brokers_down(), "after close");
        let still = ctx.last_error().expect("the earlier error stays");
        assert_eq!(still.reason, "1/1 brokers are down");
    }
}
