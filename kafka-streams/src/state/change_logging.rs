//! The change-logging layer: every update becomes a changelog entry.

use std::ops::Bound;

use super::{BytesIter, KeyValueBytesStore};

/// One update of a store, as it goes to the changelog topic: the key and the
/// new value, or `None` (a tombstone) for a delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangelogEntry {
    /// The key's bytes.
    pub key: Vec<u8>,
    /// The new value's bytes; `None` when the key was deleted.
    pub value: Option<Vec<u8>>,
}

/// Wraps a bytes store and records every `put` and `delete` as a
/// [`ChangelogEntry`], in order, until [`drain`](Self::drain) takes them.
///
/// ```
/// use kafka_streams::state::{ChangeLoggingKeyValueStore, ChangelogEntry, InMemoryKeyValueStore, KeyValueBytesStore};
/// let mut store = ChangeLoggingKeyValueStore::new(Box::new(InMemoryKeyValueStore::new()));
/// store.put(b"k".to_vec(), b"v".to_vec());
/// store.delete(b"k");
/// assert_eq!(store.drain(), vec![
///     ChangelogEntry { key: b"k".to_vec(), value: Some(b"v".to_vec()) },
///     ChangelogEntry { key: b"k".to_vec(), value: None },
/// ]);
/// ```
#[derive(Debug)]
pub struct ChangeLoggingKeyValueStore {
    inner: Box<dyn KeyValueBytesStore>,
    pending: Vec<ChangelogEntry>,
}

impl ChangeLoggingKeyValueStore {
    /// Logs the updates of `inner`.
    pub fn new(inner: Box<dyn KeyValueBytesStore>) -> Self {
        ChangeLoggingKeyValueStore {
            inner,
            pending: Vec::new(),
        }
    }

    /// Takes the entries logged since the last call, oldest first.
    pub fn drain(&mut self) -> Vec<ChangelogEntry> {
        std::mem::take(&mut self.pending)
    }

    /// The wrapped store, for restoring without logging.
    pub fn inner_mut(&mut self) -> &mut dyn KeyValueBytesStore {
        self.inner.as_mut()
    }
}

impl KeyValueBytesStore for ChangeLoggingKeyValueStore {
    fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.inner.get(key)
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.pending.push(ChangelogEntry {
            key: key.clone(),
            value: Some(value.clone()),
        });
        self.inner.put(key, value);
    }

    fn delete(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.pending.push(ChangelogEntry {
            key: key.to_vec(),
            value: None,
        });
        self.inner.delete(key)
    }

    fn range<'a>(&'a self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> BytesIter<'a> {
        self.inner.range(from, to)
    }

    fn all(&self) -> BytesIter<'_> {
        self.inner.all()
    }

    fn len(&self) -> usize {
        self.inner.len()
    }
}
