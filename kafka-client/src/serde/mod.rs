//! Serializers and deserializers that match Kafka's own serdes byte for byte.
//!
//! | Rust type | serde | bytes on the wire | Kafka's serde |
//! |---|---|---|---|
//! | `String` | [`StringSerde`] | UTF-8 | `Serdes.String()` |
//! | `i64` | [`LongSerde`] | 8 bytes big-endian | `Serdes.Long()` |
//! | `i32` | [`IntSerde`] | 4 bytes big-endian | `Serdes.Integer()` |
//! | `f64` | [`DoubleSerde`] | IEEE-754, 8 bytes big-endian | `Serdes.Double()` |
//! | `Vec<u8>` | [`BytesSerde`] | as is | `Serdes.ByteArray()` |
//! | any `T: Serialize + DeserializeOwned` | [`Json<T>`] | `serde_json` | a JSON serde |
//!
//! A null key or value is `None` at the record level and never reaches a
//! serde, as in Kafka where serdes map `null` to `null`.
//!
//! ```
//! use kafka_client::serde::{Deserializer, LongSerde, Serializer};
//! let bytes = LongSerde.serialize("t", &42).unwrap();
//! assert_eq!(bytes, [0, 0, 0, 0, 0, 0, 0, 42]);
//! assert_eq!(LongSerde.deserialize("t", &bytes).unwrap(), 42);
//! // A Long with the wrong number of bytes is an error, not a panic.
//! assert!(LongSerde.deserialize("t", &[1, 2, 3]).is_err());
//! ```

mod json;
mod primitive;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

pub use json::Json;
pub use primitive::{BytesSerde, DoubleSerde, IntSerde, LongSerde, StringSerde};

/// Why a serde could not do its job.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SerdeError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SerdeError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        SerdeError {
            message: message.into(),
            source: None,
        }
    }

    /// An error with a message and the error that caused it.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        SerdeError {
            message: format!("{}: {}", message.into(), source),
            source: Some(Box::new(source)),
        }
    }

    /// The message, without the cause chain.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Turns a value into bytes.
pub trait Serializer<T: ?Sized>: Send + Sync + 'static {
    /// Serializes `value`, bound for `topic`.
    fn serialize(&self, topic: &str, value: &T) -> Result<Vec<u8>, SerdeError>;

    /// Like [`serialize`](Self::serialize), but may lend `value`'s own bytes
    /// when it already is bytes (the producer then copies nothing before
    /// librdkafka does). The default serializes into a new buffer.
    fn serialize_borrowed<'a>(
        &self,
        topic: &str,
        value: &'a T,
    ) -> Result<Cow<'a, [u8]>, SerdeError> {
        self.serialize(topic, value).map(Cow::Owned)
    }

    /// Like [`serialize`](Self::serialize), but writes into `buf` (which
    /// it clears first), so that a caller serializing many values can reuse
    /// one buffer. The default copies what
    /// [`serialize_borrowed`](Self::serialize_borrowed) gives; the serdes
    /// of this crate write in place. After an error, what `buf` holds is
    /// unspecified.
    ///
    /// ```
    /// use kafka_client::serde::{LongSerde, Serializer};
    /// let mut buf = vec![9; 3];
    /// LongSerde.serialize_into("t", &7, &mut buf).unwrap();
    /// assert_eq!(buf, [0, 0, 0, 0, 0, 0, 0, 7]);
    /// ```
    fn serialize_into(&self, topic: &str, value: &T, buf: &mut Vec<u8>) -> Result<(), SerdeError> {
        let bytes = self.serialize_borrowed(topic, value)?;
        buf.clear();
        buf.extend_from_slice(&bytes);
        Ok(())
    }
}

/// Turns bytes into a value.
pub trait Deserializer<T>: Send + Sync + 'static {
    /// Deserializes `bytes`, read from `topic`.
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<T, SerdeError>;
}

/// A serializer and a deserializer of the same type, in one value.
pub trait Serde<T>: Serializer<T> + Deserializer<T> {}

impl<T, S: Serializer<T> + Deserializer<T>> Serde<T> for S {}

/// The serde a type uses when none is named: `String`, `i64`, `i32`, `f64`
/// and `Vec<u8>` have one. Implement it for your own types (for example with
/// [`Json`]) to use them without naming a serde everywhere.
///
/// ```
/// use kafka_client::serde::{DefaultSerde, Json};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Order { id: u64 }
/// impl DefaultSerde for Order {
///     type Serde = Json<Order>;
/// }
/// ```
pub trait DefaultSerde: Sized + 'static {
    /// The serde used for this type.
    type Serde: Serde<Self> + Default;

    /// A shared instance of the default serde.
    fn default_serde() -> SharedSerde<Self> {
        SharedSerde::new(Self::Serde::default())
    }
}

/// A cheaply cloneable, type-erased serde, as producers, consumers and stream
/// topologies store them.
pub struct SharedSerde<T>(Arc<dyn Serde<T>>);

impl<T> SharedSerde<T> {
    /// Wraps a serde.
    pub fn new(serde: impl Serde<T>) -> Self {
        SharedSerde(Arc::new(serde))
    }
}

impl<T> Clone for SharedSerde<T> {
    fn clone(&self) -> Self {
        SharedSerde(self.0.clone())
    }
}

impl<T> fmt::Debug for SharedSerde<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedSerde<{}>", std::any::type_name::<T>())
    }
}

impl<T: 'static> Serializer<T> for SharedSerde<T> {
    fn serialize(&self, topic: &str, value: &T) -> Result<Vec<u8>, SerdeError> {
        self.0.serialize(topic, value)
    }

    fn serialize_borrowed<'a>(
        &self,
        topic: &str,
        value: &'a T,
    ) -> Result<Cow<'a, [u8]>, SerdeError> {
        self.0.serialize_borrowed(topic, value)
    }

    fn serialize_into(&self, topic: &str, value: &T, buf: &mut Vec<u8>) -> Result<(), SerdeError> {
        self.0.serialize_into(topic, value, buf)
    }
}

impl<T: 'static> Deserializer<T> for SharedSerde<T> {
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<T, SerdeError> {
        self.0.deserialize(topic, bytes)
    }
}
