//! What a rebalance listener can do with its consumer while it runs.

use std::collections::BTreeMap;
use std::fmt;

use super::core::Core;
use super::group_metadata::GroupMetadata;
use super::offsets::Offset;
use crate::error::Result;
use crate::record::TopicPartition;

/// The consumer, as a [`RebalanceListener`](super::RebalanceListener) sees
/// it: commit, read positions and committed offsets, seek.
pub struct RebalanceHandle<'a> {
    pub(super) core: &'a Core,
    lost: bool,
}

impl fmt::Debug for RebalanceHandle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RebalanceHandle")
            .field("group_id", &self.core.group_id())
            .field("lost", &self.lost)
            .finish()
    }
}

impl<'a> RebalanceHandle<'a> {
    pub(crate) fn new(core: &'a Core, lost: bool) -> Self {
        RebalanceHandle { core, lost }
    }

    /// Whether the partitions of this call were lost (commits are skipped).
    pub fn is_lost(&self) -> bool {
        self.lost
    }

    /// The consumer group's id.
    pub fn group_id(&self) -> Option<&str> {
        self.core.group_id()
    }

    /// The group's current metadata, for a transactional producer's
    /// [`send_offsets_to_transaction`](crate::Producer::send_offsets_to_transaction)
    /// (e.g. to commit a revoked partition's offsets in a transaction);
    /// `None` without a `group.id`.
    pub fn group_metadata(&self) -> Option<GroupMetadata> {
        GroupMetadata::of(self.core)
    }

    /// Commits, and waits for, the position of every assigned partition:
    /// each handed-out record's offset + 1 (or the last seek's target).
    /// Skipped (with a warning in the log) when the partitions were lost.
    pub async fn commit(&self) -> Result<()> {
        if self.skip_commit() {
            return Ok(());
        }
        self.core.commit_offsets(self.core.consumed_offsets()).await
    }

    /// Commits, and waits for, these offsets (each the next offset to read:
    /// last processed + 1). Skipped when the partitions were lost.
    pub async fn commit_offsets(&self, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        if self.skip_commit() {
            return Ok(());
        }
        self.core.commit_offsets(offsets.to_vec()).await
    }

    /// The next offset the consumer will read in `partition`, if known.
    pub fn position(&self, partition: &TopicPartition) -> Result<Option<i64>> {
        self.core.position(partition)
    }

    /// The group's committed offsets for `partitions`.
    pub async fn committed(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, Option<i64>>> {
        self.core.committed(partitions).await
    }

    /// Moves an assigned partition (from `on_assigned`: where to start).
    pub async fn seek(&self, partition: &TopicPartition, offset: Offset) -> Result<i64> {
        self.core.seek(partition, offset).await
    }

    /// The partitions assigned right now.
    pub fn assignment(&self) -> Result<Vec<TopicPartition>> {
        self.core.assignment()
    }

    fn skip_commit(&self) -> bool {
        if self.lost {
            tracing::warn!(
                "commit skipped: the partitions were lost and may belong to another member already"
            );
        }
        self.lost
    }
}
