//! The in-memory key-value store: values in slots, found by a hash index
//! for reads and writes and by an ordered index for ranges.

use std::collections::BTreeMap;
use std::ops::Bound;

use rustc_hash::FxHashMap;

use super::{BytesIter, KeyValueBytesStore, ValueUpdate};

/// A key-value store in memory, ordered by key bytes.
///
/// Each value sits in a slot that two indexes point to: a hash map, so a
/// read or an update of a key costs one hash lookup whatever the store's
/// size (an aggregation does one per record), and a sorted map for
/// [`range`](Self::range) and [`all`](Self::all), which walk it in order
/// without hashing. A key is stored twice (its bytes are usually small
/// next to its value).
///
/// Wrapped in a [`ChangeLoggingKeyValueStore`](super::ChangeLoggingKeyValueStore),
/// it also marks the slots that writes change (see
/// [`track_changes`](KeyValueBytesStore::track_changes)), so logging costs
/// no second lookup per write.
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
    /// Each key's slot, by hash.
    index: FxHashMap<Box<[u8]>, usize>,
    /// Each key's slot, in key order.
    order: BTreeMap<Box<[u8]>, usize>,
    slots: Vec<Vec<u8>>,
    /// Slots of deleted keys, for the next new ones.
    free: Vec<usize>,
    /// The changes since the last `take_changed`, while tracking is on.
    changes: Option<ChangeMarks>,
    /// The buffer updates write new values into before they are copied
    /// into their slot (see [`keep_scratch`]).
    spare: Vec<u8>,
}

/// Which keys changed: a mark per slot, so that a key written many times
/// between two takes is noted once, without a lookup of its own.
#[derive(Debug, Default, Clone)]
struct ChangeMarks {
    /// Whether writes are noted now (not while a changelog is restored).
    recording: bool,
    /// Per slot: its key is in `keys` already.
    marked: Vec<bool>,
    /// The slots marked, to unmark at the next take (not the whole of
    /// `marked`: the test driver takes after every record).
    marked_slots: Vec<usize>,
    /// The changed keys.
    keys: Vec<Vec<u8>>,
}

impl ChangeMarks {
    fn mark(&mut self, slot: usize, key: &[u8]) {
        if !self.recording {
            return;
        }
        if self.marked.len() <= slot {
            self.marked.resize(slot + 1, false);
        }
        if !self.marked[slot] {
            self.marked[slot] = true;
            self.marked_slots.push(slot);
            self.keys.push(key.to_vec());
        }
    }

    /// The changed keys, with every mark cleared.
    fn take(&mut self) -> Vec<Vec<u8>> {
        for slot in self.marked_slots.drain(..) {
            self.marked[slot] = false;
        }
        std::mem::take(&mut self.keys)
    }

    /// A deleted key: noted (if it is not already), and its slot unmarked
    /// for the next key put there.
    fn mark_deleted(&mut self, slot: Option<usize>, key: &[u8]) {
        match slot {
            Some(slot) if self.marked.get(slot).copied().unwrap_or(false) => {
                self.marked[slot] = false;
            }
            _ if self.recording => self.keys.push(key.to_vec()),
            _ => {}
        }
    }
}

/// How much more room than twice its value's size a slot's buffer may
/// keep after an update.
const SLACK: usize = 64;

/// The largest scratch buffer a store keeps between updates; a larger one
/// (after a large value) is given back.
const MAX_SCRATCH: usize = 64 * 1024;

/// The scratch buffer to keep for the next update.
fn keep_scratch(scratch: Vec<u8>) -> Vec<u8> {
    if scratch.capacity() > MAX_SCRATCH {
        Vec::new()
    } else {
        scratch
    }
}

impl InMemoryKeyValueStore {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryKeyValueStore::default()
    }

    /// Writes `value` to the slot of `key`, or to a new slot.
    fn write(&mut self, key: &[u8], value: Vec<u8>) {
        let slot = match self.index.get(key) {
            Some(&slot) => {
                self.slots[slot] = value;
                slot
            }
            None => self.insert_new(key, value),
        };
        if let Some(changes) = &mut self.changes {
            changes.mark(slot, key);
        }
    }

    fn insert_new(&mut self, key: &[u8], value: Vec<u8>) -> usize {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = value;
                slot
            }
            None => {
                self.slots.push(value);
                self.slots.len() - 1
            }
        };
        let key: Box<[u8]> = key.into();
        self.order.insert(key.clone(), slot);
        self.index.insert(key, slot);
        slot
    }

    fn pairs<'a>(
        &'a self,
        keys: impl Iterator<Item = (&'a Box<[u8]>, &'a usize)> + 'a,
    ) -> BytesIter<'a> {
        Box::new(keys.filter_map(|(k, &slot)| Some((&**k, self.slots.get(slot)?.as_slice()))))
    }
}

impl KeyValueBytesStore for InMemoryKeyValueStore {
    fn get(&self, key: &[u8]) -> Option<&[u8]> {
        let slot = *self.index.get(key)?;
        self.slots.get(slot).map(Vec::as_slice)
    }

    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.write(&key, value);
    }

    fn upsert(&mut self, key: &[u8], value: Vec<u8>) {
        self.write(key, value);
    }

    fn update(&mut self, key: &[u8], update: &mut ValueUpdate<'_>) {
        // The new value is written into the store's scratch buffer, then
        // copied into the key's own buffer: each slot keeps a buffer sized
        // by its own values (a buffer passed from key to key would leave
        // every slot as large as the largest value).
        let mut scratch = std::mem::take(&mut self.spare);
        scratch.clear();
        let present = self.index.get(key).copied();
        let written = update(
            present.map(|slot| self.slots[slot].as_slice()),
            &mut scratch,
        );
        let slot = match (written, present) {
            (false, _) => None,
            (true, Some(slot)) => {
                let stored = &mut self.slots[slot];
                if stored.capacity() > 2 * scratch.len() + SLACK {
                    // Much smaller than before: give the room back.
                    *stored = scratch.as_slice().to_vec();
                } else {
                    stored.clear();
                    stored.extend_from_slice(&scratch);
                }
                Some(slot)
            }
            (true, None) => Some(self.insert_new(key, scratch.as_slice().to_vec())),
        };
        self.spare = keep_scratch(scratch);
        if let (Some(slot), Some(changes)) = (slot, &mut self.changes) {
            changes.mark(slot, key);
        }
    }

    fn delete(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let slot = self.index.remove(key);
        if let Some(changes) = &mut self.changes {
            changes.mark_deleted(slot, key);
        }
        let slot = slot?;
        self.order.remove(key);
        self.free.push(slot);
        self.slots.get_mut(slot).map(std::mem::take)
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
        self.pairs(self.order.range::<[u8], _>((from, to)))
    }

    fn all(&self) -> BytesIter<'_> {
        self.pairs(self.order.iter())
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn track_changes(&mut self, on: bool) -> bool {
        self.changes
            .get_or_insert_with(ChangeMarks::default)
            .recording = on;
        true
    }

    fn take_changed(&mut self) -> Vec<Vec<u8>> {
        self.changes
            .as_mut()
            .map_or_else(Vec::new, ChangeMarks::take)
    }

    fn changed_count(&self) -> usize {
        self.changes.as_ref().map_or(0, |c| c.keys.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::state::ChangeLoggingKeyValueStore;

    /// Adds 1 to a one-byte counter, or stops at 3 (returns `false`).
    fn bump(present: Option<&[u8]>, out: &mut Vec<u8>) -> bool {
        assert!(out.is_empty(), "the buffer comes empty");
        match present {
            None => out.push(1),
            Some([n]) if *n < 3 => out.push(n + 1),
            Some(_) => return false,
        }
        true
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
    fn updates_keep_each_slot_sized_by_its_own_values() {
        let mut s = InMemoryKeyValueStore::new();
        let write = |s: &mut InMemoryKeyValueStore, key: &[u8], len: usize| {
            s.update(key, &mut |_, out| {
                assert!(out.is_empty(), "the buffer comes empty");
                out.resize(len, 7);
                true
            });
        };
        // A large value updated between updates of small ones: no small
        // key ends up with the large key's buffer.
        for round in 0..50u8 {
            write(&mut s, b"large", 4096);
            write(&mut s, &[b's', round % 10], 8);
        }
        for k in 0..10u8 {
            let slot = s.index[&[b's', k][..]];
            assert_eq!(s.slots[slot], vec![7; 8]);
            assert!(s.slots[slot].capacity() <= 2 * 8 + SLACK, "key {k}");
        }
        // A value that shrinks gives its room back.
        write(&mut s, b"large", 4);
        let slot = s.index[&b"large"[..]];
        assert_eq!(s.slots[slot], vec![7; 4]);
        assert!(s.slots[slot].capacity() <= 2 * 4 + SLACK);
        // The scratch buffer is not kept after a very large value.
        write(&mut s, b"huge", MAX_SCRATCH + 1);
        assert_eq!(s.spare.capacity(), 0);
        assert_eq!(s.get(b"huge").map(<[u8]>::len), Some(MAX_SCRATCH + 1));
    }

    /// Random operations on the store and on a `BTreeMap` give the same
    /// reads, ranges and sizes.
    #[test]
    fn behaves_like_an_ordered_map() {
        use std::collections::BTreeMap;
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut store = InMemoryKeyValueStore::new();
        let mut next = crate::state::test_random(0x2545_f491_4f6c_dd1d);
        for step in 0..20_000u64 {
            let key = vec![b'k', next(40) as u8];
            let value = step.to_be_bytes().to_vec();
            match next(6) {
                0 => {
                    model.insert(key.clone(), value.clone());
                    store.put(key, value);
                }
                1 => {
                    model.insert(key.clone(), value.clone());
                    store.upsert(&key, value);
                }
                2 => {
                    // Doubles nothing, sets absent keys, and leaves odd steps alone.
                    let keep = step % 2 == 1;
                    let expected = model.get(&key).cloned();
                    store.update(&key, &mut |present, out| {
                        assert_eq!(present.map(<[u8]>::to_vec), expected);
                        assert!(out.is_empty(), "the buffer comes empty");
                        out.extend_from_slice(&value);
                        !keep
                    });
                    if !keep {
                        model.insert(key, value);
                    }
                }
                3 => assert_eq!(store.delete(&key), model.remove(&key)),
                4 => assert_eq!(store.get(&key), model.get(&key).map(Vec::as_slice)),
                _ => {
                    let to = [b'k', next(40) as u8];
                    let got: Vec<_> = store
                        .range(Bound::Included(&key), Bound::Excluded(&to))
                        .map(|(k, v)| (k.to_vec(), v.to_vec()))
                        .collect();
                    let want: Vec<_> = if key.as_slice() < &to[..] {
                        model
                            .range::<[u8], _>((Bound::Included(&key[..]), Bound::Excluded(&to[..])))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    assert_eq!(got, want);
                }
            }
            assert_eq!(store.len(), model.len());
        }
        let all: Vec<_> = store.all().map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
        assert_eq!(all, model.into_iter().collect::<Vec<_>>());
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
