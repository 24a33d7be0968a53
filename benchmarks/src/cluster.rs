//! The broker the benchmarks run on: an embedded cluster by default, or
//! the one `KAFKA_BOOTSTRAP_SERVERS` names.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kafka_client::config::BOOTSTRAP_SERVERS_ENV;
use kafka_client::{Admin, ClientConfig, EmbeddedKafka, NewTopic};
use rdkafka::consumer::{BaseConsumer, Consumer as _};

use crate::Failure;

/// Turns on librdkafka's debug logging inside the embedded clusters, for
/// these contexts (`mock`: every request and every consumer group step),
/// to look at a slow round: with `RUST_LOG=librdkafka=debug` the lines go
/// to stderr. The children's clients are left alone, so their timing is
/// what it always is.
const EMBEDDED_DEBUG_ENV: &str = "BENCHMARKS_EMBEDDED_DEBUG";

/// A broker to benchmark against.
#[derive(Debug)]
pub(crate) struct BenchCluster {
    embedded: Option<EmbeddedKafka>,
    bootstrap: String,
    /// A suffix that makes this run's topic and group names unique.
    run_id: String,
}

impl BenchCluster {
    /// The cluster `KAFKA_BOOTSTRAP_SERVERS` names, else a new embedded one.
    pub(crate) fn from_env() -> Result<Self, Failure> {
        match std::env::var(BOOTSTRAP_SERVERS_ENV) {
            Ok(servers) if !servers.trim().is_empty() => Ok(Self::external(servers.trim())),
            _ => Self::embedded(),
        }
    }

    /// A new embedded cluster of one broker.
    pub(crate) fn embedded() -> Result<Self, Failure> {
        // As a Kafka broker does (`group.initial.rebalance.delay.ms`, 3 s
        // there), a new group waits for more members before its first
        // assignment; 1 s is enough for the stream threads of one process
        // to join together. With the embedded cluster's 100 ms, the second
        // thread often joined after the first had started, and the eager
        // rebalance that followed cost about a second of a 4 s run. Start-up
        // is outside the measured time for every system.
        let mut builder =
            EmbeddedKafka::builder().initial_rebalance_delay(std::time::Duration::from_secs(1));
        if let Ok(contexts) = std::env::var(EMBEDDED_DEBUG_ENV) {
            builder = builder.debug(contexts);
        }
        let embedded = builder.start()?;
        let bootstrap = embedded.bootstrap_servers().to_string();
        Ok(BenchCluster {
            embedded: Some(embedded),
            bootstrap,
            run_id: run_id(),
        })
    }

    /// A cluster this process does not own.
    pub(crate) fn external(bootstrap: &str) -> Self {
        BenchCluster {
            embedded: None,
            bootstrap: bootstrap.to_string(),
            run_id: run_id(),
        }
    }

    pub(crate) fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    pub(crate) fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// What to call the broker in the output.
    pub(crate) fn describe(&self) -> String {
        match &self.embedded {
            Some(_) => format!(
                "embedded (librdkafka mock cluster, 1 broker, {})",
                self.bootstrap
            ),
            None => format!("external ({})", self.bootstrap),
        }
    }

    /// Client settings for this cluster.
    pub(crate) fn client_config(&self) -> ClientConfig {
        ClientConfig::new().bootstrap_servers(self.bootstrap.clone())
    }

    /// The same settings as a raw rdkafka config, for the baselines.
    pub(crate) fn rd_config(&self) -> rdkafka::ClientConfig {
        let mut config = rdkafka::ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap);
        config.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
        config
    }

    /// `base` made unique to this run.
    pub(crate) fn name(&self, base: &str) -> String {
        format!("{base}-{}", self.run_id)
    }

    /// Creates `topic` with `partitions` partitions.
    pub(crate) async fn create_topic(&self, topic: &str, partitions: i32) -> Result<(), Failure> {
        let admin = Admin::new(&self.client_config())?;
        admin
            .create_topic_if_missing(&NewTopic::new(topic, partitions))
            .await?;
        Ok(())
    }

    /// Records readable in `topic` (high minus low watermark, summed over
    /// its partitions).
    pub(crate) fn readable_records(&self, topic: &str) -> Result<i64, Failure> {
        let consumer: BaseConsumer = self.rd_config().create()?;
        let timeout = Duration::from_secs(10);
        let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
        let mut total = 0;
        for t in metadata.topics() {
            for p in t.partitions() {
                let (low, high) = consumer.fetch_watermarks(topic, p.id(), timeout)?;
                tracing::debug!(topic, partition = p.id(), low, high, "watermarks");
                total += high - low;
            }
        }
        Ok(total)
    }
}

fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}", (nanos as u64) ^ u64::from(std::process::id()))
}

/// Enough partitions that `bytes` of records fit in the embedded cluster,
/// which keeps at most 5 MiB per partition (3 MiB used here, for headroom).
pub(crate) fn partitions_for(bytes: u64) -> i32 {
    let per_partition = 3 * 1024 * 1024;
    bytes.div_ceil(per_partition).clamp(4, 64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_grow_with_the_data_and_stay_bounded() {
        assert_eq!(partitions_for(0), 4);
        assert_eq!(partitions_for(100 * 1024 * 1024), 34);
        assert_eq!(partitions_for(u64::MAX / 2), 64);
    }
}
