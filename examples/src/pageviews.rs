//! Page views per page and time window: the topology of the `pageviews`
//! example, a plain recomputation to check it, and a complete run on a
//! cluster.
//!
//! Input: JSON lines `{"user": "...", "page": "...", "ts": <epoch ms>}`,
//! produced to [`INPUT_TOPIC`] keyed by user with the record timestamp set
//! to `ts`. The topology regroups the views by page (a repartition topic),
//! counts them in tumbling or hopping windows on event time (the record
//! timestamp), and writes every updated count to [`OUTPUT_TOPIC`] (keys in
//! Kafka's time-windowed layout, `page ++ window start`, Long values).
//!
//! A line that is not such JSON is reported with its line number and not
//! produced: its timestamp is unknown, and a record with a made-up
//! timestamp would move stream time and close windows that later, valid
//! records still belong to.

use std::collections::BTreeMap;
use std::time::Duration;

use kafka_client::serde::{Json, LongSerde, StringSerde};
use kafka_client::{
    Admin, ClientConfig, Consumer, ConsumerBuilder, NewTopic, Offset, Producer, ProducerRecord,
    TopicPartition,
};
use kafka_streams::dsl::TimeWindowedSerde;
use kafka_streams::runtime::{KafkaStreams, StreamsConfig};
use kafka_streams::{
    Consumed, Grouped, Materialized, Produced, StreamsBuilder, TimeWindows, Topology,
};
use serde::{Deserialize, Serialize};

/// The input topic (String keys: the user; JSON values: [`PageView`]).
pub const INPUT_TOPIC: &str = "pageviews";
/// The output topic (time-windowed String keys, Long counts).
pub const OUTPUT_TOPIC: &str = "pageviews-per-window";
/// The application id.
pub const APPLICATION_ID: &str = "pageviews";
/// The window store of the counts.
pub const STORE: &str = "pageview-counts";
/// The name of the repartition topic (by page).
pub const BY_PAGE: &str = "pageviews-by-page";

/// One page view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageView {
    /// Who viewed the page.
    pub user: String,
    /// The page.
    pub page: String,
    /// When, in milliseconds since the epoch (the event time).
    pub ts: i64,
}

/// A line of the input that is not a page view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// Its line number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub error: String,
}

/// Parses JSON lines; blank lines are skipped, bad ones returned apart.
pub fn parse_lines(text: &str) -> (Vec<PageView>, Vec<BadLine>) {
    let mut views = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<PageView>(line) {
            Ok(view) if view.ts >= 0 => views.push(view),
            Ok(view) => bad.push(BadLine {
                line: i + 1,
                error: format!("negative timestamp {}", view.ts),
            }),
            Err(e) => bad.push(BadLine {
                line: i + 1,
                error: e.to_string(),
            }),
        }
    }
    (views, bad)
}

/// Tumbling windows of `window_ms` (hopping when `advance_ms` is smaller)
/// that accept records up to `grace_ms` behind stream time.
pub fn windows(
    window_ms: u64,
    advance_ms: u64,
    grace_ms: u64,
) -> kafka_streams::Result<TimeWindows> {
    TimeWindows::of_size_and_grace(
        Duration::from_millis(window_ms),
        Duration::from_millis(grace_ms),
    )?
    .advance_by(Duration::from_millis(advance_ms))
}

/// The serde of the output keys.
pub fn output_key_serde(windows: &TimeWindows) -> TimeWindowedSerde<String> {
    TimeWindowedSerde::new(StringSerde, windows.size_ms())
}

/// The topology: views by page, counted per window.
pub fn topology(windows: TimeWindows) -> kafka_streams::Result<Topology> {
    topology_between(INPUT_TOPIC, OUTPUT_TOPIC, windows)
}

/// The topology, reading `input` and writing `output`.
fn topology_between(
    input: &str,
    output: &str,
    windows: TimeWindows,
) -> kafka_streams::Result<Topology> {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, PageView>(input, Consumed::with(StringSerde, Json::new()))
        .group_by(
            |_user, view| view.page.clone(),
            Grouped::with(StringSerde, Json::new()).with_name(BY_PAGE),
        )
        .windowed_by(windows)
        .count(Materialized::with(StringSerde, LongSerde).with_name(STORE))
        .to_stream()
        .to(
            output,
            Produced::with(output_key_serde(&windows), LongSerde),
        );
    builder.build()
}

/// `(page, window start)` -> count.
pub type Counts = BTreeMap<(String, i64), i64>;

/// The final counts computed directly, for views processed in this order
/// by one task: a view misses a window once the largest timestamp so far
/// has reached the window's end plus grace.
pub fn recompute(views: &[PageView], windows: &TimeWindows) -> Counts {
    let mut counts = Counts::new();
    let mut stream_time = i64::MIN;
    for view in views {
        stream_time = stream_time.max(view.ts);
        for window in windows.windows_for(view.ts) {
            if !windows.is_closed(window.end(), stream_time) {
                *counts
                    .entry((view.page.clone(), window.start()))
                    .or_insert(0) += 1;
            }
        }
    }
    counts
}

/// The names one run uses: fixed on the embedded cluster, suffixed on a
/// shared cluster so that runs do not read each other's data.
#[derive(Debug, Clone)]
pub struct RunNames {
    /// The input topic.
    pub input: String,
    /// The output topic.
    pub output: String,
    /// The application id (and consumer group).
    pub application_id: String,
}

impl RunNames {
    /// The fixed names.
    pub fn fixed() -> Self {
        RunNames {
            input: INPUT_TOPIC.to_string(),
            output: OUTPUT_TOPIC.to_string(),
            application_id: APPLICATION_ID.to_string(),
        }
    }

    /// The names with `-suffix` appended.
    pub fn suffixed(suffix: &str) -> Self {
        RunNames {
            input: format!("{INPUT_TOPIC}-{suffix}"),
            output: format!("{OUTPUT_TOPIC}-{suffix}"),
            application_id: format!("{APPLICATION_ID}-{suffix}"),
        }
    }
}

/// A failure of a run, with what went wrong.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Runs the topology on the cluster at `servers`: creates the topics,
/// starts the application, produces `views` (keyed by user, timestamped
/// with `ts`), waits until everything is processed, reads the latest count
/// of every window from the output topic, and closes the application.
pub async fn run(
    servers: &str,
    names: &RunNames,
    views: &[PageView],
    windows: TimeWindows,
    partitions: i32,
) -> Result<Counts, Failure> {
    let client = ClientConfig::new().bootstrap_servers(servers);
    let admin = Admin::new(&client)?;
    for topic in [&names.input, &names.output] {
        admin
            .create_topic_if_missing(&NewTopic::new(topic.as_str(), partitions))
            .await?;
    }
    let config = StreamsConfig::new(names.application_id.clone())
        .bootstrap_servers(servers)
        .num_stream_threads(1)
        .commit_interval(Duration::from_millis(100))
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500");
    let mut streams = KafkaStreams::new(
        topology_between(&names.input, &names.output, windows)?,
        config,
    )?;
    streams.start().await?;
    let outcome = produce_and_read(&client, &streams, names, views, windows).await;
    streams.close().await?;
    outcome
}

async fn produce_and_read(
    client: &ClientConfig,
    streams: &KafkaStreams,
    names: &RunNames,
    views: &[PageView],
    windows: TimeWindows,
) -> Result<Counts, Failure> {
    let producer: Producer<String, PageView> = Producer::builder(client)
        .key_serde(StringSerde)
        .value_serde(Json::<PageView>::new())
        .build()?;
    for view in views {
        producer
            .enqueue(
                ProducerRecord::new(names.input.as_str(), view.clone())
                    .key(view.user.clone())
                    .timestamp(view.ts),
            )
            .await
            .map_err(|e| e.into_error())?;
    }
    producer.flush().await?;
    streams
        .wait_until_caught_up(Duration::from_secs(120))
        .await?;
    read_latest(client, &names.output, windows).await
}

/// Reads `topic` from the beginning to its current end; the last count of
/// every window wins.
async fn read_latest(
    client: &ClientConfig,
    topic: &str,
    windows: TimeWindows,
) -> Result<Counts, Failure> {
    let consumer: Consumer<kafka_streams::Windowed<String>, i64> =
        ConsumerBuilder::with_deserializers(client, output_key_serde(&windows), LongSerde)
            .build()?;
    let partitions: Vec<TopicPartition> = consumer.partitions_for(topic).await?;
    let mut remaining = Vec::new();
    for tp in &partitions {
        let (low, high) = consumer.watermarks(tp).await?;
        if high > low {
            remaining.push((tp.clone(), high));
        }
    }
    let starts: Vec<(TopicPartition, Offset)> = partitions
        .iter()
        .map(|tp| (tp.clone(), Offset::Beginning))
        .collect();
    consumer.assign_at(&starts).await?;
    let mut counts = Counts::new();
    while !remaining.is_empty() {
        let record = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .map_err(|_| {
                format!("no record from {topic} within 30 s while reading it to its end")
            })??;
        if let (Some(key), Some(count)) = (record.key, record.value) {
            let (page, window) = key.into_parts();
            counts.insert((page, window.start()), count);
        }
        let next = record.offset + 1;
        remaining.retain(|(tp, high)| !(tp.partition() == record.partition && next >= *high));
    }
    consumer.close().await?;
    Ok(counts)
}

/// A small sample input (the content of `examples/data/pageviews.jsonl`).
pub const SAMPLE: &str = include_str!("../data/pageviews.jsonl");
