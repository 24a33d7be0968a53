//! The consumer group's metadata, as a transactional producer needs it to
//! commit consumed offsets inside its transaction.

use std::fmt;
use std::sync::Arc;

use rdkafka::consumer::{Consumer as _, ConsumerGroupMetadata};

use super::core::Core;

/// A snapshot of a consumer's group membership (group id, generation,
/// member id, group instance id), for
/// [`Producer::send_offsets_to_transaction`](crate::Producer::send_offsets_to_transaction).
///
/// With it the group coordinator accepts the transaction's offsets only
/// from the member that currently owns the partitions (Kafka's EOS v2,
/// KIP-447): a member that was removed from the group by a rebalance can no
/// longer commit offsets for partitions it lost. Take a fresh one right
/// before each `send_offsets_to_transaction`, since the generation changes
/// with every rebalance.
///
/// Opaque; cheap to clone.
#[derive(Clone)]
pub struct GroupMetadata {
    inner: Arc<ConsumerGroupMetadata>,
    group_id: String,
}

impl GroupMetadata {
    /// The group metadata of `core`'s consumer, if it has a `group.id`.
    pub(crate) fn of(core: &Core) -> Option<GroupMetadata> {
        let group_id = core.group_id()?.to_string();
        let inner = core.base().group_metadata()?;
        Some(GroupMetadata {
            inner: Arc::new(inner),
            group_id,
        })
    }

    /// The consumer group's id.
    pub fn group_id(&self) -> &str {
        &self.group_id
    }

    /// librdkafka's metadata, shared (it must outlive a blocking call on
    /// another thread).
    pub(crate) fn to_rdkafka(&self) -> Arc<ConsumerGroupMetadata> {
        self.inner.clone()
    }
}

impl fmt::Debug for GroupMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupMetadata")
            .field("group_id", &self.group_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<GroupMetadata>();
    }
}
