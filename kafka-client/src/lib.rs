//! A typed Kafka client on librdkafka.
//!
//! - [`Producer`]: typed records, sync sends that await the broker's
//!   acknowledgement, async sends that return at once, Java-compatible key
//!   partitioning (murmur2) and exact round-robin for keyless records.
//! - [`Consumer`]: group subscriptions or manual assignment, typed records
//!   through `recv().await` or a `Stream`, full offset control and rebalance
//!   listeners.
//! - [`serde`]: serdes that match Kafka's byte for byte, and JSON.
//! - [`Admin`]: create, delete, describe and list topics.
//! - [`EmbeddedKafka`]: an in-process Kafka-protocol cluster for examples and
//!   tests, with fault injection.
#![deny(unsafe_code)]

pub mod admin;
pub mod config;
pub mod consumer;
pub mod embedded;
pub mod error;
mod logging;
pub mod producer;
pub mod record;
pub mod serde;
mod topic_name;

pub use admin::{Admin, NewTopic, TopicDescription};
pub use config::ClientConfig;
pub use consumer::{
    Consumer, ConsumerBuilder, GroupMetadata, Offset, OffsetReset, RebalanceHandle,
    RebalanceListener,
};
pub use embedded::EmbeddedKafka;
pub use error::{DeserializationError, Error, Result};
pub use producer::{DeliveryFailure, DeliveryFuture, Partitioner, Producer, SendError};
pub use record::{
    ConsumerRecord, Header, Headers, ProducerRecord, RecordMetadata, TopicName, TopicPartition,
};
