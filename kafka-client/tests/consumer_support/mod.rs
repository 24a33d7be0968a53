//! Helpers shared by the consumer tests: test data is produced with
//! rdkafka's own producer, so these tests do not depend on ours.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use kafka_client::consumer::{Consumer, ConsumerBuilder, OffsetReset};
use kafka_client::{ConsumerRecord, EmbeddedKafka};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};

/// A record to write: partition, key, value.
pub type RawRecord = (i32, Option<Vec<u8>>, Vec<u8>);

/// Writes records and waits until all are acknowledged.
pub fn produce(cluster: &EmbeddedKafka, topic: &str, records: &[RawRecord]) {
    let producer: BaseProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .set("linger.ms", "5")
        .create()
        .unwrap();
    for (partition, key, value) in records {
        let mut record = BaseRecord::<[u8], [u8]>::to(topic)
            .partition(*partition)
            .payload(value);
        if let Some(key) = key {
            record = record.key(key);
        }
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, back)) => {
                    assert!(
                        matches!(
                            e.rdkafka_error_code(),
                            Some(rdkafka::types::RDKafkaErrorCode::QueueFull)
                        ),
                        "{e}"
                    );
                    record = back;
                    producer.poll(Duration::from_millis(10));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Writes String values `"{prefix}-{i}"` for i in range, keyed `k{i}`, to one partition.
pub fn produce_strings(
    cluster: &EmbeddedKafka,
    topic: &str,
    partition: i32,
    range: std::ops::Range<usize>,
    prefix: &str,
) {
    let records: Vec<_> = range
        .map(|i| {
            (
                partition,
                Some(format!("k{i}").into_bytes()),
                format!("{prefix}-{i}").into_bytes(),
            )
        })
        .collect();
    produce(cluster, topic, &records);
}

/// A String/String consumer builder on the cluster, in `group`, reading
/// from the beginning, with timeouts short enough for the mock's groups.
pub fn group_builder(cluster: &EmbeddedKafka, group: &str) -> ConsumerBuilder<String, String> {
    Consumer::<String, String>::builder(
        &cluster
            .client_config()
            .request_timeout(Duration::from_secs(10)),
    )
    .group_id(group)
    .auto_offset_reset(OffsetReset::Earliest)
    .set("session.timeout.ms", "3000")
    .set("heartbeat.interval.ms", "300")
}

/// Receives `n` records within `within`, panicking on an error.
pub async fn recv_n<K: 'static, V: 'static>(
    consumer: &Consumer<K, V>,
    n: usize,
    within: Duration,
) -> Vec<ConsumerRecord<K, V>> {
    let mut out = Vec::with_capacity(n);
    tokio::time::timeout(within, async {
        while out.len() < n {
            out.push(consumer.recv().await.unwrap());
        }
    })
    .await
    .unwrap_or_else(|_| panic!("received {} of {n} records in {within:?}", out.len()));
    out
}

/// Receives until nothing arrives for `quiet`.
pub async fn recv_until_quiet<K: 'static, V: 'static>(
    consumer: &Consumer<K, V>,
    quiet: Duration,
) -> Vec<ConsumerRecord<K, V>> {
    let mut out = Vec::new();
    while let Ok(record) = tokio::time::timeout(quiet, consumer.recv()).await {
        out.push(record.unwrap());
    }
    out
}

/// Logs to the test's output, filtered by `RUST_LOG` (default: off).
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}
