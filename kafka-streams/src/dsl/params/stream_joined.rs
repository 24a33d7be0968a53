//! `StreamJoined`: parameters of a stream-stream join.

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

/// Serdes and names for a stream-stream join: the key serde and both value
/// serdes (for the two change-logged buffer stores, and for repartitioning
/// a side whose key may have changed). With a name `n`, the processor is
/// `n` and the stores are `n-left-store` and `n-right-store`; name joins
/// so that their stores keep their changelogs when the topology changes.
pub struct StreamJoined<K, V1, V2> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) left: SharedSerde<V1>,
    pub(crate) right: SharedSerde<V2>,
    pub(crate) name: Option<String>,
}

impl<K, V1, V2> std::fmt::Debug for StreamJoined<K, V1, V2> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamJoined")
            .field("name", &self.name)
            .finish()
    }
}

impl<K: 'static, V1: 'static, V2: 'static> StreamJoined<K, V1, V2> {
    /// The key serde and the left and right value serdes.
    pub fn with(keys: impl Serde<K>, left: impl Serde<V1>, right: impl Serde<V2>) -> Self {
        StreamJoined {
            keys: SharedSerde::new(keys),
            left: SharedSerde::new(left),
            right: SharedSerde::new(right),
            name: None,
        }
    }

    /// Names the join processor and its stores.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<K: DefaultSerde, V1: DefaultSerde, V2: DefaultSerde> Default for StreamJoined<K, V1, V2> {
    fn default() -> Self {
        StreamJoined::with(
            K::Serde::default(),
            V1::Serde::default(),
            V2::Serde::default(),
        )
    }
}
