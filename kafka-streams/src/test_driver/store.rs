//! Reading a store from a test.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use super::state::DriverState;
use crate::dsl::Window;
use crate::error::Result;
use crate::state::{ReadOnlyKeyValueStore, ReadOnlySessionView, ReadOnlyWindowView};

/// Typed read access to a key-value store of the driver's tasks; each
/// call reads the store as it is now.
pub struct TestKeyValueStore<K, V> {
    state: Rc<RefCell<DriverState>>,
    name: String,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> fmt::Debug for TestKeyValueStore<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKeyValueStore")
            .field("name", &self.name)
            .finish()
    }
}

impl<K: 'static, V: 'static> TestKeyValueStore<K, V> {
    pub(crate) fn new(state: Rc<RefCell<DriverState>>, name: String) -> Result<Self> {
        // Check the name and the types now, so that mistakes surface here.
        state
            .borrow()
            .store_task(&name)?
            .key_value_store::<K, V>(&name)?;
        Ok(TestKeyValueStore {
            state,
            name,
            types: PhantomData,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&dyn ReadOnlyKeyValueStore<K, V>) -> Result<T>) -> Result<T> {
        let state = self.state.borrow();
        let view = state
            .store_task(&self.name)?
            .key_value_store::<K, V>(&self.name)?;
        f(&view)
    }

    /// The value under `key`.
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        self.with(|s| s.get(key))
    }

    /// The entries from `from` to `to` (both included), in key byte order.
    pub fn range(&self, from: &K, to: &K) -> Result<Vec<(K, V)>> {
        self.with(|s| s.range(from, to)?.collect())
    }

    /// Every entry, in key byte order.
    pub fn all(&self) -> Result<Vec<(K, V)>> {
        self.with(|s| s.all().collect())
    }

    /// How many entries there are.
    pub fn approximate_num_entries(&self) -> Result<usize> {
        self.with(|s| Ok(s.approximate_num_entries()))
    }
}

/// Typed read access to a window store (a windowed aggregation's) of the
/// driver's tasks; each call reads the store as it is now.
pub struct TestWindowStore<K, V> {
    state: Rc<RefCell<DriverState>>,
    name: String,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> fmt::Debug for TestWindowStore<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestWindowStore")
            .field("name", &self.name)
            .finish()
    }
}

impl<K: 'static, V: 'static> TestWindowStore<K, V> {
    pub(crate) fn new(state: Rc<RefCell<DriverState>>, name: String) -> Result<Self> {
        state
            .borrow()
            .store_task(&name)?
            .window_store::<K, V>(&name)?;
        Ok(TestWindowStore {
            state,
            name,
            types: PhantomData,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&ReadOnlyWindowView<'_, K, V>) -> Result<T>) -> Result<T> {
        let state = self.state.borrow();
        let view = state
            .store_task(&self.name)?
            .window_store::<K, V>(&self.name)?;
        f(&view)
    }

    /// The value of `key` in the window starting at `start`.
    pub fn get(&self, key: &K, start: i64) -> Result<Option<V>> {
        self.with(|s| s.get(key, start))
    }

    /// The windows of `key` that start between `from` and `to` (both
    /// included), by start time: `(start, value)`.
    pub fn fetch(&self, key: &K, from: i64, to: i64) -> Result<Vec<(i64, V)>> {
        self.with(|s| s.fetch(key, from, to))
    }

    /// Every window of every key: `(key, start, value)`, in key byte order.
    pub fn all(&self) -> Result<Vec<(K, i64, V)>> {
        self.with(|s| s.all())
    }
}

/// Typed read access to a session store (a session-windowed
/// aggregation's) of the driver's tasks; each call reads the store as it
/// is now.
pub struct TestSessionStore<K, V> {
    state: Rc<RefCell<DriverState>>,
    name: String,
    types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> fmt::Debug for TestSessionStore<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestSessionStore")
            .field("name", &self.name)
            .finish()
    }
}

impl<K: 'static, V: 'static> TestSessionStore<K, V> {
    pub(crate) fn new(state: Rc<RefCell<DriverState>>, name: String) -> Result<Self> {
        state
            .borrow()
            .store_task(&name)?
            .session_store::<K, V>(&name)?;
        Ok(TestSessionStore {
            state,
            name,
            types: PhantomData,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&ReadOnlySessionView<'_, K, V>) -> Result<T>) -> Result<T> {
        let state = self.state.borrow();
        let view = state
            .store_task(&self.name)?
            .session_store::<K, V>(&self.name)?;
        f(&view)
    }

    /// Every session of `key`, by end time: `(window, value)`.
    pub fn fetch(&self, key: &K) -> Result<Vec<(Window, V)>> {
        self.with(|s| s.fetch(key))
    }

    /// Every session of every key: `(key, window, value)`.
    pub fn all(&self) -> Result<Vec<(K, Window, V)>> {
        self.with(|s| s.all())
    }
}
