//! How a source reads a topic.

use std::sync::Arc;

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

use crate::time::{RecordTimestamp, TimestampExtractor};

/// Serdes, name and timestamp extractor of a source.
///
/// ```
/// use kafka_streams::Consumed;
/// use kafka_streams::time::ValueTimestamp;
/// use kafka_client::serde::{LongSerde, StringSerde};
/// let c = Consumed::with(StringSerde, LongSerde)
///     .with_name("orders-source")
///     .with_timestamp_extractor(ValueTimestamp::new(|v: &i64| *v));
/// let defaults: Consumed<String, i64> = Consumed::default();
/// # let _ = (c, defaults);
/// ```
pub struct Consumed<K, V> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) values: SharedSerde<V>,
    pub(crate) name: Option<String>,
    pub(crate) extractor: Arc<dyn TimestampExtractor<K, V>>,
}

super::debug_by_name!(Consumed);

impl<K: 'static, V: 'static> Consumed<K, V> {
    /// Reads keys and values with these serdes.
    pub fn with(keys: impl Serde<K>, values: impl Serde<V>) -> Self {
        Consumed {
            keys: SharedSerde::new(keys),
            values: SharedSerde::new(values),
            name: None,
            extractor: Arc::new(RecordTimestamp),
        }
    }

    /// Names the source node.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Takes event time from the record with this extractor.
    pub fn with_timestamp_extractor(mut self, extractor: impl TimestampExtractor<K, V>) -> Self {
        self.extractor = Arc::new(extractor);
        self
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Default for Consumed<K, V> {
    fn default() -> Self {
        Consumed::with(K::Serde::default(), V::Serde::default())
    }
}
