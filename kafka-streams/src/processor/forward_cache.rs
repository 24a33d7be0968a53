//! The record cache of a KTable aggregation: its updates wait here, one per
//! key, and go downstream when the task commits (or the cache is full).
//!
//! As in Kafka Streams (`statestore.cache.max.bytes`), a table that changes
//! many times between commits forwards only its latest value per key, with
//! the value downstream saw before as the old value. The store itself is
//! written at once (interactive queries see every update); only the
//! forwarding waits. The test driver flushes after every input record, so
//! there one input record still gives its updates at once.

use std::borrow::Cow;

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;

use super::{Change, Data, ProcessorContext, Record};

/// Pending table updates by serialized key, in first-update order.
pub(crate) struct ForwardCache<K, V> {
    pending: IndexMap<Vec<u8>, Record<K, Change<V>>, FxBuildHasher>,
}

impl<K, V> Default for ForwardCache<K, V> {
    fn default() -> Self {
        ForwardCache {
            pending: IndexMap::default(),
        }
    }
}

/// Where the next update of a key goes, worked out while its serialized
/// key is at hand (see [`ForwardCache::place`]).
#[derive(Debug)]
pub(crate) enum CachePlace {
    /// No cache: forward at once.
    Forward,
    /// Over the update waiting at this index.
    Waiting(usize),
    /// A key not waiting yet, copied for the cache.
    New(Vec<u8>),
}

impl<K: Data, V: Data> ForwardCache<K, V> {
    /// Where an update of the key serialized as `key` goes: forwarded at
    /// once when `capacity` is 0 (no cache), else over the update of that
    /// key already waiting, else into a new entry. Only a new key is kept
    /// (copied if it was lent).
    pub(crate) fn place(&self, capacity: usize, key: Cow<'_, [u8]>) -> CachePlace {
        if capacity == 0 {
            return CachePlace::Forward;
        }
        match self.pending.get_index_of(&*key) {
            Some(index) => CachePlace::Waiting(index),
            None => CachePlace::New(key.into_owned()),
        }
    }

    /// Puts `record` where [`place`](Self::place) said (nothing changed the
    /// cache in between), and forwards everything waiting once `capacity`
    /// keys wait.
    pub(crate) fn put_at(
        &mut self,
        place: CachePlace,
        capacity: usize,
        record: Record<K, Change<V>>,
        ctx: &mut ProcessorContext<'_, K, Change<V>>,
    ) {
        match self.keep(place, record) {
            Some(record) => ctx.forward(record),
            None if self.pending.len() >= capacity => self.flush(ctx),
            None => {}
        }
    }

    /// Keeps `record` at `place`; gives it back when it must be forwarded
    /// at once (or when `place` no longer names a waiting update, which
    /// `place` and `put_at` on the same key in a row rule out: forwarding
    /// it then loses nothing). An update of a key already waiting replaces
    /// it but keeps its old value (what downstream last saw).
    fn keep(
        &mut self,
        place: CachePlace,
        mut record: Record<K, Change<V>>,
    ) -> Option<Record<K, Change<V>>> {
        match place {
            CachePlace::Forward => return Some(record),
            CachePlace::Waiting(index) => {
                let Some((_, earlier)) = self.pending.get_index_mut(index) else {
                    debug_assert!(false, "no update waits at index {index}");
                    return Some(record);
                };
                let seen = earlier.value.as_mut().and_then(|change| change.old.take());
                if let Some(change) = record.value.as_mut() {
                    change.old = seen;
                }
                *earlier = record;
            }
            CachePlace::New(key) => {
                self.pending.insert(key, record);
            }
        }
        None
    }

    /// Forwards every waiting update, oldest key first.
    pub(crate) fn flush(&mut self, ctx: &mut ProcessorContext<'_, K, Change<V>>) {
        for (_, record) in self.pending.drain(..) {
            ctx.forward(record);
        }
    }

    /// How many keys wait.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(
        key: &str,
        new: i64,
        old: Option<i64>,
        timestamp: i64,
    ) -> Record<String, Change<i64>> {
        Record::new(
            Some(key.to_string()),
            Some(Change::new(Some(new), old)),
            timestamp,
        )
    }

    /// Keeps `record` where the cache places its key.
    fn put(cache: &mut ForwardCache<String, i64>, record: Record<String, Change<i64>>) {
        let key = record.key().cloned().unwrap_or_default();
        let place = cache.place(100, Cow::Borrowed(key.as_bytes()));
        if let CachePlace::New(bytes) = &place {
            assert_eq!(bytes, key.as_bytes(), "a new key is copied");
        }
        assert!(cache.keep(place, record).is_none(), "kept, not forwarded");
    }

    #[test]
    fn keeps_the_latest_value_and_the_first_old_value_per_key() {
        let mut cache = ForwardCache::default();
        assert!(matches!(
            cache.place(0, Cow::Borrowed(b"a")),
            CachePlace::Forward
        ));
        put(&mut cache, update("a", 1, None, 10));
        put(&mut cache, update("b", 5, Some(4), 11));
        put(&mut cache, update("a", 2, Some(1), 12));
        assert!(matches!(
            cache.place(100, Cow::Borrowed(b"a")),
            CachePlace::Waiting(0)
        ));
        put(&mut cache, update("a", 3, Some(2), 13));
        assert_eq!(cache.len(), 2);
        let waiting: Vec<_> = cache.pending.drain(..).map(|(_, r)| r).collect();
        assert_eq!(
            waiting,
            vec![update("a", 3, None, 13), update("b", 5, Some(4), 11)]
        );
    }
}
