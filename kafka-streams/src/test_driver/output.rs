//! Reading what the topology wrote.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use kafka_client::serde::Deserializer;
use kafka_client::Headers;

use super::state::DriverState;
use crate::error::{Error, Result};
use crate::task::SinkRecord;

/// A record as a test sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRecord<K, V> {
    /// The key; `None` for a null key.
    pub key: Option<K>,
    /// The value; `None` for a tombstone.
    pub value: Option<V>,
    /// The timestamp in milliseconds.
    pub timestamp: i64,
    /// The headers.
    pub headers: Headers,
}

impl<K, V> TestRecord<K, V> {
    /// A record without headers.
    pub fn new(key: Option<K>, value: Option<V>, timestamp: i64) -> Self {
        TestRecord {
            key,
            value,
            timestamp,
            headers: Headers::new(),
        }
    }
}

pub(crate) fn decode<K: 'static, V: 'static>(
    topic: &str,
    record: &SinkRecord,
    keys: &dyn Deserializer<K>,
    values: &dyn Deserializer<V>,
) -> Result<TestRecord<K, V>> {
    let failure = |part: &str, e: kafka_client::serde::SerdeError| {
        Error::TestDriver(format!(
            "could not deserialize the {part} of a record in `{topic}`: {e}"
        ))
    };
    Ok(TestRecord {
        key: record
            .key
            .as_deref()
            .map(|b| keys.deserialize(topic, b))
            .transpose()
            .map_err(|e| failure("key", e))?,
        value: record
            .value
            .as_deref()
            .map(|b| values.deserialize(topic, b))
            .transpose()
            .map_err(|e| failure("value", e))?,
        timestamp: record.timestamp,
        headers: record.headers.clone(),
    })
}

/// Reads the records the topology wrote to one topic, oldest first; each
/// record is read once.
pub struct TestOutputTopic<K, V> {
    state: Rc<RefCell<DriverState>>,
    topic: String,
    keys: Box<dyn Deserializer<K>>,
    values: Box<dyn Deserializer<V>>,
}

impl<K, V> fmt::Debug for TestOutputTopic<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestOutputTopic")
            .field("topic", &self.topic)
            .finish()
    }
}

impl<K: 'static, V: 'static> TestOutputTopic<K, V> {
    pub(crate) fn new(
        state: Rc<RefCell<DriverState>>,
        topic: String,
        keys: Box<dyn Deserializer<K>>,
        values: Box<dyn Deserializer<V>>,
    ) -> Self {
        TestOutputTopic {
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

    /// How many records are waiting to be read.
    pub fn queue_size(&self) -> usize {
        self.state.borrow().output_len(&self.topic)
    }

    /// Whether no record is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue_size() == 0
    }

    /// The next record, if any.
    pub fn read_record(&self) -> Result<Option<TestRecord<K, V>>> {
        let next = self.state.borrow_mut().pop_output(&self.topic);
        next.map(|r| decode(&self.topic, &r, self.keys.as_ref(), self.values.as_ref()))
            .transpose()
    }

    /// Every waiting record.
    pub fn read_records_to_list(&self) -> Result<Vec<TestRecord<K, V>>> {
        let mut out = Vec::new();
        while let Some(r) = self.read_record()? {
            out.push(r);
        }
        Ok(out)
    }

    /// Every waiting record as `(key, value)`; a null key or value is an
    /// error (use [`read_records_to_list`](Self::read_records_to_list)).
    pub fn read_key_values_to_list(&self) -> Result<Vec<(K, V)>> {
        self.read_records_to_list()?
            .into_iter()
            .map(|r| match (r.key, r.value) {
                (Some(k), Some(v)) => Ok((k, v)),
                _ => Err(self.has_null("key or value")),
            })
            .collect()
    }

    /// Every waiting record's value; a tombstone is an error.
    pub fn read_values_to_list(&self) -> Result<Vec<V>> {
        self.read_records_to_list()?
            .into_iter()
            .map(|r| r.value.ok_or_else(|| self.has_null("value")))
            .collect()
    }

    /// The latest value per key of every waiting record (tombstones
    /// remove the key); a null key is an error.
    pub fn read_key_values_to_map(&self) -> Result<BTreeMap<K, V>>
    where
        K: Ord,
    {
        let mut map = BTreeMap::new();
        for r in self.read_records_to_list()? {
            let key = r.key.ok_or_else(|| self.has_null("key"))?;
            match r.value {
                Some(v) => map.insert(key, v),
                None => map.remove(&key),
            };
        }
        Ok(map)
    }

    fn has_null(&self, what: &str) -> Error {
        Error::TestDriver(format!(
            "a record in `{}` has a null {what}: read it with read_records_to_list",
            self.topic
        ))
    }
}
