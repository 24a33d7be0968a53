//! The crate's one error type.

use kafka_client::serde::SerdeError;
use kafka_client::{DeserializationError, TopicName};

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a record being processed came from: the input topic, partition and
/// offset of the record that started the processing, or a punctuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOrigin {
    /// A record read from `topic[partition]@offset`.
    Input {
        /// The topic (the full name, for internal topics).
        topic: TopicName,
        /// The partition.
        partition: i32,
        /// The offset.
        offset: i64,
    },
    /// A punctuation at this time (stream time or wall-clock time).
    Punctuation {
        /// The punctuation's timestamp in milliseconds.
        timestamp: i64,
    },
}

impl std::fmt::Display for RecordOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordOrigin::Input {
                topic,
                partition,
                offset,
            } => write!(f, "the record at {topic}[{partition}]@{offset}"),
            RecordOrigin::Punctuation { timestamp } => {
                write!(f, "a punctuation at {timestamp} ms")
            }
        }
    }
}

/// Everything that can go wrong in `kafka-streams`.
///
/// Build-time mistakes (duplicate names, a missing store, a topology that
/// writes nowhere) come back from `StreamsBuilder::build`; run-time failures
/// carry the record's origin so that a handler can log, skip or dead-letter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two processors, two stores or two repartition topics got the same name.
    #[error("duplicate {kind} name `{name}`: every {kind} needs a unique name (pass a different name to Named/Materialized/Grouped)")]
    DuplicateName {
        /// `"processor"`, `"store"` or `"repartition topic"`.
        kind: &'static str,
        /// The name used twice.
        name: String,
    },

    /// A processor refers to a state store that was never added.
    #[error("processor `{processor}` uses state store `{store}`, which does not exist: add it with StreamsBuilder::add_state_store before building")]
    MissingStore {
        /// The processor.
        processor: String,
        /// The store it asked for.
        store: String,
    },

    /// Two sources read the same topic.
    #[error("topic `{topic}` is read by two sources, `{first}` and `{second}`: read it once and share the stream")]
    TopicAlreadyRegistered {
        /// The topic.
        topic: String,
        /// The first source.
        first: String,
        /// The second source.
        second: String,
    },

    /// The topology reads nothing.
    #[error(
        "the topology has no source: call StreamsBuilder::stream or StreamsBuilder::table first"
    )]
    NoSource,

    /// The topology produces nothing observable.
    #[error("the topology writes nowhere: add a sink (KStream::to), a state store (an aggregation or a materialized table) or a side effect (foreach, peek, process)")]
    NoOutput,

    /// A processor asked for a store it is not connected to.
    #[error("processor `{processor}` is not connected to state store `{store}`: list the store when adding the processor")]
    StoreNotConnected {
        /// The processor.
        processor: String,
        /// The store.
        store: String,
    },

    /// No store has this name (in this task).
    #[error("no state store named `{store}`{}", if available.is_empty() { String::new() } else { format!(" (stores: {})", available.join(", ")) })]
    UnknownStore {
        /// The requested name.
        store: String,
        /// The stores that exist.
        available: Vec<String>,
    },

    /// A store was asked for as another kind of store (a window store as a
    /// key-value store, ...).
    #[error("state store `{store}` is {actual}, not {expected}")]
    StoreKindMismatch {
        /// The store.
        store: String,
        /// The kind asked for.
        expected: &'static str,
        /// The store's kind.
        actual: &'static str,
    },

    /// A store was asked for with the wrong key or value type.
    #[error("state store `{store}` holds {actual}, not {expected}: ask for it with its own key and value types")]
    StoreTypeMismatch {
        /// The store.
        store: String,
        /// The requested types.
        expected: String,
        /// The store's types.
        actual: String,
    },

    /// A store's key or value could not be (de)serialized.
    #[error("state store `{store}` could not {operation} a {part}: {source}")]
    StoreSerde {
        /// The store.
        store: String,
        /// `"serialize"` or `"deserialize"`.
        operation: &'static str,
        /// `"key"` or `"value"`.
        part: &'static str,
        /// The serde's error.
        #[source]
        source: SerdeError,
    },

    /// An input record could not be deserialized. It carries the raw bytes,
    /// topic, partition and offset, for a deserialization handler.
    #[error(transparent)]
    Deserialization(#[from] Box<DeserializationError>),

    /// An output record could not be serialized.
    #[error("sink `{processor}` could not serialize the {part} of a record for topic `{topic}` ({origin}): {source}")]
    Serialization {
        /// The sink node.
        processor: String,
        /// The destination topic.
        topic: String,
        /// `"key"` or `"value"`.
        part: &'static str,
        /// Where the record came from.
        origin: RecordOrigin,
        /// The serde's error.
        #[source]
        source: Box<SerdeError>,
    },

    /// A timestamp extractor returned a negative timestamp.
    #[error("the timestamp extractor of source `{source_node}` returned {timestamp} for {origin}: timestamps must be >= 0")]
    InvalidTimestamp {
        /// The source node.
        source_node: String,
        /// The extracted timestamp.
        timestamp: i64,
        /// The record.
        origin: RecordOrigin,
    },

    /// A processor (or a user closure inside it) failed or panicked.
    #[error("processor `{processor}` failed on {origin}: {message}")]
    Processor {
        /// The processor's name.
        processor: String,
        /// Where the record came from.
        origin: RecordOrigin,
        /// What went wrong (the panic message or the error's text).
        message: String,
        /// The error the processor returned, if it returned one.
        #[source]
        source: Option<Box<Error>>,
    },

    /// A processor forwarded to a node that is not one of its children.
    #[error("processor `{processor}` has no child named `{child}`")]
    UnknownChild {
        /// The processor.
        processor: String,
        /// The requested child.
        child: String,
    },

    /// A task received a record from a topic it does not read.
    #[error("sub-topology {subtopology} does not read topic `{topic}`")]
    UnknownTopic {
        /// The topic.
        topic: String,
        /// The sub-topology.
        subtopology: usize,
    },

    /// No sub-topology has this id.
    #[error("the topology has no sub-topology {0}")]
    UnknownSubTopology(usize),

    /// A punctuation was scheduled with a zero interval.
    #[error("processor `{processor}` scheduled a punctuation with interval 0: use at least 1 ms")]
    InvalidPunctuationInterval {
        /// The processor.
        processor: String,
    },

    /// A configuration setting was rejected.
    #[error("invalid configuration `{key}`: {message}")]
    Config {
        /// The setting's name.
        key: String,
        /// Why it was rejected.
        message: String,
    },

    /// A Kafka client operation failed.
    #[error("{operation} failed: {source}")]
    Client {
        /// What the runtime was doing.
        operation: &'static str,
        /// The client's error.
        #[source]
        source: Box<kafka_client::Error>,
    },

    /// An internal topic could not be created.
    #[error("could not create internal topic `{topic}` ({partitions} partitions): {source}. A cluster that cannot create topics (an embedded cluster started by another process has no CreateTopics) needs it beforehand, e.g. `cargo run -p examples --example broker -- --topic {topic}:{partitions}`")]
    InternalTopic {
        /// The topic.
        topic: String,
        /// Its partition count.
        partitions: i32,
        /// The client's error.
        #[source]
        source: Box<kafka_client::Error>,
    },

    /// Topics that must be co-partitioned have different partition counts.
    #[error("these topics must have the same number of partitions (they are joined or processed together by one task), but have: {}", topics.iter().map(|(t, n)| format!("{t}={n}")).collect::<Vec<_>>().join(", "))]
    CoPartitioning {
        /// Each topic with its partition count.
        topics: Vec<(String, i32)>,
    },

    /// A store could not be restored from its changelog.
    #[error("restoring store `{store}` from {changelog} failed: {message}")]
    Restore {
        /// The store.
        store: String,
        /// The changelog partition.
        changelog: String,
        /// What went wrong.
        message: String,
    },

    /// An operation was called in a state that does not allow it.
    #[error("`{operation}` cannot be done while the application is {state}")]
    InvalidState {
        /// The operation.
        operation: &'static str,
        /// The application's state.
        state: String,
    },

    /// Something did not happen in time.
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        timeout: std::time::Duration,
    },

    /// A DSL call that cannot work as recorded (found by `build()`), such as
    /// suppressing a table that is not windowed or joining a table that is
    /// not materialized. The message says what to change.
    #[error("invalid topology: {0}")]
    InvalidTopology(String),

    /// Window, join-window or session-window parameters that make no sense.
    #[error("invalid windows: {0}")]
    InvalidWindows(String),

    /// A suppression buffer configured to shut down when full became full.
    #[error("suppression buffer of `{processor}` is full ({limit} records) and is configured to shut down when full: raise BufferConfig::max_records, use emit_early_when_full, or lower the grace period")]
    SuppressionBufferFull {
        /// The suppress processor.
        processor: String,
        /// The buffer's record limit.
        limit: usize,
    },

    /// The test driver was used in a way it cannot serve.
    #[error("test driver: {0}")]
    TestDriver(String),

    /// A record reached a node with a type it was not built for. This is a
    /// bug in kafka-streams, not in the application.
    #[error("internal error in node `{node}`: {message} (please report this bug)")]
    Internal {
        /// The node.
        node: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// Whether this is a client error saying the producer was fenced (a
    /// newer instance with the same transactional id took over).
    pub fn is_fenced(&self) -> bool {
        matches!(self, Error::Client { source, .. } if source.is_fenced())
    }

    /// A client error, with what the runtime was doing.
    pub(crate) fn client(operation: &'static str, source: kafka_client::Error) -> Self {
        Error::Client {
            operation,
            source: Box::new(source),
        }
    }

    /// The deserialization error, if this is one (for a deserialization handler).
    pub fn as_deserialization(&self) -> Option<&DeserializationError> {
        match self {
            Error::Deserialization(e) => Some(e),
            _ => None,
        }
    }
}
