//! The crate's one error type.

use std::time::Duration;

use crate::record::TopicPartition;
use crate::serde::SerdeError;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `kafka-client`.
///
/// Messages say what failed and where (topic, partition, setting) and, when
/// there is something to do about it, what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration setting was rejected.
    #[error("invalid configuration `{key}`: {message}")]
    Config {
        /// The setting's name.
        key: String,
        /// Why it was rejected.
        message: String,
    },

    /// No bootstrap servers were configured.
    #[error(
        "no Kafka bootstrap servers: set KAFKA_BOOTSTRAP_SERVERS (start a broker with \
         `cargo run -p examples --example broker` or `docker compose up -d`) or call \
         ClientConfig::bootstrap_servers"
    )]
    NoBootstrapServers,

    /// A key or value could not be serialized; nothing was sent.
    #[error("could not serialize the {part} of a record for topic `{topic}`: {source}")]
    Serialization {
        /// The destination topic.
        topic: String,
        /// `"key"` or `"value"`.
        part: &'static str,
        /// The serde's error.
        #[source]
        source: SerdeError,
    },

    /// A consumed record could not be deserialized. The consumer keeps going;
    /// the raw bytes are kept so that nothing is lost.
    #[error(transparent)]
    Deserialization(#[from] Box<DeserializationError>),

    /// The topic does not exist on the cluster.
    #[error("topic `{topic}` does not exist (create it first, e.g. with Admin::create_topics)")]
    UnknownTopic {
        /// The topic's name.
        topic: String,
    },

    /// The partition does not exist.
    #[error("partition {partition} does not exist in topic `{topic}`, which has {partition_count} partitions")]
    UnknownPartition {
        /// The topic's name.
        topic: String,
        /// The requested partition.
        partition: i32,
        /// How many partitions the topic has.
        partition_count: i32,
    },

    /// The cluster could not be reached in time.
    #[error(
        "could not reach the Kafka cluster at `{bootstrap_servers}` within {timeout:?}: {message}"
    )]
    BrokerUnreachable {
        /// The bootstrap servers that were tried.
        bootstrap_servers: String,
        /// How long it was tried.
        timeout: Duration,
        /// What librdkafka said.
        message: String,
    },

    /// A record could not be delivered to the broker.
    #[error("could not deliver a record to `{topic}`: {source}")]
    Delivery {
        /// The destination topic.
        topic: String,
        /// The underlying error.
        #[source]
        source: rdkafka::error::KafkaError,
    },

    /// Records sent without waiting for their outcome were not delivered.
    /// `flush` and `close` report them once each, with their data, so they
    /// can be sent again or put elsewhere.
    #[error(
        "{} record(s) could not be delivered; the first: {}",
        .failures.len(),
        .failures.first().map(ToString::to_string).unwrap_or_default()
    )]
    Undelivered {
        /// Each record that failed, with its error and serialized data.
        failures: Vec<crate::producer::DeliveryFailure>,
    },

    /// A Kafka operation failed.
    #[error("{operation} failed: {source}")]
    Kafka {
        /// What was being done.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: rdkafka::error::KafkaError,
    },

    /// An operation on an offset or partition failed.
    #[error("{operation} on {partition} failed: {source}")]
    Partition {
        /// What was being done.
        operation: &'static str,
        /// The partition it was done on.
        partition: TopicPartition,
        /// The underlying error.
        #[source]
        source: rdkafka::error::KafkaError,
    },

    /// An operation did not finish in time.
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout {
        /// What was being waited for.
        what: String,
        /// How long it was waited for.
        timeout: Duration,
    },

    /// An admin operation on a topic failed.
    #[error("admin operation `{operation}` on topic `{topic}` failed: {message}")]
    Admin {
        /// The operation (`create_topics`, `delete_topics`, ...).
        operation: &'static str,
        /// The topic.
        topic: String,
        /// What the broker said.
        message: String,
    },

    /// The operation is not supported by the cluster in use.
    #[error("`{operation}` is not supported by {cluster}: {hint}")]
    Unsupported {
        /// The operation.
        operation: &'static str,
        /// The kind of cluster.
        cluster: &'static str,
        /// What to do instead.
        hint: &'static str,
    },

    /// The embedded cluster failed.
    #[error("embedded Kafka cluster: {0}")]
    Embedded(String),

    /// The client was already closed.
    #[error("the {0} is closed")]
    Closed(&'static str),

    /// A lookup of offsets by timestamp found none.
    #[error(
        "no offset for timestamp {timestamp} in {partition}: the broker answered -1, which a \
         real broker does when every record is older than the timestamp and the embedded \
         cluster always does (it does not implement ListOffsets by timestamp); seek to the \
         end explicitly if that is what you want"
    )]
    NoOffsetForTimestamp {
        /// The partition that was looked up.
        partition: TopicPartition,
        /// The timestamp, in milliseconds since the epoch.
        timestamp: i64,
    },

    /// The operation is not allowed in the client's current state.
    #[error("cannot {operation}: {reason}")]
    InvalidState {
        /// What was attempted.
        operation: &'static str,
        /// Why it is not allowed, and what to do instead.
        reason: String,
    },

    /// A transactional producer operation failed. The flags say what to do:
    /// `fenced` (another producer with the same `transactional.id` took
    /// over: drop this producer; its open transaction is aborted by the
    /// broker), `abortable` (call `abort_transaction`, then process the
    /// transaction's input again), `retriable` (call the same operation
    /// again). With none set, the producer is in an unusable state or was
    /// used wrongly (see the message).
    #[error("transaction operation `{operation}` failed: {message} ({})", transaction_advice(*.fenced, *.abortable, *.retriable))]
    Transaction {
        /// The operation: `init_transactions`, `begin_transaction`,
        /// `send_offsets_to_transaction`, `commit_transaction` or
        /// `abort_transaction`.
        operation: &'static str,
        /// Another producer with the same `transactional.id` has fenced
        /// this one; it can never commit again. Implies a fatal error.
        fenced: bool,
        /// The current transaction must be aborted with `abort_transaction`
        /// before anything else; the producer stays usable.
        abortable: bool,
        /// Calling the same operation again may succeed (e.g. a timeout).
        retriable: bool,
        /// What librdkafka (or the broker) said, with the error's name.
        message: String,
    },

    /// A rebalance listener failed.
    #[error("rebalance listener failed on {event}: {message}")]
    RebalanceListener {
        /// `assigned`, `revoked` or `lost`.
        event: &'static str,
        /// The listener's error.
        message: String,
    },
}

impl Error {
    /// Whether retrying the same operation later may succeed.
    pub fn is_retriable(&self) -> bool {
        use rdkafka::error::{KafkaError, RDKafkaErrorCode as C};
        fn code_retriable(e: &KafkaError) -> bool {
            matches!(
                e.rdkafka_error_code(),
                Some(
                    C::QueueFull
                        | C::RequestTimedOut
                        | C::MessageTimedOut
                        | C::BrokerTransportFailure
                        | C::AllBrokersDown
                        | C::NotLeaderForPartition
                        | C::LeaderNotAvailable
                        | C::NetworkException
                        | C::NotCoordinator
                        | C::CoordinatorNotAvailable
                        | C::CoordinatorLoadInProgress
                        | C::RebalanceInProgress
                        | C::NotEnoughReplicas
                        | C::NotEnoughReplicasAfterAppend
                        | C::OperationTimedOut
                )
            )
        }
        match self {
            Error::Delivery { source, .. }
            | Error::Kafka { source, .. }
            | Error::Partition { source, .. } => code_retriable(source),
            Error::BrokerUnreachable { .. } | Error::Timeout { .. } => true,
            Error::Transaction { retriable, .. } => *retriable,
            _ => false,
        }
    }

    /// Whether this producer was fenced: another producer with the same
    /// `transactional.id` called `init_transactions`. The producer can never
    /// commit again; drop it (a new one with the same id may take over).
    pub fn is_fenced(&self) -> bool {
        matches!(self, Error::Transaction { fenced: true, .. })
    }

    /// Whether the current transaction must be aborted (with
    /// `Producer::abort_transaction`) before the producer can go on.
    pub fn requires_abort(&self) -> bool {
        matches!(
            self,
            Error::Transaction {
                abortable: true,
                ..
            }
        )
    }

    pub(crate) fn kafka(operation: &'static str, source: rdkafka::error::KafkaError) -> Self {
        if let rdkafka::error::KafkaError::ClientConfig(_, message, key, value) = &source {
            return Error::Config {
                key: key.clone(),
                message: format!("{message} (value `{value}`)"),
            };
        }
        Error::Kafka { operation, source }
    }
}

/// What to do after a failed transaction operation, for its message.
fn transaction_advice(fenced: bool, abortable: bool, retriable: bool) -> &'static str {
    if fenced {
        "fenced: another producer with the same transactional.id took over; drop this producer"
    } else if abortable {
        "call abort_transaction, then process the transaction's input again"
    } else if retriable {
        "retriable: call the same operation again"
    } else {
        "not retriable"
    }
}

/// A record that could not be deserialized, with everything needed to
/// handle it elsewhere (log it, send it to a dead-letter topic, skip it).
#[derive(Debug, thiserror::Error)]
#[error(
    "could not deserialize the {part} of the record at {topic}[{partition}]@{offset}: {source}"
)]
pub struct DeserializationError {
    /// The record's topic.
    pub topic: String,
    /// The record's partition.
    pub partition: i32,
    /// The record's offset.
    pub offset: i64,
    /// `"key"` or `"value"`: the part that failed.
    pub part: &'static str,
    /// The record's raw key.
    pub key: Option<Vec<u8>>,
    /// The record's raw value.
    pub value: Option<Vec<u8>>,
    /// The record's timestamp in milliseconds since the epoch, if any.
    pub timestamp: Option<i64>,
    /// The record's headers.
    pub headers: crate::record::Headers,
    /// The serde's error.
    #[source]
    pub source: SerdeError,
}
