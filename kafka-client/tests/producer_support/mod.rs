//! Reading back what a producer test produced, with rdkafka's own consumer
//! (independent of this crate's Consumer).
// Each test file uses only some of these; tests may unwrap.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers as _, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// One record as stored by the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) key: Option<Vec<u8>>,
    pub(crate) value: Option<Vec<u8>>,
    pub(crate) timestamp: Option<i64>,
    pub(crate) headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Stored {
    pub(crate) fn value_str(&self) -> &str {
        std::str::from_utf8(self.value.as_deref().unwrap_or_default()).unwrap()
    }
}

fn consumer(bootstrap_servers: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .set("group.id", "producer-tests-reader")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap()
}

/// How many records each partition holds (high watermark - low watermark).
pub(crate) fn counts_per_partition(
    bootstrap_servers: &str,
    topic: &str,
    partitions: i32,
) -> Vec<i64> {
    let consumer = consumer(bootstrap_servers);
    (0..partitions)
        .map(|p| {
            let (low, high) = consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .unwrap();
            high - low
        })
        .collect()
}

/// Reads every partition of `topic` from the beginning until `expected`
/// records have arrived (panics after 30 s), in (partition, offset) order.
pub(crate) fn read_all(
    bootstrap_servers: &str,
    topic: &str,
    partitions: i32,
    expected: usize,
) -> Vec<Stored> {
    let consumer = consumer(bootstrap_servers);
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions {
        assignment
            .add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::with_capacity(expected);
    while out.len() < expected {
        assert!(
            Instant::now() < deadline,
            "read only {} of {expected} records from {topic}",
            out.len()
        );
        let Some(message) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message.unwrap();
        out.push(Stored {
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            timestamp: message.timestamp().to_millis(),
            headers: message
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    out.sort_by_key(|s| (s.partition, s.offset));
    out
}
