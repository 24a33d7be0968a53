//! Kafka transactions on the typed producer: records and consumed offsets
//! committed (or aborted) together. The semantics are in the
//! [module docs](super#transactions).

use std::time::Duration;

use rdkafka::producer::Producer as _;
use rdkafka::{Offset as RdOffset, TopicPartitionList};

use super::core::ProducerCore;
use super::transaction_error::transaction_error;
use super::typed::Producer;
use crate::consumer::GroupMetadata;
use crate::error::{Error, Result};
use crate::record::TopicPartition;

/// After an abort, how long to wait for the polling thread to hand out the
/// last reports of the purged records (librdkafka has served them by the
/// time the abort returns; this only covers a report being dispatched).
const ABORT_REPORTS_GRACE: Duration = Duration::from_secs(5);

impl<K, V> Producer<K, V> {
    /// The core, if this producer is transactional.
    fn transactional(&self, operation: &'static str) -> Result<&ProducerCore> {
        let core = &*self.core;
        if core.transactional_id().is_none() {
            return Err(Error::Config {
                key: "transactional.id".to_string(),
                message: format!(
                    "{operation} needs a transactional producer: set `transactional.id` with \
                     ClientConfig::set before creating the producer (one stable id per \
                     producer instance, e.g. `<application.id>-<thread>`, the same after a \
                     restart so that the new producer fences the old one)"
                ),
            });
        }
        Ok(core)
    }

    /// Registers the `transactional.id` with the transaction coordinator,
    /// fencing older producers with the same id (their open transaction is
    /// aborted, their next transaction call fails as fenced). Call it once,
    /// before the first [`begin_transaction`](Self::begin_transaction).
    ///
    /// Needs `transactional.id` in the configuration, else
    /// [`Error::Config`] naming `transactional.id`. Waits at most
    /// [`ClientConfig::timeout`](crate::ClientConfig::timeout) (on a
    /// blocking thread, not the async runtime); a timeout is
    /// [`Error::Transaction`] with `retriable` set: call it again.
    pub async fn init_transactions(&self) -> Result<()> {
        const OP: &str = "init_transactions";
        let core = self.transactional(OP)?;
        core.check_open()?;
        let timeout = core.request_timeout();
        core.run_blocking(OP, move |rd| rd.init_transactions(timeout))
            .await?
            .map_err(|e| transaction_error(OP, e, core))?;
        tracing::info!(
            transactional_id = core.transactional_id(),
            "transactions initialized"
        );
        Ok(())
    }

    /// Opens a transaction: every record sent from now on, and the offsets
    /// given to [`send_offsets_to_transaction`](Self::send_offsets_to_transaction),
    /// belong to it until [`commit_transaction`](Self::commit_transaction)
    /// or [`abort_transaction`](Self::abort_transaction). Does not contact
    /// the cluster.
    ///
    /// Fails with [`Error::Transaction`] if a transaction is already open or
    /// [`init_transactions`](Self::init_transactions) has not succeeded.
    pub fn begin_transaction(&self) -> Result<()> {
        const OP: &str = "begin_transaction";
        let core = self.transactional(OP)?;
        core.check_open()?;
        core.rd()
            .begin_transaction()
            .map_err(|e| transaction_error(OP, e, core))
    }

    /// Adds consumed offsets to the open transaction: committed to `group`
    /// exactly when the transaction commits. Each offset is the *next* one
    /// to read in its partition (last processed + 1), as in
    /// [`Consumer::commit_offsets`](crate::Consumer::commit_offsets).
    ///
    /// `group` comes from [`Consumer::group_metadata`](crate::Consumer::group_metadata),
    /// taken just before this call: with it the coordinator refuses offsets
    /// from a member that has lost its partitions in a rebalance (EOS v2).
    /// The consumer must not auto-commit. Waits at most the request
    /// timeout, on a blocking thread. Offsets must not be negative.
    pub async fn send_offsets_to_transaction(
        &self,
        offsets: &[(TopicPartition, i64)],
        group: &GroupMetadata,
    ) -> Result<()> {
        const OP: &str = "send_offsets_to_transaction";
        let core = self.transactional(OP)?;
        core.check_open()?;
        if let Some((partition, offset)) = offsets.iter().find(|(_, offset)| *offset < 0) {
            return Err(Error::Transaction {
                operation: OP,
                fenced: false,
                abortable: false,
                retriable: false,
                message: format!(
                    "offset {offset} for {partition} is not an offset to read next (last \
                     processed + 1); nothing was sent"
                ),
            });
        }
        let offsets = offsets.to_vec();
        let metadata = group.to_rdkafka();
        let timeout = core.request_timeout();
        core.run_blocking(OP, move |rd| {
            let mut list = TopicPartitionList::with_capacity(offsets.len());
            for (tp, offset) in &offsets {
                list.add_partition_offset(tp.topic(), tp.partition(), RdOffset::Offset(*offset))?;
            }
            rd.send_offsets_to_transaction(&list, &metadata, timeout)
        })
        .await?
        .map_err(|e| transaction_error(OP, e, core))?;
        tracing::debug!(group = group.group_id(), "offsets added to the transaction");
        Ok(())
    }

    /// Delivers every record of the open transaction, then commits it:
    /// its records become visible to `read_committed` consumers and its
    /// offsets are committed, all at once. Waits at most the request
    /// timeout, on a blocking thread.
    ///
    /// On failure, [`Error::Transaction`] says what to do:
    /// - `fenced`: another producer took over this `transactional.id`;
    ///   drop this producer (nothing of the transaction is committed).
    /// - `abortable` (e.g. a record could not be delivered): call
    ///   [`abort_transaction`](Self::abort_transaction) and process the
    ///   transaction's input again from the last committed offsets.
    /// - `retriable` (e.g. a timeout): call `commit_transaction` again;
    ///   the outcome is not known until it returns `Ok` or another error.
    /// - none of them: a fatal error (drop the producer) or a misuse, such
    ///   as no open transaction (see the message).
    pub async fn commit_transaction(&self) -> Result<()> {
        const OP: &str = "commit_transaction";
        let core = self.transactional(OP)?;
        core.check_open()?;
        let timeout = core.request_timeout();
        // librdkafka flushes first (bypassing linger.ms) and serves the
        // delivery reports itself, so the in-flight count is back to what
        // other clones enqueue meanwhile (nothing: it refuses sends while
        // committing).
        core.run_blocking(OP, move |rd| rd.commit_transaction(timeout))
            .await?
            .map_err(|e| transaction_error(OP, e, core))?;
        tracing::debug!("transaction committed");
        Ok(())
    }

    /// Aborts the open transaction: records not yet delivered are purged
    /// (their futures and callbacks get [`Error::Delivery`] with
    /// librdkafka's `PurgeQueue` or `PurgeInflight`), records already
    /// written are marked aborted (hidden from `read_committed` consumers),
    /// and its offsets are dropped. Failures of the transaction's records
    /// that nobody waited on are discarded, not left to the next
    /// [`flush`](Self::flush): the abort is their outcome. The producer can
    /// then begin the next transaction.
    ///
    /// Waits at most the request timeout, on a blocking thread; a
    /// `retriable` [`Error::Transaction`] means call it again. Allowed after
    /// [`close`](Self::close).
    pub async fn abort_transaction(&self) -> Result<()> {
        const OP: &str = "abort_transaction";
        let core = self.transactional(OP)?;
        let timeout = core.request_timeout();
        core.run_blocking(OP, move |rd| rd.abort_transaction(timeout))
            .await?
            .map_err(|e| transaction_error(OP, e, core))?;
        let deliveries = core.deliveries();
        let grace = tokio::time::Instant::now() + ABORT_REPORTS_GRACE;
        if !deliveries.wait_idle(Some(grace)).await {
            tracing::warn!(
                in_flight = deliveries.in_flight(),
                "records still in flight after aborting the transaction (sent meanwhile by another clone?)"
            );
        }
        let discarded = deliveries.take_unclaimed();
        tracing::debug!(
            discarded = discarded.len(),
            "transaction aborted; failures of its records nobody waited on are discarded"
        );
        Ok(())
    }
}
