//! Interactive queries: reading a store while the application runs.

use std::marker::PhantomData;
use std::sync::Arc;

use super::app::ThreadHandle;
use crate::error::Result;
use crate::state::ReadOnlyKeyValueStore;

/// Read access to one key-value store across all of this instance's tasks.
/// Each call reads a consistent view of each task (between two records).
pub struct KeyValueQuery<K, V> {
    threads: Vec<Arc<ThreadHandle>>,
    name: String,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> std::fmt::Debug for KeyValueQuery<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyValueQuery")
            .field("store", &self.name)
            .finish()
    }
}

impl<K: Clone + 'static, V: Clone + 'static> KeyValueQuery<K, V> {
    pub(crate) fn new(threads: Vec<Arc<ThreadHandle>>, name: String) -> Self {
        KeyValueQuery {
            threads,
            name,
            types: PhantomData,
        }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value for `key`, from whichever local task owns it.
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        for thread in &self.threads {
            let set = thread.lock_tasks();
            for owned in set.active.values() {
                let task = &owned.task;
                if !task.store_names().any(|n| n == self.name) {
                    continue;
                }
                let store = task.key_value_store::<K, V>(&self.name)?;
                if let Some(v) = store.get(key)? {
                    return Ok(Some(v));
                }
            }
        }
        Ok(None)
    }

    /// Every entry of every local task's store, ordered by each task's
    /// serialized keys and concatenated task by task.
    pub fn all(&self) -> Result<Vec<(K, V)>> {
        let mut out = Vec::new();
        for thread in &self.threads {
            let set = thread.lock_tasks();
            for owned in set.active.values() {
                let task = &owned.task;
                if !task.store_names().any(|n| n == self.name) {
                    continue;
                }
                let store = task.key_value_store::<K, V>(&self.name)?;
                for entry in store.all() {
                    out.push(entry?);
                }
            }
        }
        Ok(out)
    }

    /// The entries with keys from `from` to `to` (inclusive, in serialized
    /// key order) of every local task's store.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, V)>> {
        let mut out = Vec::new();
        for thread in &self.threads {
            let set = thread.lock_tasks();
            for owned in set.active.values() {
                let task = &owned.task;
                if !task.store_names().any(|n| n == self.name) {
                    continue;
                }
                let store = task.key_value_store::<K, V>(&self.name)?;
                for entry in store.range(from, to)? {
                    out.push(entry?);
                }
            }
        }
        Ok(out)
    }
}
