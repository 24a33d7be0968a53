//! Read-only typed views of stores, for interactive queries.

use super::typed::{all, get, range, Codec};
use super::{KeyValueBytesStore, KeyValueIter, ReadOnlyKeyValueStore};
use crate::error::Result;

/// Read-only typed access to a key-value store: what interactive queries and
/// the test driver hand out. It cannot write, so queries never produce
/// changelog records.
pub struct ReadOnlyKeyValueView<'a, K, V> {
    codec: Codec<K, V>,
    store: &'a dyn KeyValueBytesStore,
}

impl<K, V> std::fmt::Debug for ReadOnlyKeyValueView<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlyKeyValueView")
            .field("store", &self.codec)
            .field("entries", &self.store.len())
            .finish()
    }
}

impl<'a, K: 'static, V: 'static> ReadOnlyKeyValueView<'a, K, V> {
    pub(crate) fn new(codec: Codec<K, V>, store: &'a dyn KeyValueBytesStore) -> Self {
        ReadOnlyKeyValueView { codec, store }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.codec.name()
    }
}

impl<K: 'static, V: 'static> ReadOnlyKeyValueStore<K, V> for ReadOnlyKeyValueView<'_, K, V> {
    fn get(&self, key: &K) -> Result<Option<V>> {
        get(&self.codec, self.store, key)
    }

    fn range(&self, from: &K, to: &K) -> Result<KeyValueIter<'_, K, V>> {
        range(&self.codec, self.store, from, to)
    }

    fn all(&self) -> KeyValueIter<'_, K, V> {
        all(&self.codec, self.store)
    }

    fn approximate_num_entries(&self) -> usize {
        self.store.len()
    }
}
