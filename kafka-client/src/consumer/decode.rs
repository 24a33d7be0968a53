//! Turning a message from librdkafka into a typed [`ConsumerRecord`], or
//! into a [`DeserializationError`] that keeps every raw byte.

use rdkafka::message::{BorrowedMessage, Message};

use crate::error::{DeserializationError, Error, Result};
use crate::record::{ConsumerRecord, Headers, TopicName};
use crate::serde::Deserializer;

/// Decodes a message of `topic` (its topic's shared name, looked up once by
/// the caller). A key or value its deserializer rejects gives
/// [`Error::Deserialization`] with the record's coordinates and raw bytes.
pub(crate) fn decode<K: 'static, V: 'static>(
    message: &BorrowedMessage<'_>,
    topic: TopicName,
    key_deserializer: &dyn Deserializer<K>,
    value_deserializer: &dyn Deserializer<V>,
) -> Result<ConsumerRecord<K, V>> {
    let key = match message.key() {
        None => None,
        Some(bytes) => match key_deserializer.deserialize(&topic, bytes) {
            Ok(key) => Some(key),
            Err(source) => return Err(failure(message, "key", source)),
        },
    };
    let value = match message.payload() {
        None => None,
        Some(bytes) => match value_deserializer.deserialize(&topic, bytes) {
            Ok(value) => Some(value),
            Err(source) => return Err(failure(message, "value", source)),
        },
    };
    Ok(ConsumerRecord {
        topic,
        partition: message.partition(),
        offset: message.offset(),
        timestamp: message.timestamp().to_millis(),
        headers: Headers::from_rdkafka(message.headers()),
        key,
        value,
    })
}

fn failure(
    message: &BorrowedMessage<'_>,
    part: &'static str,
    source: crate::serde::SerdeError,
) -> Error {
    Error::Deserialization(Box::new(DeserializationError {
        topic: message.topic().to_string(),
        partition: message.partition(),
        offset: message.offset(),
        part,
        key: message.key().map(<[u8]>::to_vec),
        value: message.payload().map(<[u8]>::to_vec),
        timestamp: message.timestamp().to_millis(),
        headers: Headers::from_rdkafka(message.headers()),
        source,
    }))
}
