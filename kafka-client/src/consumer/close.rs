//! Leaving: a clean, async `close()` that runs the revoke listener, and a
//! best-effort `Drop` for consumers that were not closed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer as _};

use super::consumer::Consumer;
use super::context::{apply_rebalance, list_of, ConsumerCtx, RebalanceKind};
use super::core::Mode;
use super::rebalance;
use crate::error::{Error, Result};

/// How long `close` waits between looks at the group while leaving.
const CLOSE_TICK: Duration = Duration::from_millis(50);
/// The most events `close` serves between two looks at the group.
const CLOSE_DRAIN_MAX: usize = 10_000;
/// How long a dropped consumer's destroy thread waits for the other owners
/// of librdkafka's handle (blocking calls still running) to let go.
const DESTROY_WAIT: Duration = Duration::from_secs(60);

impl<K, V> Consumer<K, V> {
    /// Leaves cleanly, within the request timeout:
    /// 1. rebalances still waiting are served (with the listener);
    /// 2. a subscribed consumer leaves its group: the listener's
    ///    `on_revoked` runs for the partitions it still has (commit there),
    ///    then they are unassigned and the group is told at once, so the
    ///    other members take them over without waiting for a timeout;
    /// 3. librdkafka finishes: commits still in flight (including
    ///    [`commit_async`](Consumer::commit_async) and, with auto-commit,
    ///    the records handed out so far) complete before the client stops.
    ///
    /// Records fetched but never handed out are dropped; they were not
    /// consumed and are not committed. A failed listener or a timeout is
    /// reported, and the consumer is closed anyway.
    pub async fn close(self) -> Result<()> {
        let outcome = self.leave().await;
        // Whatever librdkafka still hands over while it stops is applied
        // at once: nobody polls for a listener any more.
        self.apply_remaining_directly();
        self.core.mark_closed();
        let base = self.core.base_arc();
        let limit = self.core.timeout();
        drop(self);
        // The last owner of librdkafka's consumer closes it, blocking until
        // commits in flight are done: do that off the async threads.
        let finish = tokio::task::spawn_blocking(move || drop(base));
        if tokio::time::timeout(limit, finish).await.is_err() {
            return Err(Error::Timeout {
                what: "librdkafka to finish closing the consumer (commits in flight, leaving the group)"
                    .into(),
                timeout: limit,
            });
        }
        outcome
    }

    async fn leave(&self) -> Result<()> {
        let _turn = self.turn.take().await;
        let listener = self.listener.as_deref();
        let mut failure = rebalance::serve_pending(&self.core, listener).await.err();
        self.core.store_processed(None);
        match self.core.mode() {
            Mode::Idle => {}
            Mode::Assigned => {
                if let Err(e) = self.core.base().unassign() {
                    failure.get_or_insert(Error::kafka("unassigning partitions", e));
                }
            }
            Mode::Subscribed(_) => {
                self.core.base().unsubscribe();
                let deadline = Instant::now() + self.core.timeout();
                loop {
                    self.drain_events();
                    if let Err(e) = rebalance::serve_pending(&self.core, listener).await {
                        failure.get_or_insert(e);
                    }
                    let ctx = self.core.ctx();
                    let unassigned = self.core.assignment().map_or(true, |a| a.is_empty());
                    let settled = !ctx.has_pending() && unassigned;
                    if settled {
                        break;
                    }
                    if Instant::now() >= deadline {
                        failure.get_or_insert(Error::Timeout {
                            what: "the group to take this consumer's partitions back".into(),
                            timeout: self.core.timeout(),
                        });
                        break;
                    }
                    if !ctx.take_served() {
                        self.core.wait_for_events(Some(CLOSE_TICK)).await;
                    }
                }
            }
        }
        tracing::info!(group = self.core.group_id(), "consumer closed");
        failure.map_or(Ok(()), Err)
    }
}

impl<K, V> Consumer<K, V> {
    /// Serves what the consumer's queue holds now, up to
    /// [`CLOSE_DRAIN_MAX`] events: records (dropped: they were never
    /// handed out), errors, rebalances (queued for the listener), log
    /// lines. Polling only until the first event that is not a record is
    /// not enough: with librdkafka's `debug` naming `cgrp`, each look at
    /// the assignment in `leave` queues a log line, and one event served per
    /// look never reached the revocation behind them (measured: the close
    /// timed out after 30 s, every time, in a two-thread word count).
    fn drain_events(&self) {
        let ctx = self.core.ctx();
        for _ in 0..CLOSE_DRAIN_MAX {
            match self.core.base().poll(Duration::ZERO) {
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    tracing::debug!(%error, "consumer error while leaving the group")
                }
                // rdkafka's poll says "nothing" after serving an event
                // that is not a record: more may wait behind it.
                None if ctx.take_served() => {}
                None => break,
            }
        }
    }
}

impl<K, V> Drop for Consumer<K, V> {
    /// Without `close()`, the revoke listener cannot run (it is async):
    /// waiting rebalances are applied as they are, positions of handed-out
    /// records are stored for auto-commit, and librdkafka's own close
    /// (blocking this thread until it has left the group) does the rest.
    /// A consumer without a group has nothing to leave or commit: its
    /// librdkafka handle is destroyed on a thread of its own, and the drop
    /// returns at once.
    fn drop(&mut self) {
        if self.core.is_closed() {
            return;
        }
        if self.listener.is_some() && matches!(self.core.mode(), Mode::Subscribed(_)) {
            tracing::warn!(
                group = self.core.group_id(),
                "consumer dropped without close(): its revoke listener does not run; \
                 call close().await to commit on revoke"
            );
        }
        self.apply_remaining_directly();
        self.core.store_processed(None);
        if self.core.group_id().is_none() {
            // No group to leave and nothing to commit: librdkafka's destroy
            // (which sleeps 100 ms in its broker threads) need not hold up
            // this thread. It runs on one of its own, as soon as this
            // consumer's handle is gone.
            destroy_in_background(self.core.base_arc());
        }
    }
}

/// Drops `base` on a thread of its own once it is the last owner (the
/// consumer being dropped lets go of its own right after).
fn destroy_in_background(base: Arc<BaseConsumer<ConsumerCtx>>) {
    let spawned = std::thread::Builder::new()
        .name("kafka-consumer-destroy".into())
        .spawn(move || {
            let deadline = Instant::now() + DESTROY_WAIT;
            while Arc::strong_count(&base) > 1 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            drop(base);
        });
    if let Err(error) = spawned {
        // The handle is then dropped here, with the consumer.
        tracing::debug!(%error, "could not start a thread to destroy the consumer");
    }
}

impl<K, V> Consumer<K, V> {
    /// Applies waiting rebalances without the listener, and makes
    /// librdkafka's later ones apply at once.
    fn apply_remaining_directly(&self) {
        for pending in self.core.ctx().switch_to_direct() {
            if pending.kind == RebalanceKind::Assign && pending.applied {
                continue;
            }
            if let Err(error) = apply_rebalance(
                self.core.base(),
                pending.kind,
                &list_of(&pending.partitions),
            ) {
                tracing::warn!(%error, "could not apply a rebalance while closing the consumer");
            }
        }
    }
}
