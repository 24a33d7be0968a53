//! Helpers for the streams scenarios: the word count topology on fresh
//! topics, generated input, producing it, reading output topics back, and
//! waiting for an application to reach a condition.
//!
//! Reading never relies on ListOffsets `latest` (wrong on tansu 0.6): a
//! topic is read from the beginning until what was read is complete and
//! then nothing more arrives for [`QUIET`], so records that arrive late
//! (double counts, duplicates) are still seen.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use examples::wordcount;
use kafka_client::consumer::{Consumer, Offset};
use kafka_client::producer::Producer;
use kafka_client::serde::DefaultSerde;
use kafka_client::{Admin, ConsumerRecord, ProducerRecord, TopicPartition};
use kafka_streams::runtime::{KafkaStreams, StreamsConfig, StreamsState};
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, Topology};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::TestBroker;

/// A scenario step's failure.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// How long a topic must stay silent, after what was read looks complete,
/// before a reader believes it has everything.
pub const QUIET: Duration = Duration::from_secs(1);

/// The commit interval of the scenarios' applications.
pub const COMMIT_INTERVAL: Duration = Duration::from_millis(150);

/// Words of the generated input: ASCII, accented, upper-case variants (which
/// count with their lower-case forms) and Korean.
const VOCABULARY: &[&str] = &[
    "kafka",
    "Kafka",
    "KAFKA",
    "streams",
    "Streams",
    "rust",
    "topic",
    "partition",
    "offset",
    "commit",
    "café",
    "CAFÉ",
    "naïve",
    "über",
    "Straße",
    "déjà",
    "vu",
    "Ça",
    "ça",
    "très",
    "bien",
    "crème",
    "brûlée",
    "Ñandú",
    "카프카",
    "스트림즈",
    "안녕하세요",
    "한국어",
    "단어",
    "세계",
    "l'été",
    "x2",
    "42",
];

/// What goes between words: spaces, punctuation, dashes, tabs.
const SEPARATORS: &[&str] = &[
    " ", "  ", ", ", "! ", " — ", "... ", "\t", "; ", " (", ") ", "?",
];

/// A configuration for `application_id` on `broker` that keeps group
/// scenarios fast: short session and heartbeat, short commit interval.
pub fn streams_config(broker: &TestBroker, application_id: &str) -> StreamsConfig {
    StreamsConfig::new(application_id)
        .client_config(broker.client_config())
        .commit_interval(COMMIT_INTERVAL)
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500")
}

/// The word count topology of `examples::wordcount` (same steps, store
/// name and serdes) reading `input` and writing `output`, so that every
/// scenario has topics of its own on a shared broker.
pub fn wordcount_topology(input: &str, output: &str) -> kafka_streams::Result<Topology> {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(input, Consumed::with(StringSerde, StringSerde))
        .flat_map_values(|line| wordcount::words(line))
        .group_by(
            |_key, word| word.clone(),
            Grouped::with(StringSerde, StringSerde),
        )
        .count(Materialized::with(StringSerde, LongSerde).with_name(wordcount::STORE))
        .to_stream()
        .to(output, Produced::with(StringSerde, LongSerde));
    builder.build()
}

/// Starts the word count topology from `input` to `output` with `config`
/// and waits, at most `timeout`, until it runs.
pub async fn start_wordcount(
    input: &str,
    output: &str,
    config: StreamsConfig,
    timeout: Duration,
) -> Result<KafkaStreams, Failure> {
    start_streams(wordcount_topology(input, output)?, config, timeout).await
}

/// Starts `topology` with `config` and waits, at most `timeout`, until it
/// runs.
pub async fn start_streams(
    topology: Topology,
    config: StreamsConfig,
    timeout: Duration,
) -> Result<KafkaStreams, Failure> {
    let mut streams = KafkaStreams::new(topology, config)?;
    streams.start().await?;
    streams
        .wait_for_state(StreamsState::Running, timeout)
        .await?;
    Ok(streams)
}

/// `count` lines of 0 to 9 words from a fixed vocabulary (with Korean and
/// accented words), the same for the same `seed`.
pub fn generate_lines(count: usize, seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let words = rng.random_range(0..10);
            let mut line = String::new();
            for i in 0..words {
                if i > 0 {
                    line.push_str(SEPARATORS[rng.random_range(0..SEPARATORS.len())]);
                }
                line.push_str(VOCABULARY[rng.random_range(0..VOCABULARY.len())]);
            }
            line
        })
        .collect()
}

/// The number of words in `lines`, as the topology splits them.
pub fn word_total<'a>(lines: impl IntoIterator<Item = &'a String>) -> u64 {
    lines
        .into_iter()
        .map(|line| wordcount::words(line).len() as u64)
        .sum()
}

/// Produces `lines` as keyless String records (round-robin over the
/// partitions) and returns, per partition written, the offset after the
/// last record, from the broker's acknowledgements.
pub async fn produce_lines(
    broker: &TestBroker,
    topic: &str,
    lines: &[String],
) -> Result<BTreeMap<i32, i64>, Failure> {
    let producer: Producer<String, String> = Producer::new(&broker.client_config())?;
    let mut ends = BTreeMap::new();
    for chunk in lines.chunks(1_000) {
        let mut pending = Vec::with_capacity(chunk.len());
        for line in chunk {
            let delivery = producer
                .send_async(ProducerRecord::new(topic, line.clone()))
                .await
                .map_err(|e| e.into_error())?;
            pending.push(delivery);
        }
        for outcome in futures::future::join_all(pending).await {
            let stored = outcome.map_err(|f| f.error)?;
            let end = ends.entry(stored.partition).or_insert(0);
            *end = (*end).max(stored.offset + 1);
        }
    }
    producer.close().await?;
    Ok(ends)
}

/// Sends one record of raw bytes and returns its (partition, offset).
pub async fn produce_raw(
    broker: &TestBroker,
    record: ProducerRecord<Vec<u8>, Vec<u8>>,
) -> Result<(i32, i64), Failure> {
    let producer: Producer<Vec<u8>, Vec<u8>> = Producer::new(&broker.client_config())?;
    let stored = producer.send(record).await.map_err(|e| e.error)?;
    producer.close().await?;
    Ok((stored.partition, stored.offset))
}

/// A consumer without a group, reading every partition of a topic from
/// its beginning.
async fn reader<K, V>(broker: &TestBroker, topic: &str) -> Result<Consumer<K, V>, Failure>
where
    K: DefaultSerde + 'static,
    V: DefaultSerde + 'static,
{
    let config = broker.client_config();
    let partitions = Admin::new(&config)?.partition_count(topic).await?;
    let consumer = Consumer::<K, V>::new(&config)?;
    let start: Vec<(TopicPartition, Offset)> = (0..partitions)
        .map(|p| (TopicPartition::new(topic, p), Offset::Beginning))
        .collect();
    consumer.assign_at(&start).await?;
    Ok(consumer)
}

/// Reads `topic` from the beginning until `complete` says the records read
/// so far are all there and then nothing more arrives for [`QUIET`], or
/// until `timeout` (the caller's assertion then shows what is missing).
async fn read_until<K, V>(
    broker: &TestBroker,
    topic: &str,
    timeout: Duration,
    mut on_record: impl FnMut(&ConsumerRecord<K, V>),
    mut complete: impl FnMut() -> bool,
) -> Result<(), Failure>
where
    K: DefaultSerde + 'static,
    V: DefaultSerde + 'static,
{
    let consumer = reader::<K, V>(broker, topic).await?;
    let deadline = Instant::now() + timeout;
    let mut last_arrival = Instant::now();
    let mut done = complete();
    while Instant::now() < deadline {
        if done && last_arrival.elapsed() >= QUIET {
            break;
        }
        match tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await {
            Err(_) => {}
            Ok(Ok(record)) => {
                on_record(&record);
                last_arrival = Instant::now();
                done = complete();
            }
            Ok(Err(error)) => return Err(format!("reading {topic}: {error}").into()),
        }
    }
    consumer.close().await?;
    Ok(())
}

/// Reads `topic` (String keys, Long values) and returns the last value per
/// key, once it equals `expected` and the topic stayed quiet, or whatever
/// it is at `timeout`.
pub async fn read_last_values(
    broker: &TestBroker,
    topic: &str,
    expected: &BTreeMap<String, i64>,
    timeout: Duration,
) -> Result<BTreeMap<String, i64>, Failure> {
    let last = std::cell::RefCell::new(BTreeMap::new());
    read_until::<String, i64>(
        broker,
        topic,
        timeout,
        |record| {
            if let (Some(key), Some(value)) = (&record.key, record.value) {
                last.borrow_mut().insert(key.clone(), value);
            }
        },
        || *last.borrow() == *expected,
    )
    .await?;
    Ok(last.into_inner())
}

/// Reads `topic` until at least `count` records arrived and the topic stayed
/// quiet, or until `timeout`; returns every record read.
pub async fn read_records<K, V>(
    broker: &TestBroker,
    topic: &str,
    count: usize,
    timeout: Duration,
) -> Result<Vec<ConsumerRecord<K, V>>, Failure>
where
    K: DefaultSerde + Clone + 'static,
    V: DefaultSerde + Clone + 'static,
{
    let records = std::cell::RefCell::new(Vec::new());
    read_until::<K, V>(
        broker,
        topic,
        timeout,
        |record| records.borrow_mut().push(record.clone()),
        || records.borrow().len() >= count,
    )
    .await?;
    Ok(records.into_inner())
}

/// Per partition, the offset after the last record of `topic`, found by
/// reading it (not by ListOffsets): for topics of a known record count.
pub async fn end_offsets_by_reading(
    broker: &TestBroker,
    topic: &str,
    records: usize,
    timeout: Duration,
) -> Result<BTreeMap<i32, i64>, Failure> {
    let read = read_records::<Vec<u8>, Vec<u8>>(broker, topic, records, timeout).await?;
    let mut ends = BTreeMap::new();
    for record in read {
        let end = ends.entry(record.partition).or_insert(0);
        *end = (*end).max(record.offset + 1);
    }
    Ok(ends)
}

/// Per partition, the high watermark as ListOffsets reports it (right on
/// the embedded cluster and Apache Kafka, wrong on tansu 0.6).
pub async fn end_offsets_by_watermarks(
    broker: &TestBroker,
    topic: &str,
) -> Result<BTreeMap<i32, i64>, Failure> {
    let config = broker.client_config();
    let partitions = Admin::new(&config)?.partition_count(topic).await?;
    let consumer = Consumer::<Vec<u8>, Vec<u8>>::new(&config)?;
    let tps: Vec<TopicPartition> = (0..partitions)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    let ends = consumer.end_offsets(&tps).await?;
    Ok(ends
        .into_iter()
        .map(|(tp, end)| (tp.partition(), end))
        .collect())
}

/// The offsets group `group` committed for every partition of `topic`
/// (`None`: nothing committed), read without joining the group.
pub async fn committed_offsets(
    broker: &TestBroker,
    group: &str,
    topic: &str,
) -> Result<BTreeMap<i32, Option<i64>>, Failure> {
    let config = broker.client_config();
    let partitions = Admin::new(&config)?.partition_count(topic).await?;
    let consumer = Consumer::<Vec<u8>, Vec<u8>>::builder(&config)
        .group_id(group)
        .enable_auto_commit(false)
        .build()?;
    let tps: Vec<TopicPartition> = (0..partitions)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    let committed = consumer.committed(&tps).await?;
    Ok(committed
        .into_iter()
        .map(|(tp, offset)| (tp.partition(), offset))
        .collect())
}

/// Waits until `condition` holds, checking every 50 ms, at most `timeout`.
/// Fails at once, with the message, if an application in `apps` is in
/// state `Error`.
pub async fn wait_until(
    what: &str,
    apps: &[&KafkaStreams],
    timeout: Duration,
    mut condition: impl FnMut() -> bool,
) -> Result<(), Failure> {
    let deadline = Instant::now() + timeout;
    loop {
        for app in apps {
            if let StreamsState::Error(message) = app.state() {
                return Err(
                    format!("waiting for {what}: the application failed: {message}").into(),
                );
            }
        }
        if condition() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The word count store of `streams`, as a map, with the number of entries
/// the query returned (more entries than keys means a word is counted in
/// two tasks).
pub fn store_counts(streams: &KafkaStreams) -> Result<(BTreeMap<String, i64>, usize), Failure> {
    let entries = streams.store::<String, i64>(wordcount::STORE)?.all()?;
    let len = entries.len();
    Ok((entries.into_iter().collect(), len))
}

/// Waits until the word count store of `streams` holds `expected`, at most
/// `timeout`, and returns what it holds then.
pub async fn wait_for_store(
    streams: &KafkaStreams,
    expected: &BTreeMap<String, i64>,
    timeout: Duration,
) -> Result<(BTreeMap<String, i64>, usize), Failure> {
    let mut last = (BTreeMap::new(), 0);
    let reached = wait_until(
        "the store to hold the expected counts",
        &[streams],
        timeout,
        || match store_counts(streams) {
            Ok(now) => {
                last = now;
                last.0 == *expected
            }
            Err(_) => false,
        },
    )
    .await;
    match reached {
        Ok(()) => Ok(last),
        // Let the caller's assertion show the difference, unless the
        // application failed.
        Err(e) if e.to_string().contains("application failed") => Err(e),
        Err(_) => Ok(last),
    }
}

/// The task names an application of `topology` has over `partitions`
/// partitions per sub-topology (`sub_partition`), sorted as metrics are.
pub fn all_tasks(topology: &Topology, partitions: i32) -> Vec<String> {
    let mut tasks: Vec<String> = (0..topology.subtopologies().len())
        .flat_map(|sub| (0..partitions).map(move |p| format!("{sub}_{p}")))
        .collect();
    tasks.sort();
    tasks
}

/// The partition a word's count lives in: the repartition topic's key
/// partitioning (murmur2 of the word's UTF-8 bytes, as Java does), which is
/// also the partition of the counting task and of its changelog.
pub fn partition_of_word(word: &str, partitions: i32) -> i32 {
    kafka_client::producer::partition_for_key(word.as_bytes(), partitions)
}

/// Logs to the test output when `RUST_LOG` is set (once per process).
pub fn init_tracing() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}
