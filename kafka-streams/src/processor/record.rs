//! The record that flows between processors.

use kafka_client::Headers;

/// A record inside a topology: an optional key, an optional value (`None` is
/// a tombstone), a timestamp in milliseconds and headers.
///
/// ```
/// use kafka_streams::processor::Record;
/// let r = Record::new(Some("k".to_string()), Some(1i64), 42).with_value(Some(2i64));
/// assert_eq!(r.key(), Some(&"k".to_string()));
/// assert_eq!(r.value(), Some(&2));
/// assert_eq!(r.timestamp(), 42);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Record<K, V> {
    pub(crate) key: Option<K>,
    pub(crate) value: Option<V>,
    pub(crate) timestamp: i64,
    pub(crate) headers: Headers,
}

impl<K, V> Record<K, V> {
    /// A record without headers.
    pub fn new(key: Option<K>, value: Option<V>, timestamp: i64) -> Self {
        Record {
            key,
            value,
            timestamp,
            headers: Headers::new(),
        }
    }

    /// The key; `None` for a null key.
    pub fn key(&self) -> Option<&K> {
        self.key.as_ref()
    }

    /// The value; `None` for a tombstone.
    pub fn value(&self) -> Option<&V> {
        self.value.as_ref()
    }

    /// The timestamp in milliseconds since the epoch.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The same record with another key (and key type).
    pub fn with_key<K2>(self, key: Option<K2>) -> Record<K2, V> {
        Record {
            key,
            value: self.value,
            timestamp: self.timestamp,
            headers: self.headers,
        }
    }

    /// The same record with another value (and value type).
    pub fn with_value<V2>(self, value: Option<V2>) -> Record<K, V2> {
        Record {
            key: self.key,
            value,
            timestamp: self.timestamp,
            headers: self.headers,
        }
    }

    /// The same record with another timestamp.
    pub fn with_timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = timestamp;
        self
    }

    /// The same record with other headers.
    pub fn with_headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }

    /// Takes the record apart: (key, value, timestamp, headers).
    pub fn into_parts(self) -> (Option<K>, Option<V>, i64, Headers) {
        (self.key, self.value, self.timestamp, self.headers)
    }
}
