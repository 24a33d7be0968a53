//! The in-memory key-value store: an ordered map of bytes.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::{BytesIter, KeyValueBytesStore, ValueUpdate};

/// A key-value store on a `BTreeMap`, ordered by key bytes.
///
/// ```
/// use std::ops::Bound;
/// use kafka_streams::state::{InMemoryKeyValueStore, KeyValueBytesStore};
/// let mut store = InMemoryKeyValueStore::new();
/// store.put(b"b".to_vec(), b"2".to_vec());
/// store.put(b"a".to_vec(), b"1".to_vec());
/// store.put(b"c".to_vec(), b"3".to_vec());
/// assert_eq!(store.get(b"a"), Some(&b"1"[..]));
/// let keys: Vec<_> = store.range(Bound::Included(b"b"), Bound::Unbounded).map(|(k, _)| k.to_vec()).collect();
/// assert_eq!(keys, vec![b"b".to_vec(), b"c".to_vec()]);
/// assert_eq!(store.delete(b"a"), Some(b"1".to_vec()));
/// assert_eq!(store.len(), 2);
/// ```
#[derive(Debug, Default, Clone)]
pub struct InMemoryKeyValueStore {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl InMemoryKeyValueStore {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryKeyValueStore::default()
    }
}

impl KeyValueBytesStore for InMemoryKeyValueStore {
    fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.map.get(key).map(Vec::as_slice)
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.map.insert(key, value);
    }

    fn upsert(&mut self, key: &[u8], value: Vec<u8>) {
        match self.map.get_mut(key) {
            Some(present) => *present = value,
            None => {
                self.map.insert(key.to_vec(), value);
            }
        }
    }

    fn update(&mut self, key: &[u8], update: &mut ValueUpdate<'_>) {
        match self.map.get_mut(key) {
            Some(present) => {
                if let Some(value) = update(Some(present)) {
                    *present = value;
                }
            }
            None => {
                if let Some(value) = update(None) {
                    self.map.insert(key.to_vec(), value);
                }
            }
        }
    }

    fn delete(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.map.remove(key)
    }

    fn range<'a>(&'a self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> BytesIter<'a> {
        // An empty or inverted range is empty, not a panic (BTreeMap::range panics).
        let inverted = match (from, to) {
            (Bound::Included(a), Bound::Included(b)) => a > b,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Excluded(b))
            | (Bound::Excluded(a), Bound::Included(b)) => a >= b,
            _ => false,
        };
        if inverted {
            return Box::new(std::iter::empty());
        }
        Box::new(
            self.map
                .range::<[u8], _>((from, to))
                .map(|(k, v)| (k.as_slice(), v.as_slice())),
        )
    }

    fn all(&self) -> BytesIter<'_> {
        Box::new(self.map.iter().map(|(k, v)| (k.as_slice(), v.as_slice())))
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::state::ChangeLoggingKeyValueStore;

    /// Adds 1 to a one-byte counter, or stops at 3 (returns `None`).
    fn bump(present: Option<&[u8]>) -> Option<Vec<u8>> {
        match present {
            None => Some(vec![1]),
            Some([n]) if *n < 3 => Some(vec![n + 1]),
            Some(_) => None,
        }
    }

    #[test]
    fn update_inserts_replaces_and_can_leave_the_value() {
        let mut s = InMemoryKeyValueStore::new();
        for _ in 0..5 {
            s.update(b"k", &mut bump);
        }
        assert_eq!(s.get(b"k"), Some(&[3u8][..]));
        assert_eq!(s.len(), 1);
        // The provided method (get, then upsert) does the same.
        let mut logged = ChangeLoggingKeyValueStore::new(Box::new(InMemoryKeyValueStore::new()));
        logged.update(b"k", &mut bump);
        assert_eq!(logged.drain().len(), 1, "a change is logged");
        logged.update(b"k", &mut bump);
        logged.update(b"k", &mut bump);
        assert_eq!(logged.drain().len(), 1);
        logged.update(b"k", &mut bump);
        assert!(logged.drain().is_empty(), "no change, nothing logged");
        assert_eq!(logged.get(b"k"), Some(&[3u8][..]));
    }

    #[test]
    fn ranges_are_inclusive_exclusive_and_never_panic() {
        let mut s = InMemoryKeyValueStore::new();
        for k in [b"a", b"b", b"c", b"d"] {
            s.put(k.to_vec(), k.to_vec());
        }
        let keys = |it: BytesIter<'_>| it.map(|(k, _)| k.to_vec()).collect::<Vec<_>>();
        assert_eq!(
            keys(s.range(Bound::Included(b"b"), Bound::Included(b"c"))),
            vec![b"b".to_vec(), b"c".to_vec()]
        );
        assert_eq!(
            keys(s.range(Bound::Excluded(b"a"), Bound::Excluded(b"d"))),
            vec![b"b".to_vec(), b"c".to_vec()]
        );
        assert!(keys(s.range(Bound::Included(b"d"), Bound::Included(b"a"))).is_empty());
        assert!(keys(s.range(Bound::Excluded(b"b"), Bound::Excluded(b"b"))).is_empty());
        assert_eq!(keys(s.all()).len(), 4);
    }
}
