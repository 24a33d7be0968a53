//! The tasks one stream thread owns, and the offsets it has processed.

use std::collections::{BTreeMap, HashMap};

use kafka_client::TopicPartition;

use super::task_id::TaskId;
use crate::task::StreamTask;

/// A stream thread's tasks. Locked briefly per record by its thread, and by
/// interactive queries; never held across an await.
#[derive(Debug, Default)]
pub(crate) struct TaskSet {
    /// Tasks processing records.
    pub(crate) active: BTreeMap<TaskId, StreamTask>,
    /// Tasks whose partitions were revoked in an eager rebalance: kept,
    /// with their state, in case the next assignment gives them back (then
    /// they need no restore); dropped otherwise.
    pub(crate) suspended: BTreeMap<TaskId, StreamTask>,
    /// Per source partition, the next offset to commit (last processed + 1).
    pub(crate) offsets: HashMap<TopicPartition, i64>,
    /// Per source partition, the offset last committed by this thread.
    pub(crate) committed: HashMap<TopicPartition, i64>,
}

impl TaskSet {
    /// The offsets that moved since they were last committed, among
    /// `partitions` (all when `None`).
    pub(crate) fn uncommitted(&self, partitions: Option<&[TopicPartition]>) -> Vec<(TopicPartition, i64)> {
        self.offsets
            .iter()
            .filter(|(tp, _)| partitions.is_none_or(|only| only.contains(tp)))
            .filter(|(tp, offset)| self.committed.get(*tp) != Some(offset))
            .map(|(tp, offset)| (tp.clone(), *offset))
            .collect()
    }

    /// Records a successful commit.
    pub(crate) fn mark_committed(&mut self, offsets: &[(TopicPartition, i64)]) {
        for (tp, offset) in offsets {
            self.committed.insert(tp.clone(), *offset);
        }
    }

    /// Forgets a partition that left this thread.
    pub(crate) fn forget(&mut self, tp: &TopicPartition) {
        self.offsets.remove(tp);
        self.committed.remove(tp);
    }

    /// Task names, as metrics show them.
    pub(crate) fn active_names(&self) -> Vec<String> {
        self.active.keys().map(TaskId::to_string).collect()
    }
}
