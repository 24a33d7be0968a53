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
    /// Whether `offsets` changed since the last commit.
    pub(crate) dirty: bool,
}

impl TaskSet {
    /// The offsets to commit now, if any changed since the last commit.
    pub(crate) fn offsets_to_commit(&mut self) -> Option<Vec<(TopicPartition, i64)>> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        Some(
            self.offsets
                .iter()
                .map(|(tp, offset)| (tp.clone(), *offset))
                .collect(),
        )
    }

    /// Task names, as metrics show them.
    pub(crate) fn active_names(&self) -> Vec<String> {
        self.active.keys().map(TaskId::to_string).collect()
    }
}
