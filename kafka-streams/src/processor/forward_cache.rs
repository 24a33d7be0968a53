//! The record cache of a KTable aggregation: its updates wait here, one per
//! key, and go downstream when the task commits (or the cache is full).
//!
//! As in Kafka Streams (`statestore.cache.max.bytes`), a table that changes
//! many times between commits forwards only its latest value per key, with
//! the value downstream saw before as the old value. The store itself is
//! written at once (interactive queries see every update); only the
//! forwarding waits. The test driver flushes after every input record, so
//! there one input record still gives its updates at once.

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

impl<K: Data, V: Data> ForwardCache<K, V> {
    /// Keeps `record`, the update of the key serialized as `key`. An update
    /// of the same key already waiting is replaced, but its old value (what
    /// downstream last saw) is kept.
    pub(crate) fn put(&mut self, key: Vec<u8>, mut record: Record<K, Change<V>>) {
        match self.pending.get_mut(&key) {
            Some(earlier) => {
                let seen = earlier.value.as_mut().and_then(|change| change.old.take());
                if let Some(change) = record.value.as_mut() {
                    change.old = seen;
                }
                *earlier = record;
            }
            None => {
                self.pending.insert(key, record);
            }
        }
    }

    /// Forwards `record` at once when `capacity` is 0 (no cache), else
    /// keeps it under `key` (the record's key as the aggregation's store
    /// keeps it), and forwards everything waiting once `capacity` keys wait.
    pub(crate) fn put_or_forward(
        &mut self,
        capacity: usize,
        key: Vec<u8>,
        record: Record<K, Change<V>>,
        ctx: &mut ProcessorContext<'_, K, Change<V>>,
    ) {
        if capacity == 0 {
            ctx.forward(record);
            return;
        }
        self.put(key, record);
        if self.pending.len() >= capacity {
            self.flush(ctx);
        }
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

    #[test]
    fn keeps_the_latest_value_and_the_first_old_value_per_key() {
        let mut cache = ForwardCache::default();
        cache.put(b"a".to_vec(), update("a", 1, None, 10));
        cache.put(b"b".to_vec(), update("b", 5, Some(4), 11));
        cache.put(b"a".to_vec(), update("a", 2, Some(1), 12));
        cache.put(b"a".to_vec(), update("a", 3, Some(2), 13));
        assert_eq!(cache.len(), 2);
        let waiting: Vec<_> = cache.pending.drain(..).map(|(_, r)| r).collect();
        assert_eq!(
            waiting,
            vec![update("a", 3, None, 13), update("b", 5, Some(4), 11)]
        );
    }
}
