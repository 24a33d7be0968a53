//! The hop floor: the floor's hand-written rdkafka loop with the
//! repartition hop that Kafka Streams' `groupBy` requires. Every word goes
//! through a repartition topic (key and value the word, partitioned by
//! Java's murmur2 on the key, as Kafka Streams writes it) and is counted
//! when it comes back. What it costs is the least any topology that keeps
//! Kafka Streams' semantics pays for that step.
//!
//! With ids, every repartition record also carries the 18-byte `ks.o`
//! header the runtime writes (input offset, the word's index in its line,
//! input partition, topic index; big-endian), and the reader skips a record
//! whose id is not above the largest one it applied for that input
//! partition in that repartition partition, as a downstream task does.
//! That is the least exact counts under at-least-once cost a hand-written
//! loop.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use examples::wordcount::INPUT_TOPIC;
use kafka_client::{Admin, ClientConfig, NewTopic};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::message::{Header, Headers as _, OwnedHeaders};
use rdkafka::producer::BaseRecord;
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
pub(crate) async fn hop_floor(args: ChildArgs, with_ids: bool) -> Result<Outcome, Failure> {
    let wall = Instant::now();
    let repartition = repartition_topic(&args.group);
    let admin = Admin::new(&ClientConfig::new().bootstrap_servers(args.bootstrap.clone()))?;
    let partitions = admin.partition_count(INPUT_TOPIC).await?;
    admin
        .create_topic_if_missing(&NewTopic::new(repartition.clone(), partitions))
        .await?;
    drop(admin);
    tokio::task::spawn_blocking(move || count(&args, &repartition, with_ids, wall)).await?
}

/// The header that carries a repartition record's id, as the runtime names it.
const ID_HEADER: &str = "ks.o";

/// The id of the `index`th word of the line at `offset` of input
/// `partition`, in the runtime's layout (the input is topic index 0).
fn record_id(offset: i64, index: u32, partition: i32) -> [u8; 18] {
    let mut id = [0u8; 18];
    id[..8].copy_from_slice(&offset.to_be_bytes());
    id[8..12].copy_from_slice(&index.to_be_bytes());
    id[12..16].copy_from_slice(&partition.to_be_bytes());
    id
}

/// The input partition and the ordered id (offset, index) of an id header.
fn read_id(raw: &[u8]) -> Option<(i32, (i64, u32))> {
    let raw: &[u8; 18] = raw.try_into().ok()?;
    let offset = i64::from_be_bytes(raw[..8].try_into().ok()?);
    let index = u32::from_be_bytes(raw[8..12].try_into().ok()?);
    let partition = i32::from_be_bytes(raw[12..16].try_into().ok()?);
    Some((partition, (offset, index)))
}

/// One consumer reads both the lines and the repartitioned words. A line is
/// split (lower-cased, on `\W+`, as the floor does) and each word produced
/// to the repartition topic; a repartitioned word is counted in a `HashMap`
/// and its updated count produced to the output topic (String key, 8-byte
/// big-endian count). With ids, each word carries its id and a word whose
/// id was applied already is skipped. Done when every line is read and
/// every word counted.
fn count(
    args: &ChildArgs,
    repartition: &str,
    with_ids: bool,
    wall: Instant,
) -> Result<Outcome, Failure> {
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
    // With ids: the largest id applied, per repartition partition (what a
    // downstream task owns) and input partition.
    let mut applied: HashMap<(i32, i32), (i64, u32)> = HashMap::new();
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
            let (offset, partition) = (message.offset(), message.partition());
            for (index, word) in non_word.split(&lower).filter(|w| !w.is_empty()).enumerate() {
                // Key and value the word, as Kafka Streams' groupBy writes.
                let record = BaseRecord::to(repartition)
                    .key(word.as_bytes())
                    .payload(word.as_bytes());
                if !with_ids {
                    producer.send_record(record)?;
                    continue;
                }
                let index = u32::try_from(index)?;
                let id = record_id(offset, index, partition);
                let headers = OwnedHeaders::new_with_capacity(1).insert(Header {
                    key: ID_HEADER,
                    value: Some(&id[..]),
                });
                producer.send_record(record.headers(headers))?;
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
            if with_ids {
                let id = message
                    .headers()
                    .and_then(|headers| headers.iter().filter(|h| h.key == ID_HEADER).last())
                    .and_then(|header| header.value)
                    .and_then(read_id);
                let Some((partition, id)) = id else {
                    return Err(format!(
                        "hop floor: a record on {repartition} (partition {}, offset {}) \
                         has no well-formed {ID_HEADER} id",
                        message.partition(),
                        message.offset()
                    )
                    .into());
                };
                match applied.get_mut(&(message.partition(), partition)) {
                    Some(last) if *last >= id => continue,
                    Some(last) => *last = id,
                    None => {
                        applied.insert((message.partition(), partition), id);
                    }
                }
            }
            counts.count(word, &producer)?;
            counted += 1;
        }
    }
    counts.finish(&producer, first, wall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_runtimes_layout_and_order() {
        let id = record_id(0x0102_0304_0506_0708, 9, 3);
        assert_eq!(
            id,
            [1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0],
            "offset, index, partition, topic index 0"
        );
        assert_eq!(read_id(&id), Some((3, (0x0102_0304_0506_0708, 9))));
        assert_eq!(read_id(&id[..17]), None);
        let (_, first) = read_id(&record_id(7, 1, 0)).unwrap();
        let (_, later) = read_id(&record_id(8, 0, 0)).unwrap();
        assert!(later > first, "a later line's words come after");
    }
}
