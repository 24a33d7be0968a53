//! Records that could not be deserialized, as dead-letter records.

use kafka_client::{DeserializationError, Headers, ProducerRecord};

/// The dead-letter record for `error`: the raw key and value as they were,
/// the record's own headers and timestamp, and headers naming the error and
/// the record's origin.
pub(crate) fn dead_letter_record(
    topic: &str,
    error: &DeserializationError,
) -> ProducerRecord<Vec<u8>, Vec<u8>> {
    let mut headers = Headers::new();
    for header in error.headers.iter() {
        match &header.value {
            Some(v) => headers.insert(header.key.clone(), v.clone()),
            None => headers.insert_null(header.key.clone()),
        }
    }
    headers.insert("x-dlq-error", error.to_string());
    headers.insert("x-dlq-topic", error.topic.clone());
    headers.insert("x-dlq-partition", error.partition.to_string());
    headers.insert("x-dlq-offset", error.offset.to_string());
    headers.insert("x-dlq-part", error.part);
    let record =
        ProducerRecord::from_parts(topic, error.key.clone(), error.value.clone()).headers(headers);
    match error.timestamp {
        Some(ts) => record.timestamp(ts),
        None => record,
    }
}
