//! A store instance inside a task, with its serdes.

use std::sync::Arc;

use super::builder::StoreSerdes;
use super::typed::Codec;
use super::{
    ChangeLoggingKeyValueStore, ChangelogEntry, KeyValueBytesStore, KeyValueStoreHandle,
    ReadOnlyKeyValueView, ReadOnlySessionView, ReadOnlyWindowView, SessionStoreHandle,
    WindowStoreHandle,
};
use crate::error::Result;

#[derive(Debug)]
pub(crate) enum SlotStore {
    Logged(ChangeLoggingKeyValueStore),
    Plain(Box<dyn KeyValueBytesStore>),
}

impl SlotStore {
    fn bytes(&self) -> &dyn KeyValueBytesStore {
        match self {
            SlotStore::Logged(s) => s,
            SlotStore::Plain(s) => s.as_ref(),
        }
    }

    fn bytes_mut(&mut self) -> &mut dyn KeyValueBytesStore {
        match self {
            SlotStore::Logged(s) => s,
            SlotStore::Plain(s) => s.as_mut(),
        }
    }
}

/// One store of one task.
#[derive(Debug)]
pub(crate) struct StoreSlot {
    /// Borrowed by the typed handles (one is made per record).
    name: String,
    serdes: Arc<StoreSerdes>,
    store: SlotStore,
}

/// The typed codec of the store `name` with `serdes`, if they are for `K`
/// and `V`.
fn typed_codec<'s, K: 'static, V: 'static>(
    name: &'s str,
    serdes: &'s StoreSerdes,
) -> Result<Codec<'s, K, V>> {
    let (keys, values) = serdes.typed::<K, V>(name)?;
    Ok(Codec::new(name, keys, values))
}

impl StoreSlot {
    pub(crate) fn new(name: String, serdes: Arc<StoreSerdes>, store: SlotStore) -> Self {
        StoreSlot {
            name,
            serdes,
            store,
        }
    }

    /// The typed codec, borrowed beside the store it reads and writes.
    fn typed_mut<K: 'static, V: 'static>(
        &mut self,
    ) -> Result<(Codec<'_, K, V>, &mut dyn KeyValueBytesStore)> {
        let StoreSlot {
            name,
            serdes,
            store,
        } = self;
        Ok((typed_codec(name, serdes)?, store.bytes_mut()))
    }

    /// Typed read-write access.
    pub(crate) fn key_value_mut<K: 'static, V: 'static>(
        &mut self,
    ) -> Result<KeyValueStoreHandle<'_, K, V>> {
        let (codec, store) = self.typed_mut::<K, V>()?;
        Ok(KeyValueStoreHandle::new(codec, store))
    }

    /// Typed access to a window store (keys carry the window start).
    pub(crate) fn window_mut<K: 'static, V: 'static>(
        &mut self,
    ) -> Result<WindowStoreHandle<'_, K, V>> {
        let (codec, store) = self.typed_mut::<K, V>()?;
        Ok(WindowStoreHandle::new(codec, store))
    }

    /// Typed access to a session store (keys carry the session window).
    pub(crate) fn session_mut<K: 'static, V: 'static>(
        &mut self,
    ) -> Result<SessionStoreHandle<'_, K, V>> {
        let (codec, store) = self.typed_mut::<K, V>()?;
        Ok(SessionStoreHandle::new(codec, store))
    }

    /// Typed read-only access.
    pub(crate) fn key_value<K: 'static, V: 'static>(
        &self,
    ) -> Result<ReadOnlyKeyValueView<'_, K, V>> {
        let codec = typed_codec::<K, V>(&self.name, &self.serdes)?;
        Ok(ReadOnlyKeyValueView::new(codec, self.store.bytes()))
    }

    /// Typed read-only access to a window store.
    pub(crate) fn window<K: 'static, V: 'static>(&self) -> Result<ReadOnlyWindowView<'_, K, V>> {
        let codec = typed_codec::<K, V>(&self.name, &self.serdes)?;
        Ok(ReadOnlyWindowView::new(codec, self.store.bytes()))
    }

    /// Typed read-only access to a session store.
    pub(crate) fn session<K: 'static, V: 'static>(&self) -> Result<ReadOnlySessionView<'_, K, V>> {
        let codec = typed_codec::<K, V>(&self.name, &self.serdes)?;
        Ok(ReadOnlySessionView::new(codec, self.store.bytes()))
    }

    pub(crate) fn bytes(&self) -> &dyn KeyValueBytesStore {
        self.store.bytes()
    }

    /// Applies a changelog record without logging it again.
    pub(crate) fn restore(&mut self, key: &[u8], value: Option<&[u8]>) {
        match &mut self.store {
            SlotStore::Logged(s) => s.restore(key, value),
            SlotStore::Plain(s) => super::restore(s.as_mut(), key, value),
        }
    }

    /// How many changelog entries a [`drain_changelog`](Self::drain_changelog)
    /// would give now.
    pub(crate) fn changelog_pending(&self) -> usize {
        match &self.store {
            SlotStore::Logged(s) => s.pending(),
            SlotStore::Plain(_) => 0,
        }
    }

    /// The changelog entries since the last call (none when not logged):
    /// each changed key once, with its current value.
    pub(crate) fn drain_changelog(&mut self) -> Vec<ChangelogEntry> {
        match &mut self.store {
            SlotStore::Logged(s) => s.drain(),
            SlotStore::Plain(_) => Vec::new(),
        }
    }

    /// The store's serdes, for typed views of its changelog.
    #[cfg_attr(not(feature = "test-util"), allow(dead_code))]
    pub(crate) fn serdes(&self) -> &StoreSerdes {
        &self.serdes
    }
}
