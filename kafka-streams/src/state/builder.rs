//! Describing a store: name, serdes, logging.

use std::any::Any;
use std::sync::Arc;

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

use super::slot::{SlotStore, StoreSlot};
use super::{ChangeLoggingKeyValueStore, InMemoryKeyValueStore};
use crate::error::{Error, Result};

/// The kind of a store. All kinds sit on the same ordered bytes map (and
/// change-logging layer); window and session stores encode the window into
/// the stored key (see [`WindowStoreHandle`](super::WindowStoreHandle) and
/// [`SessionStoreHandle`](super::SessionStoreHandle)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreKind {
    /// A key-value store.
    KeyValue,
    /// A window store: one value per key and window start, kept for a
    /// retention period (windowed aggregations, stream-stream join buffers).
    Window {
        /// How long (in stream time) windows are kept, in milliseconds.
        retention_ms: i64,
    },
    /// A session store: one value per key and session (start and end).
    Session {
        /// How long (in stream time) sessions are kept, in milliseconds.
        retention_ms: i64,
    },
}

impl StoreKind {
    /// What the kind is, for errors.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            StoreKind::KeyValue => "a key-value store",
            StoreKind::Window { .. } => "a window store",
            StoreKind::Session { .. } => "a session store",
        }
    }
}

/// Describes a state store for the Processor API: its name, key and value
/// serdes, and whether it is backed by a changelog topic
/// (`<application.id>-<name>-changelog`, on by default).
///
/// ```
/// use kafka_streams::state::StoreBuilder;
/// use kafka_client::serde::{LongSerde, StringSerde};
/// let counts = StoreBuilder::<String, i64>::key_value("counts");
/// let cache = StoreBuilder::key_value_with("cache", StringSerde, LongSerde).with_logging_disabled();
/// assert_eq!(counts.name(), "counts");
/// assert!(!cache.is_logged());
/// ```
pub struct StoreBuilder<K, V> {
    name: String,
    keys: SharedSerde<K>,
    values: SharedSerde<V>,
    logged: bool,
    kind: StoreKind,
}

impl<K, V> std::fmt::Debug for StoreBuilder<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreBuilder")
            .field("name", &self.name)
            .field("logged", &self.logged)
            .finish()
    }
}

impl<K: DefaultSerde, V: DefaultSerde> StoreBuilder<K, V> {
    /// A key-value store with the default serdes of `K` and `V`.
    pub fn key_value(name: impl Into<String>) -> Self {
        StoreBuilder::key_value_with(name, K::Serde::default(), V::Serde::default())
    }
}

impl<K: 'static, V: 'static> StoreBuilder<K, V> {
    /// A key-value store with these serdes.
    pub fn key_value_with(
        name: impl Into<String>,
        keys: impl Serde<K>,
        values: impl Serde<V>,
    ) -> Self {
        StoreBuilder::from_shared(
            name.into(),
            SharedSerde::new(keys),
            SharedSerde::new(values),
        )
    }

    pub(crate) fn from_shared(name: String, keys: SharedSerde<K>, values: SharedSerde<V>) -> Self {
        StoreBuilder {
            name,
            keys,
            values,
            logged: true,
            kind: StoreKind::KeyValue,
        }
    }

    /// The same store as another kind (window and session stores).
    pub(crate) fn with_kind(mut self, kind: StoreKind) -> Self {
        self.kind = kind;
        self
    }

    /// No changelog topic: the store starts empty on every restart.
    pub fn with_logging_disabled(mut self) -> Self {
        self.logged = false;
        self
    }

    /// Sets whether the store is backed by a changelog topic.
    pub fn with_logging(mut self, logged: bool) -> Self {
        self.logged = logged;
        self
    }

    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the store is backed by a changelog topic.
    pub fn is_logged(&self) -> bool {
        self.logged
    }

    pub(crate) fn into_spec(self) -> StoreSpec {
        StoreSpec {
            name: self.name,
            kind: self.kind,
            logged: self.logged,
            serdes: Arc::new(StoreSerdes {
                keys: Box::new(self.keys),
                values: Box::new(self.values),
                key_type: std::any::type_name::<K>(),
                value_type: std::any::type_name::<V>(),
            }),
        }
    }
}

/// The serdes of a store, type-erased (`SharedSerde<K>` and `SharedSerde<V>`).
#[derive(Debug)]
pub(crate) struct StoreSerdes {
    pub(crate) keys: Box<dyn Any + Send + Sync>,
    pub(crate) values: Box<dyn Any + Send + Sync>,
    pub(crate) key_type: &'static str,
    pub(crate) value_type: &'static str,
}

impl StoreSerdes {
    /// The serdes of the store `store` as `K`'s and `V`'s, or
    /// [`Error::StoreTypeMismatch`] when they are for other types.
    pub(crate) fn typed<K: 'static, V: 'static>(
        &self,
        store: &str,
    ) -> Result<(&SharedSerde<K>, &SharedSerde<V>)> {
        match (
            self.keys.downcast_ref::<SharedSerde<K>>(),
            self.values.downcast_ref::<SharedSerde<V>>(),
        ) {
            (Some(keys), Some(values)) => Ok((keys, values)),
            _ => Err(Error::StoreTypeMismatch {
                store: store.to_string(),
                expected: format!(
                    "<{}, {}>",
                    std::any::type_name::<K>(),
                    std::any::type_name::<V>()
                ),
                actual: format!("<{}, {}>", self.key_type, self.value_type),
            }),
        }
    }
}

/// A store as the topology knows it.
#[derive(Debug, Clone)]
pub(crate) struct StoreSpec {
    pub(crate) name: String,
    pub(crate) kind: StoreKind,
    pub(crate) logged: bool,
    pub(crate) serdes: Arc<StoreSerdes>,
}

impl StoreSpec {
    /// A fresh, empty store for one task.
    pub(crate) fn create(&self) -> StoreSlot {
        let inner = Box::new(InMemoryKeyValueStore::new());
        let store = if self.logged {
            SlotStore::Logged(ChangeLoggingKeyValueStore::new(inner))
        } else {
            SlotStore::Plain(inner)
        };
        StoreSlot::new(self.name.clone(), self.serdes.clone(), store)
    }
}
