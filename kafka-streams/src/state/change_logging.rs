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
    /// Whether `inner` notes the changed keys itself (see
    /// [`KeyValueBytesStore::track_changes`]); if not, `dirty` does.
    inner_tracks: bool,
    /// Keys changed since the last drain, when `inner` does not note them.
    dirty: FxHashSet<Vec<u8>>,
}

impl ChangeLoggingKeyValueStore {
    /// Logs the updates of `inner`.
    pub fn new(mut inner: Box<dyn KeyValueBytesStore>) -> Self {
        let inner_tracks = inner.track_changes(true);
        ChangeLoggingKeyValueStore {
            inner,
            inner_tracks,
            dirty: FxHashSet::default(),
        }
    }

    /// One entry per key changed since the last call, in key order, with
    /// the key's current value.
    pub fn drain(&mut self) -> Vec<ChangelogEntry> {
        let mut dirty: Vec<Vec<u8>> = if self.inner_tracks {
            self.inner.take_changed()
        } else {
            self.dirty.drain().collect()
        };
        dirty.sort_unstable();
        dirty.dedup();
        dirty
            .into_iter()
            .map(|key| {
                let value = self.inner.get(&key).map(<[u8]>::to_vec);
                ChangelogEntry { key, value }
            })
            .collect()
    }

    /// How many keys changed since the last [`drain`](Self::drain) (a key
    /// deleted and written again may count twice).
    pub fn pending(&self) -> usize {
        if self.inner_tracks {
            self.inner.changed_count()
        } else {
            self.dirty.len()
        }
    }

    fn mark(&mut self, key: &[u8]) {
        if !self.inner_tracks && !self.dirty.contains(key) {
            self.dirty.insert(key.to_vec());
        }
    }

    /// Applies a changelog record to the wrapped store without logging it
    /// (restoring the store from its changelog).
    pub fn restore(&mut self, key: &[u8], value: Option<&[u8]>) {
        if self.inner_tracks {
            self.inner.track_changes(false);
        }
        super::restore(self.inner.as_mut(), key, value);
        if self.inner_tracks {
            self.inner.track_changes(true);
        }
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
        if self.inner_tracks {
            return self.inner.update(key, update);
        }
        let mut changed = false;
        self.inner.update(key, &mut |present, out| {
            changed = update(present, out);
            changed
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::state::InMemoryKeyValueStore;

    /// The in-memory store without its own change tracking: the layer
    /// keeps the changed keys itself, as it does for any other store.
    #[derive(Debug, Default)]
    struct Untracked(InMemoryKeyValueStore);

    impl KeyValueBytesStore for Untracked {
        fn get(&self, key: &[u8]) -> Option<&[u8]> {
            self.0.get(key)
        }
        fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
            self.0.put(key, value)
        }
        fn delete(&mut self, key: &[u8]) -> Option<Vec<u8>> {
            self.0.delete(key)
        }
        fn range<'a>(&'a self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> BytesIter<'a> {
            self.0.range(from, to)
        }
        fn all(&self) -> BytesIter<'_> {
            self.0.all()
        }
        fn len(&self) -> usize {
            self.0.len()
        }
    }

    /// Random writes, deletes, restores and drains: the store that notes
    /// its own changes gives the layer the same changelog entries as the
    /// layer's own bookkeeping.
    #[test]
    fn the_stores_own_change_marks_log_what_the_layer_would() {
        let mut tracked = ChangeLoggingKeyValueStore::new(Box::new(InMemoryKeyValueStore::new()));
        let mut reference = ChangeLoggingKeyValueStore::new(Box::<Untracked>::default());
        assert!(tracked.inner_tracks && !reference.inner_tracks);
        let mut next = crate::state::test_random(0x9e37_79b9_7f4a_7c15);
        let mut drained = 0;
        for step in 0..30_000u64 {
            let key = vec![b'k', next(50) as u8];
            let value = step.to_be_bytes().to_vec();
            for store in [&mut tracked, &mut reference] {
                match step % 7 {
                    0 | 1 => store.put(key.clone(), value.clone()),
                    2 => store.upsert(&key, value.clone()),
                    3 => store.update(&key, &mut |present, out| {
                        // Leaves every other present value alone.
                        out.extend_from_slice(&value);
                        present.is_none() || step % 2 == 0
                    }),
                    4 => {
                        store.delete(&key);
                    }
                    // Restored records are not logged.
                    5 => store.restore(&key, (step % 3 != 0).then_some(&value[..])),
                    _ => {}
                }
            }
            assert_eq!(tracked.get(&key), reference.get(&key));
            if next(40) == 0 {
                let (a, b) = (tracked.drain(), reference.drain());
                assert_eq!(a, b, "step {step}");
                drained += a.len();
            }
        }
        assert_eq!(tracked.drain(), reference.drain());
        assert!(drained > 1_000, "the drains compared something: {drained}");
    }
}
