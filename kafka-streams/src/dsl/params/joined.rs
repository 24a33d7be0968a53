//! `Joined`: parameters of a stream-table join.

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

/// Serdes and a name for a stream-table join. The serdes are used when the
/// stream's key may have changed and it must be repartitioned first (the
/// topic is `<application.id>-<name>-repartition`, named by
/// [`with_name`](Self::with_name) or else after the join processor).
pub struct Joined<K, V> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) values: SharedSerde<V>,
    pub(crate) name: Option<String>,
}

super::debug_by_name!(Joined);

impl<K: 'static, V: 'static> Joined<K, V> {
    /// The stream's key and value serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Joined {
            keys: SharedSerde::new(keys),
            values: SharedSerde::new(values),
            name: None,
        }
    }

    /// Names the join processor (and a repartition topic, if one is needed).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Default for Joined<K, V> {
    fn default() -> Self {
        Joined::with(K::Serde::default(), V::Serde::default())
    }
}
