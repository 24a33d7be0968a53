//! JSON serde for any `serde` type.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Deserializer, SerdeError, Serializer};

/// JSON through `serde_json`, for any `T: Serialize + DeserializeOwned`.
///
/// ```
/// use kafka_client::serde::{Deserializer, Json, Serializer};
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct View { user: String, page: String }
/// let serde = Json::<View>::new();
/// let bytes = serde.serialize("t", &View { user: "a".into(), page: "/".into() }).unwrap();
/// assert_eq!(bytes, br#"{"user":"a","page":"/"}"#);
/// assert!(serde.deserialize("t", b"{not json").is_err());
/// ```
pub struct Json<T>(PhantomData<fn() -> T>);

impl<T> Json<T> {
    /// A JSON serde for `T`.
    pub fn new() -> Self {
        Json(PhantomData)
    }
}

impl<T> Default for Json<T> {
    fn default() -> Self {
        Json::new()
    }
}

impl<T> Clone for Json<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Json<T> {}

impl<T> fmt::Debug for Json<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Json<{}>", std::any::type_name::<T>())
    }
}

impl<T: Serialize + 'static> Serializer<T> for Json<T> {
    fn serialize(&self, _topic: &str, value: &T) -> Result<Vec<u8>, SerdeError> {
        serde_json::to_vec(value)
            .map_err(|e| SerdeError::with_source("JSON serialization failed", e))
    }

    fn serialize_into(&self, _topic: &str, value: &T, buf: &mut Vec<u8>) -> Result<(), SerdeError> {
        buf.clear();
        serde_json::to_writer(&mut *buf, value)
            .map_err(|e| SerdeError::with_source("JSON serialization failed", e))
    }
}

impl<T: DeserializeOwned + 'static> Deserializer<T> for Json<T> {
    fn deserialize(&self, _topic: &str, bytes: &[u8]) -> Result<T, SerdeError> {
        serde_json::from_slice(bytes).map_err(|e| SerdeError::with_source("malformed JSON", e))
    }
}
