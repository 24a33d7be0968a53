//! The stream thread's rebalance listener: tasks follow the partitions the
//! group assigns.
//!
//! - Revoked (eager: everything, every rebalance): flush the output, commit
//!   the processed offsets of the revoked partitions (with the tasks' commit
//!   metadata), and suspend their tasks.
//! - Assigned: resume suspended tasks that came back (their state is
//!   current), create the others and restore their stores from their
//!   changelogs, up to their last commit, before any record is processed;
//!   drop suspended tasks that did not come back (another instance owns them).
//! - Lost: drop the tasks without committing; another member may own them.
//!
//! The listener may be cancelled and run again from the start (see
//! `RebalanceListener`); every step here is safe to repeat.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use async_trait::async_trait;
use kafka_client::consumer::{ListenerError, RebalanceHandle, RebalanceListener};
use kafka_client::TopicPartition;

use super::app::ThreadStatus;
use super::metrics::MetricsRecorder;
use super::task_builder::{build_task, read_committed, source_partitions};
use super::task_id::TaskId;
use super::thread_env::ThreadEnv;

/// Keeps a stream thread's tasks in step with its assignment.
#[derive(Debug)]
pub(crate) struct TaskListener {
    pub(crate) env: Arc<ThreadEnv>,
}

impl TaskListener {
    fn task_ids(&self, partitions: &[TopicPartition]) -> BTreeSet<TaskId> {
        partitions
            .iter()
            .filter_map(|tp| {
                self.env
                    .app
                    .subtopology_of
                    .get(tp.topic())
                    .map(|&subtopology| TaskId {
                        subtopology,
                        partition: tp.partition(),
                    })
            })
            .collect()
    }

    fn publish_tasks(&self) {
        let names = self.env.thread.lock_tasks().active_names();
        self.env
            .app
            .metrics
            .set_active_tasks(self.env.thread.index, names);
    }
}

impl TaskListener {
    /// At-least-once: commits the revoked tasks' offsets (with their commit
    /// metadata). Returns whether their state now matches the commit.
    async fn commit_on_revoke(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<bool, ListenerError> {
        let entries = self.env.prepare_commit(Some(partitions)).await?;
        if entries.is_empty() {
            return Ok(true);
        }
        match consumer.commit_offsets_with_metadata(&entries).await {
            Ok(()) => {
                self.env.thread.lock_tasks().mark_committed(&entries);
                Ok(true)
            }
            // The group moved on (another member left or joined meanwhile):
            // the next owner starts from the previous commit and processes
            // those records again.
            Err(error) => {
                tracing::warn!(%error, "commit on revocation refused; records since the last commit will be processed again (at-least-once)");
                Ok(false)
            }
        }
    }

    /// Exactly-once: commits the open transaction with every task's
    /// offsets, or aborts it. Returns whether the tasks' state matches the
    /// commit.
    async fn commit_transaction_on_revoke(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<bool, ListenerError> {
        let committed = match self.env.prepare_commit(Some(partitions)).await {
            Ok(entries) => self
                .env
                .commit_transaction(&entries, consumer.group_metadata())
                .await
                .map(|()| entries)
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match committed {
            Ok(entries) => {
                self.env.thread.lock_tasks().mark_committed(&entries);
                Ok(true)
            }
            Err(error) => {
                tracing::warn!(%error, "transaction on revocation failed: aborting it; its records will be processed again");
                self.env.abort_transaction().await?;
                Ok(false)
            }
        }
    }
}

#[async_trait]
impl RebalanceListener for TaskListener {
    async fn on_assigned(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        let app = &self.env.app;
        app.set_thread_status(&self.env.thread, ThreadStatus::Rebalancing);
        MetricsRecorder::add(&app.metrics.rebalances, 1);
        let wanted = self.task_ids(partitions);
        // Resume suspended tasks that came back; find the ones to create.
        let missing: Vec<TaskId> = {
            let mut set = self.env.thread.lock_tasks();
            let mut missing = Vec::new();
            for id in &wanted {
                if set.active.contains_key(id) {
                    continue;
                }
                match set.suspended.remove(id) {
                    Some(task) => {
                        set.active.insert(*id, task);
                    }
                    None => missing.push(*id),
                }
            }
            missing
        };
        // Build and restore outside the lock; insert only complete tasks.
        for id in missing {
            let sources = source_partitions(&self.env.app, id);
            let committed = read_committed(|| consumer.committed_with_metadata(&sources)).await?;
            let task = build_task(&self.env, id, &committed).await?;
            self.env.thread.lock_tasks().active.insert(id, task);
        }
        if let Err(e) = self.env.restore_consumer.assign(&[]).await {
            tracing::debug!(error = %e, "could not clear the restore consumer's assignment");
        }
        {
            let mut set = self.env.thread.lock_tasks();
            let dropped = std::mem::take(&mut set.suspended);
            if !dropped.is_empty() {
                tracing::info!(tasks = ?dropped.keys().map(TaskId::to_string).collect::<Vec<_>>(), "suspended tasks moved to other instances");
            }
        }
        self.publish_tasks();
        tracing::info!(thread = self.env.thread.index, tasks = ?self.env.thread.lock_tasks().active_names(), "tasks assigned");
        app.set_thread_status(&self.env.thread, ThreadStatus::Running);
        Ok(())
    }

    async fn on_revoked(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        let app = &self.env.app;
        app.set_thread_status(&self.env.thread, ThreadStatus::Rebalancing);
        // Whether the tasks' state matches what is committed, so that they
        // may be resumed as they are if they come back.
        let mut consistent = false;
        if !self.env.failed.load(Ordering::Acquire) {
            // Everything processed so far reaches the broker before its
            // offsets are committed.
            consistent = if self.env.exactly_once {
                self.commit_transaction_on_revoke(partitions, consumer)
                    .await?
            } else {
                self.commit_on_revoke(partitions, consumer).await?
            };
        }
        let ids = self.task_ids(partitions);
        {
            let mut set = self.env.thread.lock_tasks();
            for tp in partitions {
                set.forget(tp);
            }
            for id in ids {
                if let Some(task) = set.active.remove(&id) {
                    if consistent {
                        set.suspended.insert(id, task);
                    }
                }
            }
        }
        self.env.forget_lag(partitions);
        self.publish_tasks();
        Ok(())
    }

    async fn on_lost(
        &self,
        partitions: &[TopicPartition],
        _consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        tracing::warn!(
            ?partitions,
            "partitions lost: their tasks are dropped without committing"
        );
        let ids = self.task_ids(partitions);
        {
            let mut set = self.env.thread.lock_tasks();
            for tp in partitions {
                set.forget(tp);
            }
            for id in ids {
                // Dropped with what its stores and caches had not sent.
                set.active.remove(&id);
                set.suspended.remove(&id);
            }
        }
        self.env.forget_lag(partitions);
        self.publish_tasks();
        Ok(())
    }
}
