//! Read-only typed views of stores, for interactive queries.

use super::session_store::{all_sessions, find_sessions};
use super::typed::{all, fmt_store, get, range, Codec};
use super::window_store::{all_windows, fetch_windows, get_window};
use super::{KeyValueBytesStore, KeyValueIter, ReadOnlyKeyValueStore};
use crate::dsl::Window;
use crate::error::Result;

/// Read-only typed access to a key-value store: what interactive queries and
/// the test driver hand out. It cannot write, so queries never produce
/// changelog records.
pub struct ReadOnlyKeyValueView<'a, K, V> {
    codec: Codec<'a, K, V>,
    store: &'a dyn KeyValueBytesStore,
}

impl<K, V> std::fmt::Debug for ReadOnlyKeyValueView<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_store(f, "ReadOnlyKeyValueView", &self.codec, self.store)
    }
}

impl<'a, K: 'static, V: 'static> ReadOnlyKeyValueView<'a, K, V> {
    pub(crate) fn new(codec: Codec<'a, K, V>, store: &'a dyn KeyValueBytesStore) -> Self {
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

/// Read-only typed access to a window store (one value per key and window
/// start), for interactive queries and the test driver.
pub struct ReadOnlyWindowView<'a, K, V> {
    codec: Codec<'a, K, V>,
    store: &'a dyn KeyValueBytesStore,
}

impl<K, V> std::fmt::Debug for ReadOnlyWindowView<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_store(f, "ReadOnlyWindowView", &self.codec, self.store)
    }
}

impl<'a, K: 'static, V: 'static> ReadOnlyWindowView<'a, K, V> {
    pub(crate) fn new(codec: Codec<'a, K, V>, store: &'a dyn KeyValueBytesStore) -> Self {
        ReadOnlyWindowView { codec, store }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.codec.name()
    }

    /// The value of `key` in the window starting at `start`.
    pub fn get(&self, key: &K, start: i64) -> Result<Option<V>> {
        get_window(&self.codec, self.store, key, start)
    }

    /// The windows of `key` that start between `from` and `to` (both
    /// included), by start time: `(start, value)`.
    pub fn fetch(&self, key: &K, from: i64, to: i64) -> Result<Vec<(i64, V)>> {
        fetch_windows(&self.codec, self.store, key, from, to)
    }

    /// Every window of every key: `(key, start, value)`, in key byte order.
    pub fn all(&self) -> Result<Vec<(K, i64, V)>> {
        all_windows(&self.codec, self.store)
    }
}

/// Read-only typed access to a session store (one value per key and
/// session window), for interactive queries and the test driver.
pub struct ReadOnlySessionView<'a, K, V> {
    codec: Codec<'a, K, V>,
    store: &'a dyn KeyValueBytesStore,
}

impl<K, V> std::fmt::Debug for ReadOnlySessionView<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_store(f, "ReadOnlySessionView", &self.codec, self.store)
    }
}

impl<'a, K: 'static, V: 'static> ReadOnlySessionView<'a, K, V> {
    pub(crate) fn new(codec: Codec<'a, K, V>, store: &'a dyn KeyValueBytesStore) -> Self {
        ReadOnlySessionView { codec, store }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.codec.name()
    }

    /// Every session of `key`, by end time: `(window, value)`.
    pub fn fetch(&self, key: &K) -> Result<Vec<(Window, V)>> {
        find_sessions(&self.codec, self.store, key, 0, i64::MAX)
    }

    /// The sessions of `key` that end at or after `earliest_end` and start
    /// at or before `latest_start`, by end time.
    pub fn find_sessions(
        &self,
        key: &K,
        earliest_end: i64,
        latest_start: i64,
    ) -> Result<Vec<(Window, V)>> {
        find_sessions(&self.codec, self.store, key, earliest_end, latest_start)
    }

    /// Every session of every key: `(key, window, value)`.
    pub fn all(&self) -> Result<Vec<(K, Window, V)>> {
        all_sessions(&self.codec, self.store)
    }
}
