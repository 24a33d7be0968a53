//! Event time: where a record's timestamp comes from.
//!
//! By default a record's time is the timestamp it carries in Kafka
//! ([`RecordTimestamp`]). A [`TimestampExtractor`] can take it from the key
//! or value instead ([`ValueTimestamp`]). Each task keeps *stream time*, the
//! largest timestamp it has seen; stream-time punctuations follow it.
//! A negative extracted timestamp is an error (Kafka's
//! `FailOnInvalidTimestamp`), carrying the record's origin.

use std::fmt;

/// Chooses the event time of a consumed record.
pub trait TimestampExtractor<K, V>: Send + Sync + 'static {
    /// The record's event time in milliseconds. `record_timestamp` is the
    /// timestamp the record carries; `partition_time` is the task's stream
    /// time so far (`None` before the first record).
    fn extract(
        &self,
        key: Option<&K>,
        value: Option<&V>,
        record_timestamp: i64,
        partition_time: Option<i64>,
    ) -> i64;
}

/// The record's own timestamp (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordTimestamp;

impl<K, V> TimestampExtractor<K, V> for RecordTimestamp {
    fn extract(&self, _: Option<&K>, _: Option<&V>, record_timestamp: i64, _: Option<i64>) -> i64 {
        record_timestamp
    }
}

/// Event time taken from the value by a function; records without a value
/// (tombstones) keep their record timestamp.
///
/// ```
/// use kafka_streams::time::{TimestampExtractor, ValueTimestamp};
/// let extractor = ValueTimestamp::new(|v: &(String, i64)| v.1);
/// let value = ("click".to_string(), 1_000);
/// assert_eq!(TimestampExtractor::<String, _>::extract(&extractor, None, Some(&value), 5, None), 1_000);
/// assert_eq!(TimestampExtractor::<String, (String, i64)>::extract(&extractor, None, None, 5, None), 5);
/// ```
pub struct ValueTimestamp<F>(F);

impl<F> ValueTimestamp<F> {
    /// Event time is `f(value)`.
    pub fn new(f: F) -> Self {
        ValueTimestamp(f)
    }
}

impl<F> fmt::Debug for ValueTimestamp<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ValueTimestamp")
    }
}

impl<K, V, F> TimestampExtractor<K, V> for ValueTimestamp<F>
where
    F: Fn(&V) -> i64 + Send + Sync + 'static,
{
    fn extract(
        &self,
        _: Option<&K>,
        value: Option<&V>,
        record_timestamp: i64,
        _: Option<i64>,
    ) -> i64 {
        value.map_or(record_timestamp, |v| (self.0)(v))
    }
}
