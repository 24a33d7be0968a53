//! State stores.
//!
//! A store is a stack of layers, as in Kafka Streams:
//!
//! ```text
//! KeyValueStoreHandle<K, V>        typed: serializes keys and values (processors)
//! ReadOnlyKeyValueView<K, V>       typed, read-only (interactive queries)
//!   └─ ChangeLoggingKeyValueStore  bytes: records every put/delete as a changelog entry
//!        └─ InMemoryKeyValueStore  bytes: an ordered map
//! ```
//!
//! Stores hold serialized keys and values, so ranges follow the byte order of
//! the serialized keys (as in Kafka Streams: `LongSerde` keys order negative
//! numbers after positive ones) and restoring from a changelog needs no
//! types: [`restore`] writes the changelog bytes straight into the inner
//! store, bypassing the logging layer.
//!
//! The task turns the logging layer's entries into records for the store's
//! `<application.id>-<store>-changelog` topic after each input record.
//!
//! # Window and session stores
//! [`StoreKind`] names the kind of a store. Window and session stores reuse
//! the bytes map, the logging layer and the byte-wise restore: the window
//! is encoded into the stored key (`key ++ start` for windows, `key ++ end
//! ++ start` for sessions, big-endian, as Kafka lays them out), and
//! [`WindowStoreHandle`] / [`SessionStoreHandle`] do the typed range
//! fetches by key and time. Operators remove expired windows as stream
//! time passes their retention.
//!
//! # Record caches
//! Kafka's `CachingKeyValueStore` is split in two here. The logging layer
//! remembers the changed keys and writes each one's latest value to the
//! changelog when the task flushes (before every commit), and the KTable
//! aggregations keep their latest update per key in a record cache
//! (`processor::forward_cache`) that they forward at the same flush. The
//! store itself is always written at once, so interactive queries and
//! other processors see every update.

mod builder;
mod change_logging;
mod in_memory;
mod query;
mod restore;
mod session_store;
mod slot;
mod typed;
mod window_store;

pub(crate) use builder::StoreSpec;
pub use builder::{StoreBuilder, StoreKind};
pub use change_logging::{ChangeLoggingKeyValueStore, ChangelogEntry};
pub use in_memory::InMemoryKeyValueStore;
pub use query::{ReadOnlyKeyValueView, ReadOnlySessionView, ReadOnlyWindowView};
pub use restore::restore;
pub use session_store::SessionStoreHandle;
pub(crate) use slot::StoreSlot;
pub use typed::KeyValueStoreHandle;
pub use window_store::WindowStoreHandle;

use std::ops::Bound;

use crate::error::Result;

/// Entries of a scan, in key order.
pub type KeyValueIter<'a, K, V> = Box<dyn Iterator<Item = Result<(K, V)>> + 'a>;

/// Entries of a bytes scan, in key byte order.
pub type BytesIter<'a> = Box<dyn Iterator<Item = (&'a [u8], &'a [u8])> + 'a>;

/// What [`KeyValueBytesStore::update`] makes of a key's present value
/// (`None` when absent): it writes the new value into the buffer it is
/// given (always empty) and returns `true`, or returns `false` to leave the
/// value as it is. A store may hand out a buffer it keeps between updates,
/// so that updating a key allocates nothing.
pub type ValueUpdate<'a> = dyn FnMut(Option<&[u8]>, &mut Vec<u8>) -> bool + 'a;

/// A key-value store on serialized keys and values, ordered by key bytes.
pub trait KeyValueBytesStore: Send + std::fmt::Debug {
    /// The value stored under `key`.
    fn get(&self, key: &[u8]) -> Option<&[u8]>;
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>);
    /// Stores `value` under a borrowed `key`, replacing any previous value.
    /// A store that can update a present key in place overrides this, so
    /// that the key is copied only when it is new.
    fn upsert(&mut self, key: &[u8], value: Vec<u8>) {
        self.put(key.to_vec(), value);
    }
    /// Replaces the value under `key` with what `update` makes of the
    /// present one (`None` when absent): `update` writes the new value into
    /// the buffer it gets, which must be empty, and returns `true`; if it
    /// returns `false` the store stays as it was. A store that can find the
    /// key once for both, or reuse a buffer, overrides this.
    fn update(&mut self, key: &[u8], update: &mut ValueUpdate<'_>) {
        let mut value = Vec::new();
        if update(self.get(key), &mut value) {
            self.upsert(key, value);
        }
    }
    /// Removes `key`, returning its value.
    fn delete(&mut self, key: &[u8]) -> Option<Vec<u8>>;
    /// The entries with keys between the bounds, in key order.
    fn range<'a>(&'a self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> BytesIter<'a>;
    /// Every entry, in key order.
    fn all(&self) -> BytesIter<'_>;
    /// How many entries there are.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// For a change-logging layer around this store: from now on (`on`),
    /// or until called again with `true`, remember which keys the writes
    /// change, so that the layer needs no lookup of its own per write.
    /// Keys noted before a pause stay until
    /// [`take_changed`](Self::take_changed). Returns whether this store
    /// does; the default does not, and the layer then keeps the keys itself.
    fn track_changes(&mut self, on: bool) -> bool {
        let _ = on;
        false
    }
    /// The keys written (put, updated to a new value, or deleted) since the
    /// last call while tracking was on, in no particular order; a key may
    /// come more than once.
    fn take_changed(&mut self) -> Vec<Vec<u8>> {
        Vec::new()
    }
    /// How many keys [`take_changed`](Self::take_changed) would give now.
    fn changed_count(&self) -> usize {
        0
    }
}

/// Typed reads from a key-value store.
pub trait ReadOnlyKeyValueStore<K, V> {
    /// The value stored under `key`.
    fn get(&self, key: &K) -> Result<Option<V>>;
    /// The entries with keys from `from` to `to`, both included, in the byte
    /// order of the serialized keys.
    fn range(&self, from: &K, to: &K) -> Result<KeyValueIter<'_, K, V>>;
    /// Every entry, in the byte order of the serialized keys.
    fn all(&self) -> KeyValueIter<'_, K, V>;
    /// How many entries there are.
    fn approximate_num_entries(&self) -> usize;
}

/// Typed reads and writes.
pub trait KeyValueStore<K, V>: ReadOnlyKeyValueStore<K, V> {
    /// Stores `value` under `key`.
    fn put(&mut self, key: &K, value: &V) -> Result<()>;
    /// Removes `key`, returning its previous value.
    fn delete(&mut self, key: &K) -> Result<Option<V>>;
}

/// A small deterministic random source for the stores' model tests:
/// `next(n)` gives a number below `n` (xorshift).
#[cfg(test)]
pub(crate) fn test_random(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}
