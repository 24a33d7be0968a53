//! Commits that carry metadata: a string stored by the group coordinator
//! beside each committed offset (Kafka's `OffsetCommit` metadata, limited by
//! the broker's `offset.metadata.max.bytes`, 4096 by default). Applications
//! use it to remember, with the offset, where their own state stood.

use std::collections::BTreeMap;

use rdkafka::consumer::Consumer as _;
use rdkafka::{Offset as RdOffset, TopicPartitionList};

use super::consumer::Consumer;
use super::core::Core;
use super::handle::RebalanceHandle;
use crate::error::{Error, Result};
use crate::record::TopicPartition;

/// A partition's commit: the next offset to read (last processed + 1) and
/// the metadata to store with it.
pub type CommitWithMetadata = (TopicPartition, i64, String);

/// The list librdkafka commits: each partition's next offset to read,
/// with its metadata when given. Shared by every commit of this module's
/// consumer, with or without metadata.
pub(super) fn offsets_list<'a>(
    entries: impl ExactSizeIterator<Item = (&'a TopicPartition, i64, Option<&'a str>)>,
) -> Result<TopicPartitionList> {
    let mut list = TopicPartitionList::with_capacity(entries.len());
    for (tp, offset, metadata) in entries {
        if offset < 0 {
            return Err(Error::InvalidState {
                operation: "commit",
                reason: format!("offset {offset} for {tp} is negative"),
            });
        }
        list.add_partition_offset(tp.topic(), tp.partition(), RdOffset::Offset(offset))
            .map_err(|source| Error::Partition {
                operation: "commit",
                partition: tp.clone(),
                source,
            })?;
        if let (Some(metadata), Some(mut element)) =
            (metadata, list.find_partition(tp.topic(), tp.partition()))
        {
            element.set_metadata(metadata);
        }
    }
    Ok(list)
}

impl Core {
    pub(crate) async fn commit_with_metadata(&self, entries: &[CommitWithMetadata]) -> Result<()> {
        self.require_group("commit")?;
        if entries.is_empty() {
            return Ok(());
        }
        let list = offsets_list(
            entries
                .iter()
                .map(|(tp, offset, metadata)| (tp, *offset, Some(metadata.as_str()))),
        )?;
        tracing::debug!(partitions = entries.len(), "committing with metadata");
        self.commit_sync(list).await
    }

    pub(crate) async fn committed_with_metadata(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, Option<(i64, String)>>> {
        self.require_group("read committed offsets")?;
        let mut query = TopicPartitionList::with_capacity(partitions.len());
        for tp in partitions {
            query.add_partition(tp.topic(), tp.partition());
        }
        let timeout = self.timeout();
        let answer = self
            .blocking("reading committed offsets", move |base| {
                base.committed_offsets(query, timeout).map(|list| {
                    list.elements()
                        .iter()
                        .map(|e| {
                            let tp = TopicPartition::new(e.topic(), e.partition());
                            // A partition the coordinator could not answer
                            // for is an error, never "nothing committed".
                            e.error().map_err(|source| Error::Partition {
                                operation: "reading the committed offset",
                                partition: tp.clone(),
                                source,
                            })?;
                            let committed = match e.offset() {
                                RdOffset::Offset(n) if n >= 0 => {
                                    Some((n, e.metadata().to_string()))
                                }
                                _ => None,
                            };
                            Ok((tp, committed))
                        })
                        .collect::<Result<BTreeMap<_, _>>>()
                })
            })
            .await?;
        answer.map_err(|e| Error::kafka("reading committed offsets", e))?
    }
}

impl<K, V> Consumer<K, V> {
    /// Commits, and waits for, these offsets with their metadata.
    pub async fn commit_offsets_with_metadata(&self, entries: &[CommitWithMetadata]) -> Result<()> {
        self.core.commit_with_metadata(entries).await
    }

    /// The group's committed offsets of `partitions`, with their metadata
    /// (`None` where nothing is committed).
    pub async fn committed_with_metadata(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, Option<(i64, String)>>> {
        self.core.committed_with_metadata(partitions).await
    }
}

impl RebalanceHandle<'_> {
    /// Commits, and waits for, these offsets with their metadata. Skipped
    /// when the partitions were lost.
    pub async fn commit_offsets_with_metadata(&self, entries: &[CommitWithMetadata]) -> Result<()> {
        if self.is_lost() {
            tracing::warn!(
                "commit skipped: the partitions were lost and may belong to another member already"
            );
            return Ok(());
        }
        self.core.commit_with_metadata(entries).await
    }

    /// The group's committed offsets of `partitions`, with their metadata.
    pub async fn committed_with_metadata(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, Option<(i64, String)>>> {
        self.core.committed_with_metadata(partitions).await
    }
}
