//! How `KStream::repartition` writes its topic.

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

/// Serdes and name of an explicit repartition topic
/// (`<application.id>-<name>-repartition`).
///
/// ```
/// use kafka_streams::Repartitioned;
/// let r: Repartitioned<String, String> = Repartitioned::default().with_name("by-region");
/// # let _ = r;
/// ```
pub struct Repartitioned<K, V> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) values: SharedSerde<V>,
    pub(crate) name: Option<String>,
}

super::debug_by_name!(Repartitioned);

impl<K: 'static, V: 'static> Repartitioned<K, V> {
    /// Repartitions with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Repartitioned {
            keys: SharedSerde::new(keys),
            values: SharedSerde::new(values),
            name: None,
        }
    }

    /// Names the repartition topic.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Default for Repartitioned<K, V> {
    fn default() -> Self {
        Repartitioned::with(K::Serde::default(), V::Serde::default())
    }
}
