//! What a failed send gives back: the error and the record's data.

use std::fmt;

use crate::error::Error;
use crate::record::{Headers, ProducerRecord};

/// A record that was handed to the producer but not delivered, with its
/// serialized data so that it can be retried, logged or parked elsewhere.
#[derive(Debug)]
pub struct DeliveryFailure {
    /// Why it was not delivered.
    pub error: Error,
    /// Its topic.
    pub topic: String,
    /// The partition it was bound for.
    pub partition: i32,
    /// Its serialized key; `None` for a null key (or when the producer was
    /// destroyed before the outcome was known).
    pub key: Option<Vec<u8>>,
    /// Its serialized value; `None` for a tombstone (or when the producer
    /// was destroyed before the outcome was known).
    pub value: Option<Vec<u8>>,
    /// Its headers.
    pub headers: Headers,
    /// Its timestamp in milliseconds since the epoch, if known.
    pub timestamp: Option<i64>,
}

impl fmt::Display for DeliveryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (partition {})", self.error, self.partition)
    }
}

impl std::error::Error for DeliveryFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<DeliveryFailure> for Error {
    fn from(failure: DeliveryFailure) -> Self {
        failure.error
    }
}

/// A typed send that failed: the error and the record, handed back
/// untouched so that the caller can retry it or put it elsewhere.
///
/// Converts into [`Error`] (dropping the record), so `?` works in functions
/// that return [`crate::Result`].
pub struct SendError<K, V> {
    /// Why the send failed.
    pub error: Error,
    /// The record that was not sent.
    pub record: ProducerRecord<K, V>,
}

impl<K, V> SendError<K, V> {
    /// The error, dropping the record.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl<K, V> fmt::Debug for SendError<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError")
            .field("error", &self.error)
            .field("topic", &self.record.topic())
            .field("partition", &self.record.partition_ref())
            .finish_non_exhaustive()
    }
}

impl<K, V> fmt::Display for SendError<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<K, V> std::error::Error for SendError<K, V> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<K, V> From<SendError<K, V>> for Error {
    fn from(error: SendError<K, V>) -> Self {
        error.error
    }
}
