//! Rebuilding a store from its changelog.

use super::KeyValueBytesStore;

/// Applies one changelog record to a store: a value is put, a tombstone
/// (`None`) deletes. Replaying a changelog from the beginning with this
/// rebuilds the store as it was when the last record was written.
///
/// ```
/// use kafka_streams::state::{restore, InMemoryKeyValueStore, KeyValueBytesStore};
/// let mut store = InMemoryKeyValueStore::new();
/// restore(&mut store, b"a", Some(b"1"));
/// restore(&mut store, b"b", Some(b"2"));
/// restore(&mut store, b"a", None);
/// assert_eq!(store.get(b"a"), None);
/// assert_eq!(store.get(b"b"), Some(&b"2"[..]));
/// ```
pub fn restore(store: &mut dyn KeyValueBytesStore, key: &[u8], value: Option<&[u8]>) {
    match value {
        Some(value) => store.put(key.to_vec(), value.to_vec()),
        None => {
            store.delete(key);
        }
    }
}
