//! How a table is stored.

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

use crate::state::StoreBuilder;

/// The store behind a table: its name (user-given, or generated), key and
/// value serdes, and whether it has a changelog topic
/// (`<application.id>-<name>-changelog`, on by default).
///
/// Name the stores of stateful operations: the name is part of the
/// changelog topic's name, so a generated name that shifts when the
/// topology changes would orphan the state.
///
/// ```
/// use kafka_streams::Materialized;
/// use kafka_client::serde::{LongSerde, StringSerde};
/// let m: Materialized<String, i64> = Materialized::as_store("counts");
/// let n = Materialized::with(StringSerde, LongSerde).with_name("totals").with_logging_disabled();
/// # let _ = (m, n);
/// ```
pub struct Materialized<K, V> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) values: SharedSerde<V>,
    pub(crate) name: Option<String>,
    pub(crate) logged: bool,
}

super::debug_by_name!(Materialized);

impl<K: 'static, V: 'static> Materialized<K, V> {
    /// A store with these serdes and a generated name.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Materialized {
            keys: SharedSerde::new(keys),
            values: SharedSerde::new(values),
            name: None,
            logged: true,
        }
    }

    /// Names the store.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// No changelog topic.
    pub fn with_logging_disabled(mut self) -> Self {
        self.logged = false;
        self
    }

    /// The store, with `name` (the user's or a generated one).
    pub(crate) fn into_store(self, name: String) -> StoreBuilder<K, V> {
        StoreBuilder::from_shared(name, self.keys, self.values).with_logging(self.logged)
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Materialized<K, V> {
    /// A store named `name`, with the default serdes.
    pub fn as_store(name: impl Into<String>) -> Self {
        Materialized::default().with_name(name)
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Default for Materialized<K, V> {
    fn default() -> Self {
        Materialized::with(K::Serde::default(), V::Serde::default())
    }
}
