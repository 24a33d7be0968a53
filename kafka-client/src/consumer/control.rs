//! Offset control on a [`Consumer`]: seeks, commits, positions, committed
//! offsets, watermarks, beginning and end offsets, pause and resume.

use std::collections::{BTreeMap, HashMap};

use rdkafka::consumer::Consumer as _;

use super::consumer::Consumer;
use super::context::list_of;
use super::list_offsets::{list_offsets, End};
use super::offsets::Offset;
use crate::error::{Error, Result};
use crate::record::{ConsumerRecord, TopicPartition};

impl<K: 'static, V: 'static> Consumer<K, V> {
    /// Moves an assigned partition: the next record of `partition` that
    /// [`recv`](Consumer::recv) returns is the one at the target. Records
    /// fetched before the seek are never handed out. Returns the exact
    /// offset sought to.
    ///
    /// [`Offset::Timestamp`] fails with
    /// [`Error::NoOffsetForTimestamp`] when the broker has no such offset
    /// (always on the embedded cluster), instead of seeking to the end.
    pub async fn seek(&self, partition: &TopicPartition, offset: Offset) -> Result<i64> {
        self.core.seek(partition, offset).await
    }

    /// Seeks every partition in `partitions` to its beginning.
    pub async fn seek_to_beginning(&self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.core.seek(tp, Offset::Beginning).await?;
        }
        Ok(())
    }

    /// Seeks every partition in `partitions` to its end.
    pub async fn seek_to_end(&self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.core.seek(tp, Offset::End).await?;
        }
        Ok(())
    }

    /// Commits, and waits for, the position of every assigned partition:
    /// the offset after the last record handed out (or the last seek's
    /// target). A record that failed to deserialize counts as handed out.
    pub async fn commit(&self) -> Result<()> {
        self.core.commit_offsets(self.core.consumed_offsets()).await
    }

    /// Like [`commit`](Consumer::commit), without waiting. A failure is
    /// logged and kept in [`last_client_error`](Consumer::last_client_error);
    /// [`close`](Consumer::close) waits for commits still in flight.
    pub fn commit_async(&self) -> Result<()> {
        self.core.commit_offsets_async(self.core.consumed_offsets())
    }

    /// Commits, and waits for, `record`'s offset + 1 in its partition: the
    /// record and everything before it in the partition are done.
    pub async fn commit_record(&self, record: &ConsumerRecord<K, V>) -> Result<()> {
        self.core
            .commit_offsets(vec![(record.topic_partition(), record.next_offset())])
            .await
    }

    /// Commits, and waits for, explicit offsets. Each is the next offset to
    /// read: the last processed offset + 1.
    pub async fn commit_offsets(&self, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        self.core.commit_offsets(offsets.to_vec()).await
    }

    /// Like [`commit_offsets`](Consumer::commit_offsets), without waiting.
    pub fn commit_offsets_async(&self, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        self.core.commit_offsets_async(offsets.to_vec())
    }

    /// The group's committed offsets (`None`: nothing committed yet).
    pub async fn committed(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, Option<i64>>> {
        self.core.committed(partitions).await
    }

    /// The next offset this consumer reads in an assigned partition: the
    /// offset after the last record handed out, or the target of the last
    /// seek or explicit start offset. Transaction markers are never handed
    /// out, but once one was fetched the position moves past it (as Java's
    /// `position` does), so a partition read to its end is at its
    /// [`end_offsets`](Consumer::end_offsets) entry even when it ends in a
    /// marker. `None` while not known yet (a partition starting from the
    /// committed offset before its first record). A partition that is not
    /// assigned is [`Error::InvalidState`].
    pub fn position(&self, partition: &TopicPartition) -> Result<Option<i64>> {
        self.core.position(partition)
    }

    /// [`position`](Consumer::position) of every assigned partition, read
    /// with one call into librdkafka (where `position` for each would make
    /// one call per partition).
    pub fn positions(&self) -> Result<BTreeMap<TopicPartition, Option<i64>>> {
        self.core.positions()
    }

    /// The low and high watermarks of a partition: the first offset still
    /// stored, and the offset the next record written will get.
    pub async fn watermarks(&self, partition: &TopicPartition) -> Result<(i64, i64)> {
        self.core.watermarks(partition).await
    }

    /// The end offset (the offset the next record written will get) of
    /// each of `partitions`, assigned or not, in one ListOffsets request
    /// per leader broker (Java's `endOffsets`), where
    /// [`watermarks`](Consumer::watermarks) makes two requests for each
    /// partition. Under `isolation.level = read_committed` it is the last
    /// stable offset. A partition the broker does not know fails the call.
    ///
    /// ```no_run
    /// # async fn demo(consumer: kafka_client::Consumer<String, String>) -> kafka_client::Result<()> {
    /// use kafka_client::TopicPartition;
    /// let partitions: Vec<_> = (0..3).map(|p| TopicPartition::new("orders", p)).collect();
    /// let ends = consumer.end_offsets(&partitions).await?;
    /// let total: i64 = ends.values().sum();
    /// # let _ = total; Ok(()) }
    /// ```
    pub async fn end_offsets(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, i64>> {
        list_offsets(&self.core, partitions, End::End).await
    }

    /// The first offset still stored of each of `partitions`, in one
    /// ListOffsets request per leader broker (Java's `beginningOffsets`);
    /// see [`end_offsets`](Consumer::end_offsets).
    pub async fn beginning_offsets(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<HashMap<TopicPartition, i64>> {
        list_offsets(&self.core, partitions, End::Beginning).await
    }

    /// The offset of the first record at or after `timestamp_ms`, or
    /// [`Error::NoOffsetForTimestamp`].
    pub async fn offset_for_timestamp(
        &self,
        partition: &TopicPartition,
        timestamp_ms: i64,
    ) -> Result<i64> {
        self.core
            .offset_for_timestamp(partition, timestamp_ms)
            .await
    }

    /// Stops fetching from assigned partitions until
    /// [`resume`](Consumer::resume); records already fetched for them are
    /// discarded and fetched again after the resume, so none is lost.
    pub fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.core.ensure_assigned(tp, "pause")?;
        }
        self.core
            .base()
            .pause(&list_of(partitions))
            .map_err(|e| Error::kafka("pause", e))
    }

    /// Resumes fetching from paused partitions, at their position.
    pub fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.core.ensure_assigned(tp, "resume")?;
        }
        self.core
            .base()
            .resume(&list_of(partitions))
            .map_err(|e| Error::kafka("resume", e))
    }
}
