//! The suite against a broker: the embedded cluster by default, or the
//! broker named by `KAFKA_BOOTSTRAP_SERVERS` (a real Apache Kafka, or the
//! tansu process that `.ci/run` starts).
//!
//! Scenarios that need a feature a broker lacks are skipped there with a
//! message on stderr saying why; they never pass silently.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use kafka_client::config::BOOTSTRAP_SERVERS_ENV;
use kafka_client::{Admin, ClientConfig, EmbeddedKafka, NewTopic};

pub mod crash;
pub mod markers;
pub mod support;

/// What kind of broker the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerKind {
    /// librdkafka's mock cluster, in this process.
    Embedded,
    /// A broker process named by `KAFKA_BOOTSTRAP_SERVERS`.
    External,
}

/// A feature a scenario may need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// DeleteTopics.
    DeleteTopics,
    /// ListOffsets by timestamp.
    OffsetsByTime,
    /// A broker that outlives the test process.
    OutlivesProcess,
    /// Completed transactions (EndTxn writing markers).
    Transactions,
    /// ListOffsets `latest` answers the true end offset (the high
    /// watermark). Lag, `wait_until_caught_up` and changelog restores rely on
    /// it. tansu 0.6 answers the base offset of the last batch + 1.
    CorrectEndOffsets,
    /// A consumer that joins a group after all its earlier members closed
    /// gets an assignment promptly. tansu 0.6 sometimes never assigns it.
    ReliableGroupRestart,
}

/// The broker under test, with a fresh-name generator.
#[derive(Debug)]
pub struct TestBroker {
    kind: BrokerKind,
    bootstrap_servers: String,
    _embedded: Option<EmbeddedKafka>,
}

impl TestBroker {
    /// The broker named by `KAFKA_BOOTSTRAP_SERVERS`, or a new embedded
    /// cluster of `brokers` brokers when it is unset.
    pub fn start(brokers: i32) -> kafka_client::Result<Self> {
        match std::env::var(BOOTSTRAP_SERVERS_ENV) {
            Ok(servers) if !servers.trim().is_empty() => Ok(TestBroker {
                kind: BrokerKind::External,
                bootstrap_servers: servers,
                _embedded: None,
            }),
            _ => {
                let cluster = EmbeddedKafka::start(brokers)?;
                Ok(TestBroker {
                    kind: BrokerKind::Embedded,
                    bootstrap_servers: cluster.bootstrap_servers().to_string(),
                    _embedded: Some(cluster),
                })
            }
        }
    }

    /// Which broker this is.
    pub fn kind(&self) -> BrokerKind {
        self.kind
    }

    /// The embedded cluster, when the suite runs on one (for fault injection).
    pub fn embedded(&self) -> Option<&EmbeddedKafka> {
        self._embedded.as_ref()
    }

    /// The bootstrap servers.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// A client configuration for this broker.
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::new()
            .bootstrap_servers(self.bootstrap_servers.clone())
            .request_timeout(std::time::Duration::from_secs(20))
    }

    /// Whether this broker has `feature`; when it has not, says so on stderr
    /// (the scenario is then skipped, visibly).
    pub fn supports(&self, feature: Feature, scenario: &str) -> bool {
        let missing = match (self.kind, feature) {
            (BrokerKind::Embedded, Feature::DeleteTopics) => Some("the mock cluster has no DeleteTopics"),
            (BrokerKind::Embedded, Feature::OffsetsByTime) => {
                Some("the mock cluster does not implement ListOffsets by timestamp")
            }
            (BrokerKind::Embedded, Feature::OutlivesProcess) => {
                Some("the embedded cluster lives inside the test process")
            }
            (BrokerKind::Embedded, Feature::Transactions) => {
                Some("the mock cluster's EndTxn writes no markers")
            }
            (BrokerKind::External, Feature::Transactions)
                if std::env::var("KAFKA_SUPPORTS_TRANSACTIONS").as_deref() != Ok("1") =>
            {
                Some("set KAFKA_SUPPORTS_TRANSACTIONS=1 for a broker that completes transactions (Apache Kafka); tansu 0.6 leaves aborted records visible")
            }
            (BrokerKind::External, Feature::CorrectEndOffsets)
                if std::env::var("KAFKA_SUPPORTS_END_OFFSETS").as_deref() != Ok("1") =>
            {
                Some("set KAFKA_SUPPORTS_END_OFFSETS=1 for a broker whose ListOffsets latest is the high watermark (Apache Kafka); tansu 0.6 answers the last batch's base offset + 1, so lag, catching up and changelog restores are wrong there")
            }
            (BrokerKind::External, Feature::ReliableGroupRestart)
                if std::env::var("KAFKA_SUPPORTS_GROUP_RESTART").as_deref() != Ok("1") =>
            {
                Some("set KAFKA_SUPPORTS_GROUP_RESTART=1 for a broker that reliably assigns a group's partitions to a member joining after the others closed (Apache Kafka); tansu 0.6 sometimes never does (docs/brokers.md)")
            }
            _ => None,
        };
        match missing {
            None => true,
            Some(why) => {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("SKIPPED {scenario}: {why}");
                }
                false
            }
        }
    }

    /// Creates a topic with a fresh name (`prefix-<pid>-<n>`) and returns it.
    pub async fn fresh_topic(&self, prefix: &str, partitions: i32) -> kafka_client::Result<String> {
        let name = unique_name(prefix);
        Admin::new(&self.client_config())?
            .create_topics(&[NewTopic::new(name.clone(), partitions)])
            .await?;
        Ok(name)
    }
}

/// A name no other test of this run (or an earlier run against the same
/// long-lived broker) uses.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}
