//! The change-logging layer: every updated key becomes a changelog entry.

use std::ops::Bound;

use rustc_hash::FxHashSet;

use super::{BytesIter, KeyValueBytesStore, ValueUpdate};

/// One update of a store, as it goes to the changelog topic: the key and the
/// new value, or `None` (a tombstone) for a delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangelogEntry {
    /// The key's bytes.
    pub key: Vec<u8>,
    /// The new value's bytes; `None` when the key was deleted.
    pub value: Option<Vec<u8>>,
}

/// Wraps a bytes store and remembers which keys `put` and `delete` changed;
/// [`drain`](Self::drain) turns each into one [`ChangelogEntry`] with the
/// key's value at that moment (a tombstone if it is gone).
///
/// A changelog topic is compacted: only each key's latest value matters
/// for a restore. So, like Kafka Streams' record cache, this sends one
/// record per changed key and commit interval instead of one per update
/// (the runtime drains at each commit, the test driver after each record).
///
/// ```
/// use kafka_streams::state::{ChangeLoggingKeyValueStore, ChangelogEntry, InMemoryKeyValueStore, KeyValueBytesStore};
/// let mut store = ChangeLoggingKeyValueStore::new(Box::new(InMemoryKeyValueStore::new()));
/// store.put(b"k".to_vec(), b"1".to_vec());
/// store.put(b"k".to_vec(), b"2".to_vec());
/// store.put(b"gone".to_vec(), b"x".to_vec());
/// store.delete(b"gone");
/// assert_eq!(store.pending(), 2);
/// assert_eq!(store.drain(), vec![
///     ChangelogEntry { key: b"gone".to_vec(), value: None },
///     ChangelogEntry { key: b"k".to_vec(), value: Some(b"2".to_vec()) },
/// ]);
/// assert!(store.drain().is_empty());
/// ```
#[derive(Debug)]
pub struct ChangeLoggingKeyValueStore {
    inner: Box<dyn KeyValueBytesStore>,
    /// Keys changed since the last drain.
    dirty: FxHashSet<Vec<u8>>,
}

impl ChangeLoggingKeyValueStore {
    /// Logs the updates of `inner`.
    pub fn new(inner: Box<dyn KeyValueBytesStore>) -> Self {
        ChangeLoggingKeyValueStore {
            inner,
            dirty: FxHashSet::default(),
        }
    }

    /// One entry per key changed since the last call, in key order, with
    /// the key's current value.
    pub fn drain(&mut self) -> Vec<ChangelogEntry> {
        let mut dirty: Vec<Vec<u8>> = self.dirty.drain().collect();
        dirty.sort_unstable();
        dirty
            .into_iter()
            .map(|key| {
                let value = self.inner.get(&key).map(<[u8]>::to_vec);
                ChangelogEntry { key, value }
            })
            .collect()
    }

    /// How many keys changed since the last [`drain`](Self::drain).
    pub fn pending(&self) -> usize {
        self.dirty.len()
    }

    fn mark(&mut self, key: &[u8]) {
        if !self.dirty.contains(key) {
            self.dirty.insert(key.to_vec());
        }
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
        self.mark(&key);
        self.inner.put(key, value);
    }

    fn upsert(&mut self, key: &[u8], value: Vec<u8>) {
        self.mark(key);
        self.inner.upsert(key, value);
    }

    fn update(&mut self, key: &[u8], update: &mut ValueUpdate<'_>) {
        let mut changed = false;
        self.inner.update(key, &mut |present| {
            let value = update(present);
            changed = value.is_some();
            value
        });
        if changed {
            self.mark(key);
        }
    }

    fn delete(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.mark(key);
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
