//! A record lent by librdkafka for the length of a call: its key, value and
//! headers are read where librdkafka keeps them, nothing is copied.

use std::fmt;

use rdkafka::message::{BorrowedMessage, Headers as _, Message};

use crate::record::{ConsumerRecord, Headers, TopicName};

/// A record as librdkafka holds it, lent to the closure given to
/// [`Consumer::recv_with`](super::Consumer::recv_with) or
/// [`try_recv_with`](super::Consumer::try_recv_with). Reading it copies
/// nothing: a reader that deserializes from the bytes directly, or needs
/// only some fields, pays no allocation for the rest.
///
/// ```no_run
/// # async fn demo(consumer: kafka_client::Consumer<Vec<u8>, Vec<u8>>) -> kafka_client::Result<()> {
/// // The length of each value, and its `trace-id` header, without owning either.
/// let (size, traced) = consumer
///     .recv_with(|record| (record.value().map_or(0, <[u8]>::len), record.header("trace-id").is_some()))
///     .await?;
/// # Ok(()) }
/// ```
pub struct BorrowedRecord<'a> {
    message: &'a BorrowedMessage<'a>,
    topic: &'a TopicName,
}

impl<'a> BorrowedRecord<'a> {
    #[inline]
    pub(crate) fn new(message: &'a BorrowedMessage<'a>, topic: &'a TopicName) -> Self {
        BorrowedRecord { message, topic }
    }

    /// The topic it was read from.
    #[inline]
    pub fn topic(&self) -> &'a TopicName {
        self.topic
    }

    /// The partition it was read from.
    #[inline]
    pub fn partition(&self) -> i32 {
        self.message.partition()
    }

    /// Its offset in the partition.
    #[inline]
    pub fn offset(&self) -> i64 {
        self.message.offset()
    }

    /// Its timestamp in milliseconds since the epoch, if it has one.
    #[inline]
    pub fn timestamp(&self) -> Option<i64> {
        self.message.timestamp().to_millis()
    }

    /// Its key's bytes; `None` for a null key.
    #[inline]
    pub fn key(&self) -> Option<&'a [u8]> {
        self.message.key()
    }

    /// Its value's bytes; `None` for a tombstone.
    #[inline]
    pub fn value(&self) -> Option<&'a [u8]> {
        self.message.payload()
    }

    /// Its headers in order, as (key, value) pairs; a `None` value is a
    /// null header value.
    #[inline]
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, Option<&'a [u8]>)> + 'a {
        self.message
            .headers()
            .into_iter()
            .flat_map(|headers| headers.iter().map(|h| (h.key, h.value)))
    }

    /// The value of the last header named `key` (`None` when there is no
    /// such header, or its value is null), as [`Headers::last`] reads it.
    pub fn header(&self, key: &str) -> Option<&'a [u8]> {
        self.headers()
            .filter(|(k, _)| *k == key)
            .last()
            .and_then(|(_, value)| value)
    }

    /// An owned copy, as [`Consumer::recv`](super::Consumer::recv) gives
    /// it for byte keys and values.
    pub fn to_owned_record(&self) -> ConsumerRecord<Vec<u8>, Vec<u8>> {
        ConsumerRecord {
            topic: self.topic.clone(),
            partition: self.partition(),
            offset: self.offset(),
            timestamp: self.timestamp(),
            headers: Headers::from_rdkafka(self.message.headers()),
            key: self.key().map(<[u8]>::to_vec),
            value: self.value().map(<[u8]>::to_vec),
        }
    }
}

impl fmt::Debug for BorrowedRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BorrowedRecord")
            .field("topic", &self.topic)
            .field("partition", &self.partition())
            .field("offset", &self.offset())
            .field("timestamp", &self.timestamp())
            .field("key_len", &self.key().map(<[u8]>::len))
            .field("value_len", &self.value().map(<[u8]>::len))
            .finish()
    }
}
