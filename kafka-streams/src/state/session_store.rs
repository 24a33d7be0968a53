//! Session stores: one value per key and session window.
//!
//! Like window stores, sessions live in the ordered bytes map with the
//! window in the stored key, laid out as Kafka's `SessionKeySchema` (and
//! `SessionWindowedSerializer`) do:
//!
//! ```text
//! stored key = serialized key ++ end (8 bytes BE) ++ start (8 bytes BE)
//! ```
//!
//! Both ends of a session are inclusive. Finding the sessions of a key that
//! end at or after `earliest_end` and start at or before `latest_start` is a
//! range scan from `key ++ earliest_end` over the key's entries (sorted by
//! end), filtered by start.

use std::ops::Bound;

use super::typed::{fmt_store, Codec};
use super::KeyValueBytesStore;
use crate::dsl::Window;
use crate::error::Result;

/// `key ++ end ++ start`, both 8 bytes big-endian.
pub(crate) fn session_key(key: &[u8], window: Window) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 16);
    out.extend_from_slice(key);
    out.extend_from_slice(&window.end().to_be_bytes());
    out.extend_from_slice(&window.start().to_be_bytes());
    out
}

/// Splits a stored session key into the key bytes and the window.
pub(crate) fn split_session_key(bytes: &[u8]) -> Option<(&[u8], Window)> {
    let split = bytes.len().checked_sub(16)?;
    let (key, times) = bytes.split_at(split);
    let end: [u8; 8] = times.get(..8)?.try_into().ok()?;
    let start: [u8; 8] = times.get(8..)?.try_into().ok()?;
    Some((
        key,
        Window::new(i64::from_be_bytes(start), i64::from_be_bytes(end)),
    ))
}

/// The sessions of `key` that end at or after `earliest_end` and start at
/// or before `latest_start`, by end time.
pub(crate) fn find_sessions<K: 'static, V: 'static>(
    codec: &Codec<'_, K, V>,
    store: &dyn KeyValueBytesStore,
    key: &K,
    earliest_end: i64,
    latest_start: i64,
) -> Result<Vec<(Window, V)>> {
    let key = codec.key_bytes(key)?;
    let lower = session_key(&key, Window::new(0, earliest_end.max(0)));
    let upper = session_key(&key, Window::new(i64::MAX, i64::MAX));
    store
        .range(Bound::Included(&lower), Bound::Included(&upper))
        .filter(|(k, _)| k.len() == key.len() + 16)
        .filter_map(|(k, v)| {
            let (stored, window) = split_session_key(k)?;
            (stored == &*key && window.start() <= latest_start).then_some((window, v))
        })
        .map(|(w, v)| Ok((w, codec.value(v)?)))
        .collect()
}

/// Every session of every key: `(key, window, value)`.
pub(crate) fn all_sessions<K: 'static, V: 'static>(
    codec: &Codec<'_, K, V>,
    store: &dyn KeyValueBytesStore,
) -> Result<Vec<(K, Window, V)>> {
    store
        .all()
        .filter_map(|(k, v)| split_session_key(k).map(|(k, w)| (k, w, v)))
        .map(|(k, w, v)| Ok((codec.key(k)?, w, codec.value(v)?)))
        .collect()
}

/// Typed access to a session store, as processors get it from
/// [`ProcessorContext::session_store`](crate::processor::ProcessorContext::session_store).
pub struct SessionStoreHandle<'a, K, V> {
    codec: Codec<'a, K, V>,
    store: &'a mut dyn KeyValueBytesStore,
}

impl<K, V> std::fmt::Debug for SessionStoreHandle<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_store(f, "SessionStoreHandle", &self.codec, &*self.store)
    }
}

impl<'a, K: 'static, V: 'static> SessionStoreHandle<'a, K, V> {
    pub(crate) fn new(codec: Codec<'a, K, V>, store: &'a mut dyn KeyValueBytesStore) -> Self {
        SessionStoreHandle { codec, store }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.codec.name()
    }

    /// The sessions of `key` that end at or after `earliest_end` and start
    /// at or before `latest_start`, by end time.
    pub fn find_sessions(
        &self,
        key: &K,
        earliest_end: i64,
        latest_start: i64,
    ) -> Result<Vec<(Window, V)>> {
        find_sessions(&self.codec, &*self.store, key, earliest_end, latest_start)
    }

    /// Stores the session `window` of `key`.
    pub fn put(&mut self, key: &K, window: Window, value: &V) -> Result<()> {
        let stored = session_key(&self.codec.key_bytes(key)?, window);
        let bytes = self.codec.value_bytes(value)?;
        self.store.put(stored, bytes);
        Ok(())
    }

    /// Removes the session `window` of `key`.
    pub fn remove(&mut self, key: &K, window: Window) -> Result<()> {
        let stored = session_key(&self.codec.key_bytes(key)?, window);
        if self.store.get(&stored).is_some() {
            self.store.delete(&stored);
        }
        Ok(())
    }

    /// Every session of every key: `(key, window, value)`.
    pub fn all(&self) -> Result<Vec<(K, Window, V)>> {
        all_sessions(&self.codec, &*self.store)
    }

    /// Removes every session that ended before `min_end`; returns how many.
    pub fn remove_older_than(&mut self, min_end: i64) -> usize {
        let expired: Vec<Vec<u8>> = self
            .store
            .all()
            .filter(|(k, _)| split_session_key(k).is_some_and(|(_, w)| w.end() < min_end))
            .map(|(k, _)| k.to_vec())
            .collect();
        for k in &expired {
            self.store.delete(k);
        }
        expired.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;

    #[test]
    fn session_keys_are_key_end_start() {
        let bytes = session_key(b"k", Window::new(3, 9));
        assert_eq!(&bytes[..1], b"k");
        assert_eq!(&bytes[1..9], &9i64.to_be_bytes());
        assert_eq!(&bytes[9..], &3i64.to_be_bytes());
        assert_eq!(
            split_session_key(&bytes),
            Some((&b"k"[..], Window::new(3, 9)))
        );
    }
}
