//! Window stores: one value per key and window start.
//!
//! A window store sits on the same ordered bytes map and change-logging
//! layer as a key-value store; the window start is part of the stored key:
//!
//! ```text
//! stored key = serialized key ++ window start (8 bytes, big-endian)
//! ```
//!
//! which is the layout of Kafka's `TimeWindowedSerializer` (and of the keys
//! in Kafka's window-store changelogs, minus their 4-byte sequence number),
//! so restoring is the byte-wise key-value restore. Timestamps are never
//! negative (timestamp extractors reject negative times, windows start at 0
//! or later), so big-endian bytes sort like the numbers.
//!
//! Because keys have different lengths, a byte range `key ++ from ..= key
//! ++ to` may also hold entries of longer keys that start with the same
//! bytes; [`split_window_key`] and the length check filter them out.
//!
//! Retention: entries are removed by [`WindowStoreHandle::remove_older_than`],
//! which the operators call as stream time passes the retention period
//! (removals are logged as tombstones, so a restored store has no expired
//! windows either).

use std::ops::Bound;

use super::typed::{fmt_store, Codec};
use super::KeyValueBytesStore;
use crate::error::Result;

/// `key ++ start (8 bytes big-endian)`.
pub(crate) fn window_key(key: &[u8], start: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 8);
    out.extend_from_slice(key);
    out.extend_from_slice(&start.to_be_bytes());
    out
}

/// Splits a stored window key into the key bytes and the window start.
pub(crate) fn split_window_key(bytes: &[u8]) -> Option<(&[u8], i64)> {
    let split = bytes.len().checked_sub(8)?;
    let (key, start) = bytes.split_at(split);
    let start: [u8; 8] = start.try_into().ok()?;
    Some((key, i64::from_be_bytes(start)))
}

/// Typed access to a window store, as processors get it from
/// [`ProcessorContext::window_store`](crate::processor::ProcessorContext::window_store).
pub struct WindowStoreHandle<'a, K, V> {
    codec: Codec<'a, K, V>,
    store: &'a mut dyn KeyValueBytesStore,
}

impl<K, V> std::fmt::Debug for WindowStoreHandle<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_store(f, "WindowStoreHandle", &self.codec, &*self.store)
    }
}

impl<'a, K: 'static, V: 'static> WindowStoreHandle<'a, K, V> {
    pub(crate) fn new(codec: Codec<'a, K, V>, store: &'a mut dyn KeyValueBytesStore) -> Self {
        WindowStoreHandle { codec, store }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.codec.name()
    }

    /// The value of `key` in the window starting at `start`.
    pub fn get(&self, key: &K, start: i64) -> Result<Option<V>> {
        get_window(&self.codec, &*self.store, key, start)
    }

    /// Stores `value` for `key` in the window starting at `start`; `None`
    /// removes it.
    pub fn put(&mut self, key: &K, start: i64, value: Option<&V>) -> Result<()> {
        let stored = window_key(&self.codec.key_bytes(key)?, start);
        match value {
            Some(v) => {
                let bytes = self.codec.value_bytes(v)?;
                self.store.put(stored, bytes);
            }
            None => {
                if self.store.get(&stored).is_some() {
                    self.store.delete(&stored);
                }
            }
        }
        Ok(())
    }

    /// The windows of `key` that start between `from` and `to` (both
    /// included), by start time: `(start, value)`.
    pub fn fetch(&self, key: &K, from: i64, to: i64) -> Result<Vec<(i64, V)>> {
        fetch_windows(&self.codec, &*self.store, key, from, to)
    }

    /// Every window of every key: `(key, start, value)`, in key byte order.
    pub fn all(&self) -> Result<Vec<(K, i64, V)>> {
        all_windows(&self.codec, &*self.store)
    }

    /// Removes every window that starts before `min_start`; returns how many.
    pub fn remove_older_than(&mut self, min_start: i64) -> usize {
        let expired: Vec<Vec<u8>> = self
            .store
            .all()
            .filter(|(k, _)| split_window_key(k).is_some_and(|(_, s)| s < min_start))
            .map(|(k, _)| k.to_vec())
            .collect();
        for k in &expired {
            self.store.delete(k);
        }
        expired.len()
    }
}

/// The value of `key` in the window starting at `start`.
pub(crate) fn get_window<K: 'static, V: 'static>(
    codec: &Codec<'_, K, V>,
    store: &dyn KeyValueBytesStore,
    key: &K,
    start: i64,
) -> Result<Option<V>> {
    let stored = window_key(&codec.key_bytes(key)?, start);
    store.get(&stored).map(|v| codec.value(v)).transpose()
}

/// The windows of `key` that start in `from..=to`: `(start, value)`.
pub(crate) fn fetch_windows<K: 'static, V: 'static>(
    codec: &Codec<'_, K, V>,
    store: &dyn KeyValueBytesStore,
    key: &K,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, V)>> {
    let key = codec.key_bytes(key)?;
    fetch_bytes(store, &key, from, to)
        .into_iter()
        .map(|(start, v)| Ok((start, codec.value(v)?)))
        .collect()
}

/// Every window of every key: `(key, start, value)`, in key byte order.
pub(crate) fn all_windows<K: 'static, V: 'static>(
    codec: &Codec<'_, K, V>,
    store: &dyn KeyValueBytesStore,
) -> Result<Vec<(K, i64, V)>> {
    store
        .all()
        .filter_map(|(k, v)| split_window_key(k).map(|(k, s)| (k, s, v)))
        .map(|(k, s, v)| Ok((codec.key(k)?, s, codec.value(v)?)))
        .collect()
}

/// The `(start, value bytes)` of the windows of `key` starting in `from..=to`.
pub(crate) fn fetch_bytes<'s>(
    store: &'s dyn KeyValueBytesStore,
    key: &[u8],
    from: i64,
    to: i64,
) -> Vec<(i64, &'s [u8])> {
    let from = from.max(0);
    if to < from {
        return Vec::new();
    }
    let lower = window_key(key, from);
    let upper = window_key(key, to);
    store
        .range(Bound::Included(&lower), Bound::Included(&upper))
        .filter(|(k, _)| k.len() == key.len() + 8)
        .filter_map(|(k, v)| {
            let (stored_key, start) = split_window_key(k)?;
            (stored_key == key).then_some((start, v))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::state::InMemoryKeyValueStore;

    #[test]
    fn fetch_ignores_longer_keys_with_the_same_prefix() {
        let mut store = InMemoryKeyValueStore::new();
        store.put(window_key(b"a", 5), b"a5".to_vec());
        store.put(window_key(b"a", 10), b"a10".to_vec());
        // "a\0" + 0 sorts between "a" + 5 and "a" + 10 in byte order.
        store.put(window_key(b"a\0", 0), b"other".to_vec());
        let got = fetch_bytes(&store, b"a", 0, 10);
        assert_eq!(got, vec![(5, &b"a5"[..]), (10, &b"a10"[..])]);
        assert!(fetch_bytes(&store, b"a", 6, 9).is_empty());
        assert!(fetch_bytes(&store, b"a", 9, 6).is_empty());
        assert_eq!(
            split_window_key(&window_key(b"xy", 42)),
            Some((&b"xy"[..], 42))
        );
        assert_eq!(split_window_key(b"short"), None);
    }
}
