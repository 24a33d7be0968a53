//! Parameter objects: serdes and names for each kind of DSL call.
//!
//! Each carries the serdes its operation needs, so a missing serde is a
//! compile error: construct it with `with(key_serde, value_serde)`, or with
//! `default()` / a name-only constructor when the types implement
//! [`DefaultSerde`](kafka_client::serde::DefaultSerde).

mod branched;
mod consumed;
mod grouped;
mod joined;
mod materialized;
mod named;
mod produced;
mod repartitioned;
mod stream_joined;
mod suppressed;

pub use branched::Branched;
pub use consumed::Consumed;
pub use grouped::Grouped;
pub use joined::Joined;
pub use materialized::Materialized;
pub use named::Named;
pub use produced::Produced;
pub use repartitioned::Repartitioned;
pub use stream_joined::StreamJoined;
pub use suppressed::{BufferConfig, Suppressed};

/// Implements `Debug` without requiring it of the serdes or types.
macro_rules! debug_by_name {
    ($ty:ident) => {
        impl<K, V> std::fmt::Debug for $ty<K, V> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("name", &self.name)
                    .field("key", &std::any::type_name::<K>())
                    .field("value", &std::any::type_name::<V>())
                    .finish()
            }
        }
    };
}
pub(crate) use debug_by_name;
