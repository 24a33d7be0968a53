//! Piping records into the topology.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use kafka_client::serde::Serializer;
use kafka_client::Headers;

use super::state::DriverState;
use super::TestRecord;
use crate::error::{Error, Result};

/// Pipes records into one input topic. Every `pipe_*` call runs the
/// record through the whole topology before returning.
///
/// Records without an explicit timestamp get the driver's current
/// wall-clock time.
pub struct TestInputTopic<K, V> {
    state: Rc<RefCell<DriverState>>,
    topic: String,
    keys: Box<dyn Serializer<K>>,
    values: Box<dyn Serializer<V>>,
}

impl<K, V> fmt::Debug for TestInputTopic<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestInputTopic")
            .field("topic", &self.topic)
            .finish()
    }
}

impl<K: 'static, V: 'static> TestInputTopic<K, V> {
    pub(crate) fn new(
        state: Rc<RefCell<DriverState>>,
        topic: String,
        keys: Box<dyn Serializer<K>>,
        values: Box<dyn Serializer<V>>,
    ) -> Self {
        TestInputTopic {
            state,
            topic,
            keys,
            values,
        }
    }

    /// The topic's name.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Pipes a full record.
    pub fn pipe_record(&self, record: TestRecord<K, V>) -> Result<()> {
        let failure = |part: &str, e: kafka_client::serde::SerdeError| {
            Error::TestDriver(format!(
                "could not serialize the {part} of an input record for `{}`: {e}",
                self.topic
            ))
        };
        let key = record
            .key
            .as_ref()
            .map(|k| self.keys.serialize(&self.topic, k))
            .transpose()
            .map_err(|e| failure("key", e))?;
        let value = record
            .value
            .as_ref()
            .map(|v| self.values.serialize(&self.topic, v))
            .transpose()
            .map_err(|e| failure("value", e))?;
        self.pipe_bytes(key, value, record.timestamp, record.headers)
    }

    /// Pipes raw bytes, as a producer with another serializer might have
    /// written them (to test deserialization errors, for instance).
    pub fn pipe_bytes(
        &self,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        timestamp: i64,
        headers: Headers,
    ) -> Result<()> {
        self.state
            .borrow_mut()
            .pipe(&self.topic, key, value, timestamp, headers)
    }

    fn now(&self) -> i64 {
        self.state.borrow().wall_clock()
    }

    /// Pipes a keyed record at the current wall-clock time.
    pub fn pipe_input(&self, key: K, value: V) -> Result<()> {
        self.pipe_input_at(key, value, self.now())
    }

    /// Pipes a keyed record with this timestamp.
    pub fn pipe_input_at(&self, key: K, value: V, timestamp: i64) -> Result<()> {
        self.pipe_record(TestRecord::new(Some(key), Some(value), timestamp))
    }

    /// Pipes a record without a key.
    pub fn pipe_value(&self, value: V) -> Result<()> {
        self.pipe_value_at(value, self.now())
    }

    /// Pipes a record without a key, with this timestamp.
    pub fn pipe_value_at(&self, value: V, timestamp: i64) -> Result<()> {
        self.pipe_record(TestRecord::new(None, Some(value), timestamp))
    }

    /// Pipes a tombstone (a null value) for `key`.
    pub fn pipe_tombstone(&self, key: K) -> Result<()> {
        self.pipe_tombstone_at(key, self.now())
    }

    /// Pipes a tombstone for `key` with this timestamp.
    pub fn pipe_tombstone_at(&self, key: K, timestamp: i64) -> Result<()> {
        self.pipe_record(TestRecord::new(Some(key), None, timestamp))
    }

    /// Pipes keyed records in order, at the current wall-clock time.
    pub fn pipe_key_value_list(&self, records: impl IntoIterator<Item = (K, V)>) -> Result<()> {
        records
            .into_iter()
            .try_for_each(|(k, v)| self.pipe_input(k, v))
    }

    /// Pipes unkeyed records in order, at the current wall-clock time.
    pub fn pipe_value_list(&self, values: impl IntoIterator<Item = V>) -> Result<()> {
        values.into_iter().try_for_each(|v| self.pipe_value(v))
    }
}
