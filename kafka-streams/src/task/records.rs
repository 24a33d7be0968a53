//! The bytes at a task's edges.

use kafka_client::{Headers, TopicName};

/// A record as the runtime consumed it, before deserialization. Its key
/// and value are lent: the runtime's are in librdkafka's buffer, the test
/// driver's in an [`OwnedSourceRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceRecord<'a> {
    /// The full topic name (for repartition topics, with the application id).
    pub(crate) topic: &'a TopicName,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    /// Milliseconds since the epoch.
    pub(crate) timestamp: i64,
    pub(crate) key: Option<&'a [u8]>,
    pub(crate) value: Option<&'a [u8]>,
    /// The headers, which go on with the record.
    pub(crate) headers: Headers,
}

/// A [`SourceRecord`] that owns its bytes, waiting in the test driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnedSourceRecord {
    pub(crate) topic: TopicName,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) timestamp: i64,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) headers: Headers,
}

impl OwnedSourceRecord {
    /// The record to process: the bytes lent, the headers handed over.
    pub(crate) fn lend(&mut self) -> SourceRecord<'_> {
        SourceRecord {
            topic: &self.topic,
            partition: self.partition,
            offset: self.offset,
            timestamp: self.timestamp,
            key: self.key.as_deref(),
            value: self.value.as_deref(),
            headers: std::mem::take(&mut self.headers),
        }
    }
}

/// A record a task produced, serialized and ready to send.
///
/// - User sinks: `partition` is `None` (the producer partitions by murmur2
///   of the key bytes, or round-robin when there is no key).
/// - Repartition topics: `partition` is `None`, partitioned by murmur2 of the
///   key bytes so that each key reaches the task that owns it.
/// - Changelog topics: `partition` is `Some(task partition)`: a store's
///   changelog partition is the partition of the task that owns the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkRecord {
    /// The full topic name.
    pub(crate) topic: TopicName,
    pub(crate) partition: Option<i32>,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) timestamp: i64,
    pub(crate) headers: Headers,
    /// For a record bound for a repartition topic, the runtime's id for it
    /// (see `runtime::origin`): the value of the `ks.o` header the producer
    /// adds. Kept out of `headers` so that the header set can be reused
    /// from record to record when it is the only header.
    pub(crate) record_id: Option<[u8; 18]>,
}
