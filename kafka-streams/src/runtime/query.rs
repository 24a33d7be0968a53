//! Interactive queries: reading a store while the application runs.

use std::marker::PhantomData;
use std::sync::Arc;

use super::app::ThreadHandle;
use crate::dsl::Window;
use crate::error::Result;
use crate::state::ReadOnlyKeyValueStore;
use crate::task::StreamTask;

/// Runs `visit` on every local task that has the store `name`, thread by
/// thread, each task between two of its records; stops at the first
/// `Some` and returns it.
fn first_in_tasks<T>(
    threads: &[Arc<ThreadHandle>],
    name: &str,
    mut visit: impl FnMut(&StreamTask) -> Result<Option<T>>,
) -> Result<Option<T>> {
    for thread in threads {
        let set = thread.lock_tasks();
        for owned in set.active.values() {
            if owned.task.store_names().any(|n| n == name) {
                if let Some(found) = visit(&owned.task)? {
                    return Ok(Some(found));
                }
            }
        }
    }
    Ok(None)
}

/// Collects what `read` gives from every local task that has the store
/// `name`, task by task.
fn collect_from_tasks<T>(
    threads: &[Arc<ThreadHandle>],
    name: &str,
    mut read: impl FnMut(&StreamTask, &mut Vec<T>) -> Result<()>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    first_in_tasks::<()>(threads, name, |task| read(task, &mut out).map(|()| None))?;
    Ok(out)
}

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
        first_in_tasks(&self.threads, &self.name, |task| {
            task.key_value_store::<K, V>(&self.name)?.get(key)
        })
    }

    /// Every entry of every local task's store, ordered by each task's
    /// serialized keys and concatenated task by task.
    pub fn all(&self) -> Result<Vec<(K, V)>> {
        collect_from_tasks(&self.threads, &self.name, |task, out| {
            for entry in task.key_value_store::<K, V>(&self.name)?.all() {
                out.push(entry?);
            }
            Ok(())
        })
    }

    /// The entries with keys from `from` to `to` (inclusive, in serialized
    /// key order) of every local task's store.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, V)>> {
        collect_from_tasks(&self.threads, &self.name, |task, out| {
            for entry in task.key_value_store::<K, V>(&self.name)?.range(from, to)? {
                out.push(entry?);
            }
            Ok(())
        })
    }
}

/// Read access to one window store (a windowed aggregation's) across all
/// of this instance's tasks, as [`KeyValueQuery`] is for key-value stores.
pub struct WindowQuery<K, V> {
    threads: Vec<Arc<ThreadHandle>>,
    name: String,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> std::fmt::Debug for WindowQuery<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowQuery")
            .field("store", &self.name)
            .finish()
    }
}

impl<K: 'static, V: 'static> WindowQuery<K, V> {
    pub(crate) fn new(threads: Vec<Arc<ThreadHandle>>, name: String) -> Self {
        WindowQuery {
            threads,
            name,
            types: PhantomData,
        }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key` in the window starting at `start`.
    pub fn get(&self, key: &K, start: i64) -> Result<Option<V>> {
        first_in_tasks(&self.threads, &self.name, |task| {
            task.window_store::<K, V>(&self.name)?.get(key, start)
        })
    }

    /// The windows of `key` that start between `from` and `to` (both
    /// included), by start time: `(start, value)`.
    pub fn fetch(&self, key: &K, from: i64, to: i64) -> Result<Vec<(i64, V)>> {
        collect_from_tasks(&self.threads, &self.name, |task, out| {
            out.extend(
                task.window_store::<K, V>(&self.name)?
                    .fetch(key, from, to)?,
            );
            Ok(())
        })
    }

    /// Every window of every key: `(key, start, value)`, task by task.
    pub fn all(&self) -> Result<Vec<(K, i64, V)>> {
        collect_from_tasks(&self.threads, &self.name, |task, out| {
            out.extend(task.window_store::<K, V>(&self.name)?.all()?);
            Ok(())
        })
    }
}

/// Read access to one session store (a session-windowed aggregation's)
/// across all of this instance's tasks.
pub struct SessionQuery<K, V> {
    threads: Vec<Arc<ThreadHandle>>,
    name: String,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> std::fmt::Debug for SessionQuery<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionQuery")
            .field("store", &self.name)
            .finish()
    }
}

impl<K: 'static, V: 'static> SessionQuery<K, V> {
    pub(crate) fn new(threads: Vec<Arc<ThreadHandle>>, name: String) -> Self {
        SessionQuery {
            threads,
            name,
            types: PhantomData,
        }
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every session of `key`, by end time: `(window, value)`.
    pub fn fetch(&self, key: &K) -> Result<Vec<(Window, V)>> {
        collect_from_tasks(&self.threads, &self.name, |task, out| {
            out.extend(task.session_store::<K, V>(&self.name)?.fetch(key)?);
            Ok(())
        })
    }

    /// Every session of every key: `(key, window, value)`, task by task.
    pub fn all(&self) -> Result<Vec<(K, Window, V)>> {
        collect_from_tasks(&self.threads, &self.name, |task, out| {
            out.extend(task.session_store::<K, V>(&self.name)?.all()?);
            Ok(())
        })
    }
}
