//! How a sink writes a topic.

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

/// Serdes and name of a sink.
///
/// ```
/// use kafka_streams::Produced;
/// use kafka_client::serde::{LongSerde, StringSerde};
/// let p = Produced::with(StringSerde, LongSerde).with_name("counts-sink");
/// let defaults: Produced<String, i64> = Produced::default();
/// # let _ = (p, defaults);
/// ```
pub struct Produced<K, V> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) values: SharedSerde<V>,
    pub(crate) name: Option<String>,
}

super::debug_by_name!(Produced);

impl<K: 'static, V: 'static> Produced<K, V> {
    /// Writes keys and values with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Produced {
            keys: SharedSerde::new(keys),
            values: SharedSerde::new(values),
            name: None,
        }
    }

    /// Names the sink node.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Default for Produced<K, V> {
    fn default() -> Self {
        Produced::with(K::Serde::default(), V::Serde::default())
    }
}
