//! The data that travels: records, headers, partitions and delivery metadata.

use std::fmt;

pub use crate::topic_name::TopicName;

/// A topic and a partition number. Cloning it shares the topic's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    topic: TopicName,
    partition: i32,
}

impl TopicPartition {
    /// Partition `partition` of `topic`.
    pub fn new(topic: impl Into<TopicName>, partition: i32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The topic's shared name.
    pub fn topic_name(&self) -> &TopicName {
        &self.topic
    }

    /// The partition number.
    pub fn partition(&self) -> i32 {
        self.partition
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.topic, self.partition)
    }
}

/// One record header: a key and an optional value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's key.
    pub key: String,
    /// The header's value; `None` is a null header value.
    pub value: Option<Vec<u8>>,
}

/// A record's headers, in order. Keys may repeat, as in Kafka.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// Appends a header.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) {
        self.0.push(Header {
            key: key.into(),
            value: Some(value.into()),
        });
    }

    /// Appends a header with a null value.
    pub fn insert_null(&mut self, key: impl Into<String>) {
        self.0.push(Header {
            key: key.into(),
            value: None,
        });
    }

    /// Removes every header named `key` (as Java's `Headers.remove`).
    ///
    /// ```
    /// use kafka_client::Headers;
    /// let mut headers = Headers::new();
    /// headers.insert("a", "1");
    /// headers.insert("b", "2");
    /// headers.insert("a", "3");
    /// headers.remove("a");
    /// assert_eq!(headers.len(), 1);
    /// assert_eq!(headers.last("b"), Some(&b"2"[..]));
    /// ```
    pub fn remove(&mut self, key: &str) {
        self.0.retain(|h| h.key != key);
    }

    /// The value of the last header named `key`, if any (null values are `None`).
    pub fn last(&self, key: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .rev()
            .find(|h| h.key == key)
            .and_then(|h| h.value.as_deref())
    }

    /// The value of the last header named `key` as UTF-8 text, if it is.
    pub fn last_str(&self, key: &str) -> Option<&str> {
        self.last(key).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// All headers, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    /// All headers, in order, to change in place. A loop that sends many
    /// records can keep one `Headers` and rewrite its values for each (see
    /// [`Producer::enqueue_ref`](crate::Producer::enqueue_ref)) instead of
    /// allocating a new set per record.
    ///
    /// ```
    /// use kafka_client::Headers;
    /// let mut headers = Headers::new();
    /// headers.insert("seq", 1u32.to_be_bytes());
    /// for value in headers.iter_mut().filter_map(|h| h.value.as_mut()) {
    ///     value.copy_from_slice(&2u32.to_be_bytes());
    /// }
    /// assert_eq!(headers.last("seq"), Some(&2u32.to_be_bytes()[..]));
    /// ```
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Header> {
        self.0.iter_mut()
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn to_rdkafka(&self) -> Option<rdkafka::message::OwnedHeaders> {
        if self.0.is_empty() {
            return None;
        }
        let mut out = rdkafka::message::OwnedHeaders::new_with_capacity(self.0.len());
        for h in &self.0 {
            out = out.insert(rdkafka::message::Header {
                key: &h.key,
                value: h.value.as_deref(),
            });
        }
        Some(out)
    }

    pub(crate) fn from_rdkafka<H: rdkafka::message::Headers>(headers: Option<&H>) -> Self {
        let Some(headers) = headers else {
            return Headers::new();
        };
        Headers(
            headers
                .iter()
                .map(|h| Header {
                    key: h.key.to_string(),
                    value: h.value.map(<[u8]>::to_vec),
                })
                .collect(),
        )
    }
}

impl FromIterator<(String, Vec<u8>)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, Vec<u8>)>>(iter: I) -> Self {
        Headers(
            iter.into_iter()
                .map(|(key, value)| Header {
                    key,
                    value: Some(value),
                })
                .collect(),
        )
    }
}

/// A record to send, built step by step.
///
/// ```
/// use kafka_client::ProducerRecord;
/// let record = ProducerRecord::new("orders", "order-1".to_string())
///     .key("customer-7".to_string())
///     .timestamp(1_700_000_000_000)
///     .header("source", "web");
/// assert_eq!(record.topic(), "orders");
/// assert_eq!(record.key_ref(), Some(&"customer-7".to_string()));
/// ```
#[derive(Debug, Clone)]
pub struct ProducerRecord<K, V> {
    pub(crate) topic: TopicName,
    pub(crate) partition: Option<i32>,
    pub(crate) key: Option<K>,
    pub(crate) value: Option<V>,
    pub(crate) timestamp: Option<i64>,
    pub(crate) headers: Headers,
}

impl<K, V> ProducerRecord<K, V> {
    /// A record with a value and no key, bound for `topic`.
    pub fn new(topic: impl Into<TopicName>, value: V) -> Self {
        ProducerRecord {
            topic: topic.into(),
            partition: None,
            key: None,
            value: Some(value),
            timestamp: None,
            headers: Headers::new(),
        }
    }

    /// A record with an optional key and an optional value (`None` is a
    /// tombstone), bound for `topic`.
    pub fn from_parts(topic: impl Into<TopicName>, key: Option<K>, value: Option<V>) -> Self {
        ProducerRecord {
            topic: topic.into(),
            partition: None,
            key,
            value,
            timestamp: None,
            headers: Headers::new(),
        }
    }

    /// A tombstone (null value) for `key`, bound for `topic`.
    pub fn tombstone(topic: impl Into<TopicName>, key: K) -> Self {
        ProducerRecord {
            topic: topic.into(),
            partition: None,
            key: Some(key),
            value: None,
            timestamp: None,
            headers: Headers::new(),
        }
    }

    /// Sets the key.
    pub fn key(mut self, key: K) -> Self {
        self.key = Some(key);
        self
    }

    /// Sets or clears the key.
    pub fn maybe_key(mut self, key: Option<K>) -> Self {
        self.key = key;
        self
    }

    /// Sends to this partition, bypassing the partitioner.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Sets the record's timestamp (milliseconds since the epoch); by default
    /// the producer's clock is used.
    pub fn timestamp(mut self, timestamp_ms: i64) -> Self {
        self.timestamp = Some(timestamp_ms);
        self
    }

    /// Appends a header.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.insert(key, value);
        self
    }

    /// Replaces all headers.
    pub fn headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The explicit partition, if one was set.
    pub fn partition_ref(&self) -> Option<i32> {
        self.partition
    }

    /// The key, if any.
    pub fn key_ref(&self) -> Option<&K> {
        self.key.as_ref()
    }

    /// The value; `None` for a tombstone.
    pub fn value_ref(&self) -> Option<&V> {
        self.value.as_ref()
    }

    /// The explicit timestamp, if one was set.
    pub fn timestamp_ref(&self) -> Option<i64> {
        self.timestamp
    }

    /// The headers.
    pub fn headers_ref(&self) -> &Headers {
        &self.headers
    }

    /// Takes the record apart: (key, value, headers).
    pub fn into_parts(self) -> (Option<K>, Option<V>, Headers) {
        (self.key, self.value, self.headers)
    }
}

/// Where and when the broker stored a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The record's offset in the partition.
    pub offset: i64,
    /// The record's timestamp in milliseconds since the epoch, if known.
    pub timestamp: Option<i64>,
}

/// A record read from Kafka, with typed key and value.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerRecord<K, V> {
    /// The topic it was read from (shared by the records of that topic).
    pub topic: TopicName,
    /// The partition it was read from.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// Its timestamp in milliseconds since the epoch, if it has one.
    pub timestamp: Option<i64>,
    /// Its headers.
    pub headers: Headers,
    /// Its key; `None` for a null key.
    pub key: Option<K>,
    /// Its value; `None` for a tombstone.
    pub value: Option<V>,
}

impl<K, V> ConsumerRecord<K, V> {
    /// The record's topic and partition.
    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition::new(self.topic.clone(), self.partition)
    }

    /// The offset to commit once this record has been processed: offset + 1.
    pub fn next_offset(&self) -> i64 {
        self.offset + 1
    }
}
