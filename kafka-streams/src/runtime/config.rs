//! The application's configuration.

use std::time::Duration;

use kafka_client::ClientConfig;

use super::handlers::{DeserializationHandler, ProductionHandler};
use crate::error::{Error, Result};

/// The kinds of client the runtime creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientRole {
    /// A stream thread's group consumer.
    MainConsumer,
    /// A stream thread's consumer that replays changelogs.
    RestoreConsumer,
    Producer,
    Admin,
}

impl ClientRole {
    /// Whether an unprefixed setting goes to this kind of client: settings
    /// only one kind understands are kept from the others, so librdkafka
    /// does not warn about them.
    fn accepts(self, key: &str) -> bool {
        const CONSUMER_ONLY: &[&str] = &[
            "session.timeout.ms",
            "heartbeat.interval.ms",
            "max.poll.interval.ms",
            "auto.offset.reset",
            "enable.auto.commit",
            "auto.commit.interval.ms",
            "enable.auto.offset.store",
            "partition.assignment.strategy",
            "isolation.level",
            "enable.partition.eof",
            "check.crcs",
            "group.instance.id",
            "group.protocol",
            "group.remote.assignor",
            "queued.min.messages",
            "queued.max.messages.kbytes",
            "fetch.wait.max.ms",
            "fetch.min.bytes",
            "fetch.max.bytes",
            "fetch.message.max.bytes",
            "max.partition.fetch.bytes",
            "fetch.error.backoff.ms",
            "fetch.queue.backoff.ms",
        ];
        const PRODUCER_ONLY: &[&str] = &[
            "acks",
            "request.required.acks",
            "linger.ms",
            "queue.buffering.max.ms",
            "batch.size",
            "batch.num.messages",
            "compression.type",
            "compression.codec",
            "compression.level",
            "enable.idempotence",
            "message.timeout.ms",
            "delivery.timeout.ms",
            "queue.buffering.max.messages",
            "queue.buffering.max.kbytes",
            "retries",
            "message.send.max.retries",
            "transactional.id",
            "transaction.timeout.ms",
            "partitioner",
            "sticky.partitioning.linger.ms",
        ];
        match self {
            ClientRole::MainConsumer | ClientRole::RestoreConsumer => !PRODUCER_ONLY.contains(&key),
            ClientRole::Producer => !CONSUMER_ONLY.contains(&key),
            ClientRole::Admin => !PRODUCER_ONLY.contains(&key) && !CONSUMER_ONLY.contains(&key),
        }
    }
}

/// The roles a prefixed key is for, its rank among the settings of those
/// roles (a higher rank wins), and the setting's name.
fn split_role(key: &str) -> Option<(&'static [ClientRole], u8, &str)> {
    const CONSUMERS: &[ClientRole] = &[ClientRole::MainConsumer, ClientRole::RestoreConsumer];
    for (prefix, roles, rank) in [
        ("main.consumer.", &[ClientRole::MainConsumer][..], 2),
        ("restore.consumer.", &[ClientRole::RestoreConsumer][..], 2),
        ("consumer.", CONSUMERS, 1),
        ("producer.", &[ClientRole::Producer][..], 1),
        ("admin.", &[ClientRole::Admin][..], 1),
    ] {
        if let Some(rest) = key.strip_prefix(prefix) {
            return Some((roles, rank, rest));
        }
    }
    None
}

/// How strongly the runtime guards against duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessingGuarantee {
    /// Offsets are committed only after every record they cover has been
    /// processed and its output and changelog writes acknowledged. After a
    /// crash, records since the last commit are processed again: nothing is
    /// lost, some updates may be repeated. Kafka's default.
    #[default]
    AtLeastOnce,
    /// Output, changelog writes and consumed offsets commit atomically in one
    /// Kafka transaction per commit interval (Kafka's EOS v2, KIP-447);
    /// consumers read `read_committed`.
    ExactlyOnce,
}

impl std::str::FromStr for ProcessingGuarantee {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "at_least_once" => Ok(ProcessingGuarantee::AtLeastOnce),
            "exactly_once" | "exactly_once_v2" => Ok(ProcessingGuarantee::ExactlyOnce),
            other => Err(format!(
                "`{other}` is not a processing guarantee: use at_least_once or exactly_once_v2"
            )),
        }
    }
}

/// Configuration of a [`KafkaStreams`](super::KafkaStreams) application.
///
/// The application id names the consumer group, the internal topics
/// (`<application.id>-<name>-repartition`, `<application.id>-<store>-changelog`)
/// and the transactional ids. Client settings (bootstrap servers, security,
/// any librdkafka setting) go to every consumer and producer the runtime makes.
///
/// ```
/// use kafka_streams::runtime::{ProcessingGuarantee, StreamsConfig};
/// let config = StreamsConfig::new("wordcount")
///     .bootstrap_servers("localhost:9092")
///     .num_stream_threads(2)
///     .commit_interval(std::time::Duration::from_millis(100));
/// assert_eq!(config.application_id(), "wordcount");
///
/// // Kafka Streams' property names work too, and bad values name the setting.
/// let err = StreamsConfig::from_properties([("application.id", "a"), ("num.stream.threads", "two")])
///     .unwrap_err();
/// assert!(err.to_string().contains("num.stream.threads"));
/// let err = StreamsConfig::from_properties([("bootstrap.servers", "b:9092")]).unwrap_err();
/// assert!(err.to_string().contains("application.id"));
/// let config = StreamsConfig::from_properties([
///     ("application.id", "a"),
///     ("processing.guarantee", "exactly_once_v2"),
/// ]).unwrap();
/// assert_eq!(config.processing_guarantee_ref(), ProcessingGuarantee::ExactlyOnce);
/// ```
#[derive(Debug, Clone)]
pub struct StreamsConfig {
    application_id: String,
    client: ClientConfig,
    num_stream_threads: usize,
    commit_interval: Duration,
    processing_guarantee: ProcessingGuarantee,
    deserialization_handler: DeserializationHandler,
    production_handler: ProductionHandler,
    replication_factor: i32,
    cache_max_keys: usize,
    repartition_record_ids: bool,
}

impl StreamsConfig {
    /// A configuration for the application `application_id`.
    pub fn new(application_id: impl Into<String>) -> Self {
        StreamsConfig {
            application_id: application_id.into(),
            client: ClientConfig::new(),
            num_stream_threads: 1,
            commit_interval: Duration::from_secs(30),
            processing_guarantee: ProcessingGuarantee::AtLeastOnce,
            deserialization_handler: DeserializationHandler::LogAndFail,
            production_handler: ProductionHandler::Fail,
            replication_factor: 1,
            cache_max_keys: crate::task::DEFAULT_FORWARD_CACHE_CAPACITY,
            repartition_record_ids: true,
        }
    }

    /// Builds a configuration from Kafka Streams property names
    /// (`application.id`, `num.stream.threads`, `commit.interval.ms`,
    /// `processing.guarantee`, `replication.factor`, and this crate's
    /// `statestore.cache.max.keys` and `repartition.record.ids`); every other property is
    /// passed to the clients, where librdkafka checks it by name.
    pub fn from_properties<K, V>(properties: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut application_id = None;
        let mut client = ClientConfig::new();
        let mut rest = Vec::new();
        for (key, value) in properties {
            let (key, value) = (key.as_ref(), value.as_ref());
            match key {
                "application.id" => application_id = Some(value.to_string()),
                "num.stream.threads"
                | "commit.interval.ms"
                | "processing.guarantee"
                | "replication.factor"
                | "statestore.cache.max.keys"
                | "repartition.record.ids" => rest.push((key.to_string(), value.to_string())),
                _ => client = client.set(key, value),
            }
        }
        let application_id = application_id.ok_or_else(|| Error::Config {
            key: "application.id".into(),
            message: "is required: it names the consumer group and the internal topics".into(),
        })?;
        let mut config = StreamsConfig::new(application_id).client_config(client);
        for (key, value) in rest {
            let bad = |message: String| Error::Config {
                key: key.clone(),
                message,
            };
            match key.as_str() {
                "num.stream.threads" => {
                    let n: usize = value
                        .parse()
                        .map_err(|_| bad(format!("`{value}` is not a whole number")))?;
                    config = config.num_stream_threads(n);
                }
                "commit.interval.ms" => {
                    let ms: u64 = value
                        .parse()
                        .map_err(|_| bad(format!("`{value}` is not a number of milliseconds")))?;
                    config = config.commit_interval(Duration::from_millis(ms));
                }
                "processing.guarantee" => {
                    config = config.processing_guarantee(value.parse().map_err(bad)?);
                }
                "statestore.cache.max.keys" => {
                    let n: usize = value
                        .parse()
                        .map_err(|_| bad(format!("`{value}` is not a whole number")))?;
                    config = config.cache_max_keys(n);
                }
                "repartition.record.ids" => {
                    let on: bool = value
                        .parse()
                        .map_err(|_| bad(format!("`{value}` is not `true` or `false`")))?;
                    config = config.repartition_record_ids(on);
                }
                _ => {
                    let n: i32 = value
                        .parse()
                        .map_err(|_| bad(format!("`{value}` is not a whole number")))?;
                    config = config.replication_factor(n);
                }
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Sets the bootstrap servers (default: `KAFKA_BOOTSTRAP_SERVERS`).
    pub fn bootstrap_servers(mut self, servers: impl Into<String>) -> Self {
        self.client = self.client.bootstrap_servers(servers);
        self
    }

    /// Replaces the client settings used for every consumer and producer.
    pub fn client_config(mut self, client: ClientConfig) -> Self {
        self.client = client;
        self
    }

    /// Sets one client setting (any librdkafka setting).
    ///
    /// As in Kafka Streams, a prefix gives a setting to some clients only:
    /// `consumer.` to a stream thread's consumers, `main.consumer.` to its
    /// group consumer, `restore.consumer.` to the consumer that replays
    /// changelogs, `producer.` to its producer, `admin.` to the admin
    /// client. A more specific prefix wins: `main.consumer.` and
    /// `restore.consumer.` over `consumer.`, which wins over no prefix.
    /// Unprefixed settings that only consumers or only producers know go
    /// to those alone.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.client = self.client.set(key, value);
        self
    }

    /// How many stream threads (each with its own consumer) this instance runs.
    pub fn num_stream_threads(mut self, threads: usize) -> Self {
        self.num_stream_threads = threads;
        self
    }

    /// How often offsets are committed (after output is flushed). Default 30 s
    /// (Kafka's default; 100 ms under exactly-once in Kafka).
    pub fn commit_interval(mut self, interval: Duration) -> Self {
        self.commit_interval = interval;
        self
    }

    /// At-least-once (default) or exactly-once.
    pub fn processing_guarantee(mut self, guarantee: ProcessingGuarantee) -> Self {
        self.processing_guarantee = guarantee;
        self
    }

    /// What to do with input records that cannot be deserialized.
    pub fn deserialization_handler(mut self, handler: DeserializationHandler) -> Self {
        self.deserialization_handler = handler;
        self
    }

    /// What to do when the broker refuses an output record.
    pub fn production_handler(mut self, handler: ProductionHandler) -> Self {
        self.production_handler = handler;
        self
    }

    /// The replication factor of the internal topics the runtime creates.
    pub fn replication_factor(mut self, factor: i32) -> Self {
        self.replication_factor = factor;
        self
    }

    /// The record cache of the KTable aggregations (`count`, `reduce`,
    /// `aggregate`): how many keys each one (per task) holds back before it
    /// forwards them all; they are forwarded at every commit anyway. A key
    /// updated many times between commits then goes downstream once, with
    /// its latest value, as with Kafka Streams' `statestore.cache.max.bytes`
    /// (this bounds keys, not bytes). 0 forwards every update at once.
    /// Default 10,000. An aggregation with a repartition topic downstream
    /// (a re-grouped table) never caches: see the runtime's guarantees.
    pub fn cache_max_keys(mut self, keys: usize) -> Self {
        self.cache_max_keys = keys;
        self
    }

    /// Whether records sent to repartition topics carry the runtime's
    /// record id (a `ks.o` header; default `true`).
    ///
    /// With ids, a downstream aggregation applies each upstream result
    /// once, even when the upstream task processes its input again (after
    /// a crash, or a commit refused during a rebalance): state stays exact
    /// under at-least-once. Without them, such a result is applied again,
    /// as in Kafka Streams' at-least-once: a count may then count a word
    /// twice. Under `exactly_once_v2`, on a broker that completes
    /// transactions, the ids add nothing (aborted records are never read);
    /// on the embedded cluster, which shows aborted records, they are what
    /// keeps state exact.
    ///
    /// The ids cost librdkafka a header per repartition record on both
    /// sides, and the broker one per record too: word count ran 13 % to
    /// 40 % faster without them (BENCHMARKS.md). Records that already
    /// carry an id are still checked, so turning ids off or on again is
    /// safe for a running application's topics.
    ///
    /// ```
    /// use kafka_streams::runtime::StreamsConfig;
    /// let config = StreamsConfig::from_properties([
    ///     ("application.id", "wordcount"),
    ///     ("repartition.record.ids", "false"),
    /// ]).unwrap();
    /// assert!(!config.repartition_record_ids_ref());
    /// assert!(StreamsConfig::new("wordcount").repartition_record_ids_ref());
    /// let err = StreamsConfig::from_properties([
    ///     ("application.id", "wordcount"),
    ///     ("repartition.record.ids", "off"),
    /// ]).unwrap_err();
    /// assert!(err.to_string().contains("repartition.record.ids"));
    /// ```
    pub fn repartition_record_ids(mut self, on: bool) -> Self {
        self.repartition_record_ids = on;
        self
    }

    /// The application id.
    pub fn application_id(&self) -> &str {
        &self.application_id
    }

    /// The client settings as given (with any prefixed keys: see
    /// [`set`](Self::set)).
    pub fn client(&self) -> &ClientConfig {
        &self.client
    }

    /// The settings for one kind of client: every unprefixed setting that
    /// applies to it, then the settings prefixed for it, which win (see
    /// [`set`](Self::set)).
    pub(crate) fn client_for(&self, role: ClientRole) -> ClientConfig {
        let mut out = ClientConfig::new().request_timeout(self.client.timeout());
        let mut prefixed = Vec::new();
        for (key, value) in self.client.entries() {
            match split_role(key) {
                Some((roles, rank, rest)) if roles.contains(&role) => {
                    prefixed.push((rank, rest, value))
                }
                Some(_) => {}
                None if role.accepts(key) => out = out.set(key, value),
                None => {}
            }
        }
        // Stable: settings of one rank keep their order.
        prefixed.sort_by_key(|(rank, _, _)| *rank);
        for (_, key, value) in prefixed {
            out = out.set(key, value);
        }
        out
    }

    /// The number of stream threads.
    pub fn num_stream_threads_ref(&self) -> usize {
        self.num_stream_threads
    }

    /// The commit interval.
    pub fn commit_interval_ref(&self) -> Duration {
        self.commit_interval
    }

    /// The record cache size in keys (see [`cache_max_keys`](Self::cache_max_keys)).
    pub fn cache_max_keys_ref(&self) -> usize {
        self.cache_max_keys
    }

    /// Whether repartition records carry record ids (see
    /// [`repartition_record_ids`](Self::repartition_record_ids)).
    pub fn repartition_record_ids_ref(&self) -> bool {
        self.repartition_record_ids
    }

    /// The processing guarantee.
    pub fn processing_guarantee_ref(&self) -> ProcessingGuarantee {
        self.processing_guarantee
    }

    pub(crate) fn deserialization_handler_ref(&self) -> &DeserializationHandler {
        &self.deserialization_handler
    }

    pub(crate) fn production_handler_ref(&self) -> ProductionHandler {
        self.production_handler
    }

    pub(crate) fn replication_factor_ref(&self) -> i32 {
        self.replication_factor
    }

    /// Checks the settings that the runtime itself interprets, and every
    /// client setting's name and value (through librdkafka, without
    /// connecting).
    pub fn validate(&self) -> Result<()> {
        let id = &self.application_id;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(Error::Config {
                key: "application.id".into(),
                message: format!(
                    "`{id}` is not valid: use a non-empty name of ASCII letters, digits, '.', '_' and '-' (it becomes part of topic names)"
                ),
            });
        }
        if self.num_stream_threads == 0 {
            return Err(Error::Config {
                key: "num.stream.threads".into(),
                message: "must be at least 1".into(),
            });
        }
        if self.commit_interval.is_zero() {
            return Err(Error::Config {
                key: "commit.interval.ms".into(),
                message: "must be at least 1 ms".into(),
            });
        }
        if self.replication_factor < 1 {
            return Err(Error::Config {
                key: "replication.factor".into(),
                message: "must be at least 1".into(),
            });
        }
        // Client settings: librdkafka checks names and values now, so that a
        // typo is refused before anything connects, not when a stream
        // thread creates its consumer.
        for role in [
            ClientRole::MainConsumer,
            ClientRole::RestoreConsumer,
            ClientRole::Producer,
            ClientRole::Admin,
        ] {
            match self.client_for(role).validate() {
                Ok(()) => {}
                Err(kafka_client::Error::Config { key, message }) => {
                    return Err(Error::Config {
                        key,
                        message: format!(
                            "{message} (a client setting, passed to librdkafka: see its CONFIGURATION.md for names and values)"
                        ),
                    });
                }
                Err(other) => return Err(Error::client("checking the client settings", other)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_more_specific_prefix_wins() {
        let config = StreamsConfig::new("app")
            .set("fetch.wait.max.ms", "50")
            .set("restore.consumer.fetch.wait.max.ms", "5")
            .set("consumer.fetch.wait.max.ms", "20")
            .set("main.consumer.session.timeout.ms", "7000")
            .set("producer.linger.ms", "3");
        let main = config.client_for(ClientRole::MainConsumer);
        let restore = config.client_for(ClientRole::RestoreConsumer);
        let producer = config.client_for(ClientRole::Producer);
        assert_eq!(main.get("fetch.wait.max.ms"), Some("20"));
        assert_eq!(restore.get("fetch.wait.max.ms"), Some("5"));
        assert_eq!(main.get("session.timeout.ms"), Some("7000"));
        assert_eq!(restore.get("session.timeout.ms"), None);
        assert_eq!(producer.get("linger.ms"), Some("3"));
        assert_eq!(producer.get("fetch.wait.max.ms"), None);
        assert_eq!(main.get("linger.ms"), None);
    }
}
