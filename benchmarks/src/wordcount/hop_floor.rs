//! The hop floor: the floor's hand-written rdkafka loop with the
//! repartition hop that Kafka Streams' `groupBy` requires. Every word goes
//! through a repartition topic (key and value the word, partitioned by
//! Java's murmur2 on the key, as Kafka Streams writes it) and is counted
//! when it comes back. What it costs is the least any topology that keeps
//! Kafka Streams' semantics pays for that step.

use std::time::{Duration, Instant};

use examples::wordcount::INPUT_TOPIC;
use kafka_client::{Admin, ClientConfig, NewTopic};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::Message as _;
use regex::Regex;

use super::child::{loop_configs, ChildArgs, LoopCounts, STALL, TIMEOUT};
use super::outcome::Outcome;
use crate::raw::PolledProducer;
use crate::Failure;

/// The repartition topic of the hop floor run with group `group`.
pub(crate) fn repartition_topic(group: &str) -> String {
    format!("{group}-hop-repartition")
}

/// Creates the repartition topic (as many partitions as the input topic)
/// unless it exists, then runs the loop on a thread of its own. On the
/// embedded cluster the parent has created the topic already (it cannot be
/// created from another process), and this finds it.
pub(crate) async fn hop_floor(args: ChildArgs) -> Result<Outcome, Failure> {
    let wall = Instant::now();
    let repartition = repartition_topic(&args.group);
    let admin = Admin::new(&ClientConfig::new().bootstrap_servers(args.bootstrap.clone()))?;
    let partitions = admin.partition_count(INPUT_TOPIC).await?;
    admin
        .create_topic_if_missing(&NewTopic::new(repartition.clone(), partitions))
        .await?;
    drop(admin);
    tokio::task::spawn_blocking(move || count(&args, &repartition, wall)).await?
}

/// One consumer reads both the lines and the repartitioned words. A line is
/// split (lower-cased, on `\W+`, as the floor does) and each word produced
/// to the repartition topic; a repartitioned word is counted in a `HashMap`
/// and its updated count produced to the output topic (String key, 8-byte
/// big-endian count). Done when every line is read and every word counted.
fn count(args: &ChildArgs, repartition: &str, wall: Instant) -> Result<Outcome, Failure> {
    let non_word = Regex::new(r"\W+")?;
    let (mut producer_config, consumer_config) = loop_configs(args);
    // Java's murmur2 on the key, as Kafka Streams partitions a repartition
    // topic (librdkafka's default is CRC32).
    producer_config.set("partitioner", "murmur2_random");
    let producer = PolledProducer::new(&producer_config)?;
    let consumer: BaseConsumer = consumer_config.create()?;
    consumer.subscribe(&[INPUT_TOPIC, repartition])?;

    let expected = args.expected;
    let mut counts = LoopCounts::new();
    let mut lines = 0u64;
    let mut counted = 0u64;
    let mut first = None;
    let mut last_record = Instant::now();
    while lines < expected.lines || counted < expected.words {
        if wall.elapsed() > TIMEOUT {
            return Err(format!(
                "hop floor: {lines} of {} lines, {counted} of {} words in {TIMEOUT:?}",
                expected.lines, expected.words
            )
            .into());
        }
        let message = match consumer.poll(Duration::from_millis(100)) {
            None => {
                if first.is_some() && last_record.elapsed() > STALL {
                    return Err(format!(
                        "hop floor: stuck at {lines} of {} lines, {counted} of {} words for \
                         {STALL:?} (on the embedded cluster: records lost to its 5 MiB \
                         per-partition limit?)",
                        expected.lines, expected.words
                    )
                    .into());
                }
                continue;
            }
            Some(message) => message?,
        };
        last_record = Instant::now();
        first.get_or_insert(last_record);
        if message.topic() == INPUT_TOPIC {
            lines += 1;
            let Some(Ok(line)) = message.payload_view::<str>() else {
                continue;
            };
            let lower = line.to_lowercase();
            for word in non_word.split(&lower).filter(|w| !w.is_empty()) {
                // Key and value the word, as Kafka Streams' groupBy writes.
                producer.send(repartition, None, Some(word.as_bytes()), word.as_bytes())?;
            }
        } else {
            let word = match message.key_view::<str>() {
                Some(Ok(word)) => word,
                _ => {
                    return Err(format!(
                        "hop floor: a record on {repartition} (partition {}, offset {}) \
                         has no UTF-8 key",
                        message.partition(),
                        message.offset()
                    )
                    .into())
                }
            };
            counts.count(word, &producer)?;
            counted += 1;
        }
    }
    counts.finish(&producer, first, wall)
}
