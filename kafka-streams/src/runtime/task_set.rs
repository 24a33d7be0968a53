//! The tasks one stream thread owns, and the offsets it has processed.

use std::collections::{BTreeMap, HashMap};

use kafka_client::TopicPartition;
use rustc_hash::FxHashMap;

use super::commit_meta::CommitMeta;
use super::origin::Origin;
use super::task_id::TaskId;
use crate::task::{SinkRecord, StreamTask};

/// A task with what the runtime keeps beside it.
#[derive(Debug)]
pub(crate) struct OwnedTask {
    pub(crate) task: StreamTask,
    /// Its source partitions (one per source topic), sorted; the first one
    /// carries the task's commit metadata.
    pub(crate) sources: Vec<TopicPartition>,
    /// Its changelog partitions.
    pub(crate) changelogs: Vec<TopicPartition>,
    /// Per upstream source partition (topic index, partition), the largest
    /// repartition record id applied (see `origin`).
    pub(crate) dedup: HashMap<(u16, i32), (i64, u32)>,
    /// The offsets the group held for its sources when the task was
    /// created. A commit while it has processed nothing since carries them
    /// with its current metadata: its punctuators may have written to its
    /// stores, and the changelog marks must cover those writes.
    pub(crate) start_offsets: HashMap<TopicPartition, i64>,
}

impl OwnedTask {
    /// Whether this task reads one of `partitions` (any task when `None`).
    pub(crate) fn reads_any(&self, partitions: Option<&[TopicPartition]>) -> bool {
        partitions.is_none_or(|only| self.sources.iter().any(|tp| only.contains(tp)))
    }

    /// Whether a repartition record was applied already; records it as
    /// applied otherwise.
    pub(crate) fn seen_before(&mut self, origin: &Origin) -> bool {
        let id = origin.id();
        match self.dedup.get_mut(&origin.source()) {
            Some(high) if *high >= id => true,
            Some(high) => {
                *high = id;
                false
            }
            None => {
                self.dedup.insert(origin.source(), id);
                false
            }
        }
    }
}

/// A stream thread's tasks. Locked briefly per record by its thread, and by
/// interactive queries; never held across an await.
#[derive(Debug, Default)]
pub(crate) struct TaskSet {
    /// Tasks processing records.
    pub(crate) active: BTreeMap<TaskId, OwnedTask>,
    /// Tasks whose partitions were revoked in an eager rebalance: kept,
    /// with their state, in case the next assignment gives them back (then
    /// they need no restore); dropped otherwise.
    pub(crate) suspended: BTreeMap<TaskId, OwnedTask>,
    /// Per source partition, the next offset to commit (last processed + 1).
    pub(crate) offsets: FxHashMap<TopicPartition, i64>,
    /// Per source partition, what this thread last committed.
    pub(crate) committed: HashMap<TopicPartition, (i64, String)>,
    /// Records processed per source topic, since start (live).
    pub(crate) processed_by_topic: FxHashMap<String, u64>,
    /// Records sent per topic, since start (live).
    pub(crate) produced_by_topic: FxHashMap<String, u64>,
}

/// One partition's commit: offset and metadata.
pub(crate) type CommitEntry = (TopicPartition, i64, String);

impl TaskSet {
    /// The commit entries of the tasks owning `partitions` (all tasks when
    /// `None`), given each task's changelog end offsets, leaving out entries
    /// equal to what was last committed.
    pub(crate) fn commit_entries(
        &self,
        partitions: Option<&[TopicPartition]>,
        changelog_ends: &HashMap<TopicPartition, i64>,
    ) -> Vec<CommitEntry> {
        let mut out = Vec::new();
        for owned in self.active.values() {
            if !owned.reads_any(partitions) {
                continue;
            }
            let meta = CommitMeta {
                changelogs: owned
                    .changelogs
                    .iter()
                    .filter_map(|tp| changelog_ends.get(tp).map(|o| (tp.clone(), *o)))
                    .collect(),
                dedup: owned
                    .dedup
                    .iter()
                    .map(|(source, id)| (*source, *id))
                    .collect(),
            }
            .encode();
            for (i, tp) in owned.sources.iter().enumerate() {
                let Some(&offset) = self.offsets.get(tp).or_else(|| owned.start_offsets.get(tp))
                else {
                    continue;
                };
                let metadata = if i == 0 { meta.clone() } else { String::new() };
                if self.committed.get(tp) == Some(&(offset, metadata.clone())) {
                    continue;
                }
                out.push((tp.clone(), offset, metadata));
            }
        }
        out
    }

    /// Records a successful commit.
    pub(crate) fn mark_committed(&mut self, entries: &[CommitEntry]) {
        for (tp, offset, metadata) in entries {
            self.committed
                .insert(tp.clone(), (*offset, metadata.clone()));
        }
    }

    /// Forgets a partition that left this thread.
    pub(crate) fn forget(&mut self, tp: &TopicPartition) {
        self.offsets.remove(tp);
        self.committed.remove(tp);
    }

    /// The changelog partitions of the active tasks owning `partitions`
    /// (all when `None`).
    pub(crate) fn changelogs(&self, partitions: Option<&[TopicPartition]>) -> Vec<TopicPartition> {
        self.active
            .values()
            .filter(|o| o.reads_any(partitions))
            .flat_map(|o| o.changelogs.iter().cloned())
            .collect()
    }

    /// Before a commit of the tasks owning `partitions` (all when `None`):
    /// what they held back (record caches, changed store keys) as records
    /// to send. Updates are coalesced per key between commits: a changelog
    /// only needs each key's latest value, and downstream of a table only
    /// its latest state.
    pub(crate) fn flush(
        &mut self,
        partitions: Option<&[TopicPartition]>,
    ) -> crate::Result<Vec<SinkRecord>> {
        let mut out = Vec::new();
        for owned in self.active.values_mut() {
            if !owned.reads_any(partitions) {
                continue;
            }
            owned.task.flush()?;
            owned.task.drain_into(&mut out);
        }
        Ok(out)
    }

    /// Task names, as metrics show them.
    pub(crate) fn active_names(&self) -> Vec<String> {
        self.active.keys().map(TaskId::to_string).collect()
    }
}
