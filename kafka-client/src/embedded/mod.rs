//! An in-process Kafka-protocol cluster: librdkafka's mock cluster, served
//! over real TCP on loopback.
//!
//! The mock cluster's handle is `!Send`, so [`EmbeddedKafka`] keeps it on a
//! thread of its own and talks to it through a channel. Any process on this
//! machine can connect to [`EmbeddedKafka::bootstrap_servers`] while the
//! cluster lives (kcat, Python clients, other programs).
//!
//! What the mock cluster can and cannot do (librdkafka 2.12):
//! - produce, fetch, consumer groups (eager and cooperative), offset commits,
//!   idempotent producers, fault injection;
//! - no CreateTopics / DeleteTopics / DescribeConfigs: [`crate::Admin`]
//!   creates topics through this handle instead, and deleting is unsupported;
//! - offsets by timestamp are not implemented (they come back as -1);
//! - transactions are protocol-only: commits write no markers;
//! - each partition keeps at most about 5 MiB or 100,000 message sets; older
//!   data is deleted as new data arrives;
//! - a rebalance of a running group waits `session.timeout.ms` minus 1 s
//!   before its new generation, however fast the members rejoin;
//! - a group of several members sometimes needs a second rebalance right
//!   after its first: when the leader's SyncGroup arrives before a
//!   follower's, the mock answers the leader, forgets the follower's
//!   assignment and refuses its SyncGroup, and the follower joins again.
//!   A low `session.timeout.ms` keeps that wait short.
//!
//! [`EmbeddedKafkaBuilder::debug`] logs what the cluster receives and
//! decides, to look at such a rebalance.
//!
//! ```no_run
//! # fn main() -> kafka_client::Result<()> {
//! use kafka_client::EmbeddedKafka;
//! let cluster = EmbeddedKafka::start(3)?;
//! cluster.create_topic("orders", 6)?;
//! println!("KAFKA_BOOTSTRAP_SERVERS={}", cluster.bootstrap_servers());
//! # Ok(()) }
//! ```

mod ffi;
mod registry;

use std::fmt;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

pub use rdkafka::types::{RDKafkaApiKey as ApiKey, RDKafkaRespErr as BrokerErrorCode};

use crate::config::ClientConfig;
use crate::error::{Error, Result};
use ffi::MockCommand;

pub(crate) use registry::lookup;

/// How to start an [`EmbeddedKafka`].
#[derive(Debug, Clone)]
pub struct EmbeddedKafkaBuilder {
    brokers: i32,
    initial_rebalance_delay: Duration,
    debug: Option<String>,
}

impl EmbeddedKafkaBuilder {
    /// How many brokers (ids 1..=N). Default 1.
    pub fn brokers(mut self, brokers: i32) -> Self {
        self.brokers = brokers;
        self
    }

    /// How long a new consumer group waits for more members before its first
    /// rebalance. The mock's default is 3 s; ours is 100 ms, so that examples
    /// start at once.
    pub fn initial_rebalance_delay(mut self, delay: Duration) -> Self {
        self.initial_rebalance_delay = delay;
        self
    }

    /// Turns on librdkafka's debug logging in the cluster itself, for the
    /// given comma-separated contexts of librdkafka's `debug` setting:
    /// `mock` logs every request the brokers receive and answer, and every
    /// step of their consumer groups (joins, leader elections, syncs,
    /// session timeouts). The lines are `tracing` debug events with target
    /// `librdkafka` (`RUST_LOG=librdkafka=debug` shows them). An unknown
    /// context is [`Error::Config`] from [`start`](Self::start). The lines
    /// are handed to `tracing` every 10 ms, so their timestamps can be that
    /// late; their order is the cluster's.
    ///
    /// ```
    /// # fn main() -> kafka_client::Result<()> {
    /// use kafka_client::{EmbeddedKafka, Error};
    /// let cluster = EmbeddedKafka::builder().debug("mock").start()?;
    /// assert_eq!(cluster.broker_count(), 1);
    /// let typo = EmbeddedKafka::builder().debug("mocks").start();
    /// assert!(matches!(typo, Err(Error::Config { key, .. }) if key == "debug"));
    /// # Ok(()) }
    /// ```
    pub fn debug(mut self, contexts: impl Into<String>) -> Self {
        self.debug = Some(contexts.into());
        self
    }

    /// Starts the cluster.
    pub fn start(self) -> Result<EmbeddedKafka> {
        if self.brokers < 1 {
            return Err(Error::Config {
                key: "brokers".into(),
                message: format!(
                    "an embedded cluster needs at least 1 broker, not {}",
                    self.brokers
                ),
            });
        }
        let (commands, receiver) = mpsc::channel::<MockCommand>();
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<String>>(1);
        let brokers = self.brokers;
        let thread = std::thread::Builder::new()
            .name("embedded-kafka".into())
            .spawn(move || ffi::serve(&self, receiver, ready_tx))
            .map_err(|e| Error::Embedded(format!("could not start its thread: {e}")))?;
        let bootstrap_servers = ready_rx
            .recv()
            .map_err(|_| Error::Embedded("its thread stopped before starting".into()))??;
        let handle = EmbeddedHandle { commands };
        registry::register(&bootstrap_servers, handle.clone());
        tracing::info!(%bootstrap_servers, brokers, "embedded Kafka cluster started");
        Ok(EmbeddedKafka {
            bootstrap_servers,
            brokers,
            handle,
            thread: Some(thread),
        })
    }
}

/// A running in-process Kafka cluster. Dropping it stops the cluster.
pub struct EmbeddedKafka {
    bootstrap_servers: String,
    brokers: i32,
    handle: EmbeddedHandle,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for EmbeddedKafka {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedKafka")
            .field("bootstrap_servers", &self.bootstrap_servers)
            .field("brokers", &self.brokers)
            .finish()
    }
}

impl EmbeddedKafka {
    /// Starts a cluster of `brokers` brokers with default settings.
    pub fn start(brokers: i32) -> Result<Self> {
        Self::builder().brokers(brokers).start()
    }

    /// A builder for a cluster with non-default settings.
    pub fn builder() -> EmbeddedKafkaBuilder {
        EmbeddedKafkaBuilder {
            brokers: 1,
            initial_rebalance_delay: Duration::from_millis(100),
            debug: None,
        }
    }

    /// Whether `bootstrap_servers` name a broker of an embedded cluster
    /// running in this process (any one of a comma-separated list counts).
    ///
    /// ```
    /// # fn main() -> kafka_client::Result<()> {
    /// use kafka_client::EmbeddedKafka;
    /// let cluster = EmbeddedKafka::start(1)?;
    /// assert!(EmbeddedKafka::serves(cluster.bootstrap_servers()));
    /// assert!(!EmbeddedKafka::serves("kafka-1.example.com:9092"));
    /// # Ok(()) }
    /// ```
    pub fn serves(bootstrap_servers: &str) -> bool {
        registry::lookup(bootstrap_servers).is_some()
    }

    /// The bootstrap servers, `127.0.0.1:port,...`.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// How many brokers the cluster has (their ids are 1..=N).
    pub fn broker_count(&self) -> i32 {
        self.brokers
    }

    /// A client configuration pointing at this cluster.
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::new().bootstrap_servers(self.bootstrap_servers.clone())
    }

    /// Creates a topic with `partitions` partitions (replication factor 1).
    pub fn create_topic(&self, topic: &str, partitions: i32) -> Result<()> {
        self.handle.create_topic(topic, partitions, 1)
    }

    /// Takes a broker down: its connections are closed and new ones refused.
    pub fn broker_down(&self, broker_id: i32) -> Result<()> {
        self.handle
            .call("broker_down", move |m| m.broker_down(broker_id))
    }

    /// Brings a broker back up.
    pub fn broker_up(&self, broker_id: i32) -> Result<()> {
        self.handle
            .call("broker_up", move |m| m.broker_up(broker_id))
    }

    /// Delays every response of a broker by `rtt`.
    pub fn set_round_trip_time(&self, broker_id: i32, rtt: Duration) -> Result<()> {
        self.handle.call("set_round_trip_time", move |m| {
            m.broker_round_trip_time(broker_id, rtt)
        })
    }

    /// Makes the next requests of kind `api` fail with `errors`, one error per
    /// request, in order, on whichever broker receives them.
    pub fn push_request_errors(&self, api: ApiKey, errors: &[BrokerErrorCode]) -> Result<()> {
        let errors = errors.to_vec();
        self.handle.call("push_request_errors", move |m| {
            m.request_errors(api, &errors);
            Ok(())
        })
    }

    /// Forgets errors pushed with [`EmbeddedKafka::push_request_errors`].
    pub fn clear_request_errors(&self, api: ApiKey) -> Result<()> {
        self.handle.call("clear_request_errors", move |m| {
            m.clear_request_errors(api);
            Ok(())
        })
    }

    /// Moves the leadership of a partition to another broker.
    pub fn set_partition_leader(&self, topic: &str, partition: i32, broker_id: i32) -> Result<()> {
        let topic = topic.to_string();
        self.handle.call("set_partition_leader", move |m| {
            m.partition_leader(&topic, partition, Some(broker_id))
        })
    }
}

impl Drop for EmbeddedKafka {
    fn drop(&mut self) {
        registry::unregister(&self.bootstrap_servers);
        let _ = self.handle.commands.send(MockCommand::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A `Send` handle to an embedded cluster's thread, used by [`crate::Admin`].
#[derive(Clone, Debug)]
pub(crate) struct EmbeddedHandle {
    commands: mpsc::Sender<MockCommand>,
}

impl EmbeddedHandle {
    pub(crate) fn create_topic(
        &self,
        topic: &str,
        partitions: i32,
        replication: i32,
    ) -> Result<()> {
        if partitions < 1 {
            return Err(Error::Admin {
                operation: "create_topics",
                topic: topic.to_string(),
                message: format!("a topic needs at least 1 partition, not {partitions}"),
            });
        }
        let name = topic.to_string();
        self.call("create_topic", move |m| {
            m.create_topic(&name, partitions, replication)
        })
        .map_err(|e| Error::Admin {
            operation: "create_topics",
            topic: topic.to_string(),
            message: e.to_string(),
        })
    }

    fn call<F>(&self, operation: &'static str, op: F) -> Result<()>
    where
        F: FnOnce(&ffi::Mock<'_>) -> rdkafka::error::KafkaResult<()> + Send + 'static,
    {
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        let command = MockCommand::Run(Box::new(move |mock| {
            let _ = reply_tx.send(op(mock));
        }));
        self.commands
            .send(command)
            .map_err(|_| Error::Closed("embedded cluster"))?;
        reply_rx
            .recv()
            .map_err(|_| Error::Closed("embedded cluster"))?
            .map_err(|source| Error::Kafka { operation, source })
    }
}
