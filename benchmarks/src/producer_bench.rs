//! Producer throughput: the typed `Producer` against rdkafka's
//! `BaseProducer` with a polling thread, same records, same settings.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use kafka_client::{ClientConfig, Producer, ProducerRecord};

use crate::cluster::BenchCluster;
use crate::raw::PolledProducer;
use crate::stats::Measured;
use crate::{Failure, Plan};

/// Settings both sides use: the typed producer's defaults (acks=all,
/// idempotence on) set on both.
fn shared_settings(linger_ms: &str) -> [(&'static str, String); 3] {
    [
        ("acks", "all".to_string()),
        ("enable.idempotence", "true".to_string()),
        ("linger.ms", linger_ms.to_string()),
    ]
}

fn typed_config(cluster: &BenchCluster, linger_ms: &str) -> ClientConfig {
    shared_settings(linger_ms)
        .into_iter()
        .fold(cluster.client_config(), |c, (k, v)| c.set(k, v))
}

fn raw_config(cluster: &BenchCluster, linger_ms: &str) -> rdkafka::ClientConfig {
    let mut config = cluster.rd_config();
    for (k, v) in shared_settings(linger_ms) {
        config.set(k, v);
    }
    config
}

/// The payload every record carries: `size` bytes.
fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Async (enqueue then flush) and sync (one record at a time) sends.
pub(crate) async fn run(cluster: &BenchCluster, plan: &Plan) -> Result<Vec<Measured>, Failure> {
    let topic = cluster.name("bench-produce");
    cluster.create_topic(&topic, 8).await?;
    let value = payload(plan.value_size);
    let name = format!(
        "producer async ({} B values, {} records)",
        plan.value_size, plan.producer_records
    );
    let mut typed = Measured::new(&name, "kafka-client Producer::enqueue", "records/s", false);
    let mut raw = Measured::new(
        &name,
        "rdkafka BaseProducer + poll thread",
        "records/s",
        true,
    );
    for round in 0..plan.rounds {
        // Alternate who goes first, so that neither always gets a warmer broker.
        for side in order(round) {
            if side == 0 {
                let took = typed_async(cluster, &topic, &value, plan.producer_records).await?;
                typed.push(plan.producer_records, took);
            } else {
                let took = raw_async(cluster, &topic, &value, plan.producer_records).await?;
                raw.push(plan.producer_records, took);
            }
        }
        tracing::info!(round, typed = ?typed.rates.last(), raw = ?raw.rates.last(), "producer async round");
    }

    let name = format!(
        "producer sync ({} B values, linger.ms=0, {} sends)",
        plan.value_size, plan.sync_records
    );
    let mut typed_sync = Measured::new(&name, "kafka-client Producer::send", "records/s", false);
    let mut raw_sync = Measured::new(&name, "rdkafka FutureProducer::send", "records/s", true);
    for round in 0..plan.rounds {
        for side in order(round) {
            if side == 0 {
                let took = typed_sync_sends(cluster, &topic, &value, plan.sync_records).await?;
                typed_sync.push(plan.sync_records, took);
            } else {
                let took = raw_sync_sends(cluster, &topic, &value, plan.sync_records).await?;
                raw_sync.push(plan.sync_records, took);
            }
        }
        tracing::info!(round, typed = ?typed_sync.rates.last(), raw = ?raw_sync.rates.last(), "producer sync round");
    }
    Ok(vec![raw, typed, raw_sync, typed_sync])
}

/// Which side goes first in `round`: 0 is ours, 1 the baseline.
pub(crate) fn order(round: usize) -> [u8; 2] {
    if round % 2 == 0 {
        [0, 1]
    } else {
        [1, 0]
    }
}

async fn typed_async(
    cluster: &BenchCluster,
    topic: &str,
    value: &[u8],
    records: u64,
) -> Result<Duration, Failure> {
    let producer: Producer<Vec<u8>, Vec<u8>> = Producer::new(&typed_config(cluster, "5"))?;
    // Warm up: connection and partition count, outside the clock.
    producer
        .send(ProducerRecord::new(topic, value.to_vec()))
        .await
        .map_err(|e| e.error)?;
    let started = Instant::now();
    for _ in 0..records {
        producer
            .enqueue(ProducerRecord::new(topic, value.to_vec()))
            .await
            .map_err(|e| e.error)?;
    }
    producer.flush().await?;
    let took = started.elapsed();
    producer.close().await?;
    Ok(took)
}

async fn raw_async(
    cluster: &BenchCluster,
    topic: &str,
    value: &[u8],
    records: u64,
) -> Result<Duration, Failure> {
    let config = raw_config(cluster, "5");
    let topic = topic.to_string();
    let value = value.to_vec();
    tokio::task::spawn_blocking(move || -> Result<Duration, Failure> {
        let producer = PolledProducer::new(&config)?;
        producer.send(&topic, None, None, &value)?;
        producer.flush()?;
        let started = Instant::now();
        for _ in 0..records {
            producer.send(&topic, None, None, &value)?;
        }
        producer.flush()?;
        let took = started.elapsed();
        let delivered = producer.counts.delivered.load(Ordering::Relaxed);
        if delivered != records + 1 {
            return Err(format!("raw producer: {delivered} of {} delivered", records + 1).into());
        }
        Ok(took)
    })
    .await?
}

async fn typed_sync_sends(
    cluster: &BenchCluster,
    topic: &str,
    value: &[u8],
    records: u64,
) -> Result<Duration, Failure> {
    let producer: Producer<Vec<u8>, Vec<u8>> = Producer::new(&typed_config(cluster, "0"))?;
    producer
        .send(ProducerRecord::new(topic, value.to_vec()))
        .await
        .map_err(|e| e.error)?;
    let started = Instant::now();
    for _ in 0..records {
        producer
            .send(ProducerRecord::new(topic, value.to_vec()))
            .await
            .map_err(|e| e.error)?;
    }
    let took = started.elapsed();
    producer.close().await?;
    Ok(took)
}

async fn raw_sync_sends(
    cluster: &BenchCluster,
    topic: &str,
    value: &[u8],
    records: u64,
) -> Result<Duration, Failure> {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    // rdkafka's own one-record-at-a-time API: a future per record.
    let producer: FutureProducer = raw_config(cluster, "0").create()?;
    let send_one = || async {
        producer
            .send(
                FutureRecord::<[u8], [u8]>::to(topic).payload(value),
                Duration::from_secs(30),
            )
            .await
            .map(drop)
            .map_err(|(error, _)| Failure::from(error))
    };
    send_one().await?;
    let started = Instant::now();
    for _ in 0..records {
        send_one().await?;
    }
    Ok(started.elapsed())
}
