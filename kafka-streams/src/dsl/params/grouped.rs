//! How a grouping repartitions.

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

/// Serdes for the repartition topic a grouping may need, and its name.
///
/// The repartition topic is `<application.id>-<name>-repartition`, where
/// `<name>` is this name, or else the name of the aggregation's store.
///
/// ```
/// use kafka_streams::Grouped;
/// use kafka_client::serde::{LongSerde, StringSerde};
/// let g = Grouped::with(StringSerde, LongSerde).with_name("by-user");
/// let defaults: Grouped<String, i64> = Grouped::default();
/// # let _ = (g, defaults);
/// ```
pub struct Grouped<K, V> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) values: SharedSerde<V>,
    pub(crate) name: Option<String>,
}

super::debug_by_name!(Grouped);

impl<K, V> Clone for Grouped<K, V> {
    fn clone(&self) -> Self {
        Grouped {
            keys: self.keys.clone(),
            values: self.values.clone(),
            name: self.name.clone(),
        }
    }
}

impl<K: 'static, V: 'static> Grouped<K, V> {
    /// Repartitions with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Grouped {
            keys: SharedSerde::new(keys),
            values: SharedSerde::new(values),
            name: None,
        }
    }

    /// Names the repartition topic (and its sink and source nodes).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Default for Grouped<K, V> {
    fn default() -> Self {
        Grouped::with(K::Serde::default(), V::Serde::default())
    }
}
