//! The typed layer: serializes keys and values around a bytes store.

use std::borrow::Cow;
use std::ops::Bound;

use kafka_client::serde::{Deserializer, Serializer, SharedSerde};

use super::{KeyValueBytesStore, KeyValueIter, KeyValueStore, ReadOnlyKeyValueStore};
use crate::error::{Error, Result};

/// A store's name and serdes, borrowed from its slot: a handle is made per
/// record, and the serdes are shared by every task of every thread, so
/// cloning them would bump a reference count that the threads' cores pass
/// back and forth.
pub(crate) struct Codec<'a, K, V> {
    name: &'a str,
    keys: &'a SharedSerde<K>,
    values: &'a SharedSerde<V>,
}

impl<'a, K: 'static, V: 'static> Codec<'a, K, V> {
    pub(crate) fn new(name: &'a str, keys: &'a SharedSerde<K>, values: &'a SharedSerde<V>) -> Self {
        Codec { name, keys, values }
    }

    pub(crate) fn name(&self) -> &str {
        self.name
    }

    fn error(
        &self,
        operation: &'static str,
        part: &'static str,
        source: kafka_client::serde::SerdeError,
    ) -> Error {
        Error::StoreSerde {
            store: self.name.to_string(),
            operation,
            part,
            source,
        }
    }

    /// `key` serialized; lent when the serde can lend the key's own
    /// bytes (a `String`, a `Vec<u8>`), so a lookup allocates nothing.
    pub(crate) fn key_bytes<'k>(&self, key: &'k K) -> Result<Cow<'k, [u8]>> {
        self.keys
            .serialize_borrowed(self.name, key)
            .map_err(|e| self.error("serialize", "key", e))
    }

    pub(crate) fn value_bytes(&self, value: &V) -> Result<Vec<u8>> {
        self.values
            .serialize(self.name, value)
            .map_err(|e| self.error("serialize", "value", e))
    }

    /// [`value_bytes`](Self::value_bytes) into a buffer (cleared first).
    pub(crate) fn value_into(&self, value: &V, buf: &mut Vec<u8>) -> Result<()> {
        self.values
            .serialize_into(self.name, value, buf)
            .map_err(|e| self.error("serialize", "value", e))
    }

    pub(crate) fn key(&self, bytes: &[u8]) -> Result<K> {
        self.keys
            .deserialize(self.name, bytes)
            .map_err(|e| self.error("deserialize", "key", e))
    }

    pub(crate) fn value(&self, bytes: &[u8]) -> Result<V> {
        self.values
            .deserialize(self.name, bytes)
            .map_err(|e| self.error("deserialize", "value", e))
    }

    pub(crate) fn entry(&self, (k, v): (&[u8], &[u8])) -> Result<(K, V)> {
        Ok((self.key(k)?, self.value(v)?))
    }
}

impl<K, V> std::fmt::Debug for Codec<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Codec({})", self.name)
    }
}

/// The `Debug` output of every typed view and handle of a store: its kind,
/// its name and how many entries it holds.
pub(crate) fn fmt_store<K, V>(
    f: &mut std::fmt::Formatter<'_>,
    kind: &str,
    codec: &Codec<'_, K, V>,
    store: &dyn KeyValueBytesStore,
) -> std::fmt::Result {
    f.debug_struct(kind)
        .field("store", codec)
        .field("entries", &store.len())
        .finish()
}

pub(crate) fn get<K: 'static, V: 'static>(
    codec: &Codec<'_, K, V>,
    store: &dyn KeyValueBytesStore,
    key: &K,
) -> Result<Option<V>> {
    let key = codec.key_bytes(key)?;
    store.get(&key).map(|v| codec.value(v)).transpose()
}

pub(crate) fn range<'a, K: 'static, V: 'static>(
    codec: &'a Codec<'_, K, V>,
    store: &'a dyn KeyValueBytesStore,
    from: &K,
    to: &K,
) -> Result<KeyValueIter<'a, K, V>> {
    let from = codec.key_bytes(from)?;
    let to = codec.key_bytes(to)?;
    // Collect the bytes view first: the bounds borrow local keys.
    let entries: Vec<_> = store
        .range(Bound::Included(&from), Bound::Included(&to))
        .collect();
    Ok(Box::new(entries.into_iter().map(move |e| codec.entry(e))))
}

pub(crate) fn all<'a, K: 'static, V: 'static>(
    codec: &'a Codec<'_, K, V>,
    store: &'a dyn KeyValueBytesStore,
) -> KeyValueIter<'a, K, V> {
    Box::new(store.all().map(move |e| codec.entry(e)))
}

/// Typed read-write access to a key-value store, as processors get it from
/// [`ProcessorContext::key_value_store`](crate::processor::ProcessorContext::key_value_store).
/// Writes go through the change-logging layer when the store is logged.
pub struct KeyValueStoreHandle<'a, K, V> {
    codec: Codec<'a, K, V>,
    store: &'a mut dyn KeyValueBytesStore,
}

impl<K, V> std::fmt::Debug for KeyValueStoreHandle<'_, K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fmt_store(f, "KeyValueStoreHandle", &self.codec, &*self.store)
    }
}

impl<'a, K: 'static, V: 'static> KeyValueStoreHandle<'a, K, V> {
    pub(crate) fn new(codec: Codec<'a, K, V>, store: &'a mut dyn KeyValueBytesStore) -> Self {
        KeyValueStoreHandle { codec, store }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        self.codec.name()
    }

    /// `key` as the store keeps it: serialized once, it serves several
    /// operations (`*_serialized`) and a record cache keyed like the store.
    pub(crate) fn key_bytes<'k>(&self, key: &'k K) -> Result<Cow<'k, [u8]>> {
        self.codec.key_bytes(key)
    }

    /// [`get`](ReadOnlyKeyValueStore::get) for a key already serialized.
    pub(crate) fn get_serialized(&self, key: &[u8]) -> Result<Option<V>> {
        self.store.get(key).map(|v| self.codec.value(v)).transpose()
    }

    /// [`put`](KeyValueStore::put) for a key already serialized.
    pub(crate) fn put_serialized(&mut self, key: &[u8], value: &V) -> Result<()> {
        let value = self.codec.value_bytes(value)?;
        self.store.upsert(key, value);
        Ok(())
    }

    /// Folds into the value under a key already serialized, finding the key
    /// once: `step` gets the present value (`None` when absent) and returns
    /// the new one, which is stored. Returns the old and the new value.
    pub(crate) fn update_serialized(
        &mut self,
        key: &[u8],
        step: impl FnOnce(Option<&V>) -> V,
    ) -> Result<(Option<V>, V)> {
        let codec = &self.codec;
        let mut step = Some(step);
        let mut outcome: Option<Result<(Option<V>, V)>> = None;
        self.store.update(key, &mut |present, out| {
            let Some(step) = step.take() else {
                return false;
            };
            let folded = present
                .map(|bytes| codec.value(bytes))
                .transpose()
                .and_then(|old| {
                    let new = step(old.as_ref());
                    codec.value_into(&new, out)?;
                    Ok((old, new))
                });
            let written = folded.is_ok();
            outcome = Some(folded);
            written
        });
        outcome.unwrap_or_else(|| {
            Err(Error::Internal {
                node: codec.name().to_string(),
                message: "the store did not run the update".to_string(),
            })
        })
    }

    /// [`delete`](KeyValueStore::delete) for a key already serialized.
    pub(crate) fn delete_serialized(&mut self, key: &[u8]) -> Result<Option<V>> {
        self.store
            .delete(key)
            .map(|v| self.codec.value(&v))
            .transpose()
    }
}

impl<K: 'static, V: 'static> ReadOnlyKeyValueStore<K, V> for KeyValueStoreHandle<'_, K, V> {
    fn get(&self, key: &K) -> Result<Option<V>> {
        get(&self.codec, &*self.store, key)
    }

    fn range(&self, from: &K, to: &K) -> Result<KeyValueIter<'_, K, V>> {
        range(&self.codec, &*self.store, from, to)
    }

    fn all(&self) -> KeyValueIter<'_, K, V> {
        all(&self.codec, &*self.store)
    }

    fn approximate_num_entries(&self) -> usize {
        self.store.len()
    }
}

impl<K: 'static, V: 'static> KeyValueStore<K, V> for KeyValueStoreHandle<'_, K, V> {
    fn put(&mut self, key: &K, value: &V) -> Result<()> {
        let key = self.codec.key_bytes(key)?;
        self.put_serialized(&key, value)
    }

    fn delete(&mut self, key: &K) -> Result<Option<V>> {
        let key = self.codec.key_bytes(key)?;
        self.delete_serialized(&key)
    }
}
