//! The Rust word counts, each run in a child process of the benchmark (so
//! that each has its own peak memory): the streams topology and the
//! hand-written floor here, the hop floor in `hop_floor.rs`. Each prints
//! one `RESULT` line for the parent.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use examples::wordcount::{self, INPUT_TOPIC, OUTPUT_TOPIC, STORE};
use kafka_streams::runtime::{KafkaStreams, StreamsConfig, StreamsState};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::Message as _;
use regex::Regex;

use super::input::Expected;
use super::outcome::Outcome;
use crate::memory::peak_rss_kib;
use crate::raw::PolledProducer;
use crate::Failure;

/// A run that has not processed everything by then has failed.
pub(super) const TIMEOUT: Duration = Duration::from_secs(900);
/// A run whose processed count has not moved for this long has failed.
pub(super) const STALL: Duration = Duration::from_secs(30);
/// How often the streams child looks at the metrics. Each look builds a
/// snapshot and locks every thread's tasks: every 2 ms that took half a
/// core from the two being measured. 20 ms puts at most 20 ms on a run.
const POLL: Duration = Duration::from_millis(20);

/// What a child is told.
#[derive(Debug, Clone)]
pub(crate) struct ChildArgs {
    pub(crate) bootstrap: String,
    /// The application id (streams) or group id (floor, hop floor).
    pub(crate) group: String,
    pub(crate) expected: Expected,
    pub(crate) threads: usize,
}

/// The `examples` word count topology on the streams runtime, with or
/// without the runtime's repartition record ids. Done when every line and
/// every repartitioned word is processed and a commit after that (which
/// flushes the output) has completed.
pub(crate) async fn streams(args: &ChildArgs, record_ids: bool) -> Result<Outcome, Failure> {
    let wall = Instant::now();
    let config = StreamsConfig::new(&args.group)
        .bootstrap_servers(&args.bootstrap)
        .num_stream_threads(args.threads)
        // Kafka Streams' default is 30 s (at-least-once). 1 s keeps the
        // output within a second of the input, and the run's end close to
        // its last record (the output of the record caches goes at commits).
        .commit_interval(Duration::from_secs(1))
        .repartition_record_ids(record_ids)
        // Generous: two busy cores must not make the group think a member died
        // (a rebalance restores stores from changelogs that the embedded
        // cluster has truncated).
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000");
    let mut streams = KafkaStreams::new(wordcount::topology()?, config)?;
    streams.start().await?;
    let target = args.expected.lines + args.expected.words;
    let mut first = None;
    let mut progress = (0, Instant::now());
    loop {
        let m = streams.metrics();
        if first.is_none() && m.records_processed > 0 {
            first = Some(Instant::now());
        }
        if m.records_processed != progress.0 {
            progress = (m.records_processed, Instant::now());
        } else if progress.1.elapsed() > STALL {
            return Err(format!(
                "streams: stuck at {} of {target} records processed for {STALL:?} \
                 (on the embedded cluster: input or repartition records lost to its 5 MiB \
                 per-partition limit? use more partitions)",
                m.records_processed
            )
            .into());
        }
        if m.records_processed >= target {
            break;
        }
        if let StreamsState::Error(message) = streams.state() {
            return Err(format!("streams failed: {message}").into());
        }
        if wall.elapsed() > TIMEOUT {
            return Err(format!(
                "streams: {} of {target} records processed in {TIMEOUT:?}",
                m.records_processed
            )
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
    // `records_processed` also counts records processed again after a
    // rebalance (the first join of the second thread moves tasks), so it can
    // reach the target early: the store, whose counts are exact, says when
    // every word is in.
    loop {
        let counted: i64 = streams
            .store::<String, i64>(STORE)?
            .all()?
            .iter()
            .map(|(_, n)| n)
            .sum();
        if counted as u64 >= args.expected.words {
            break;
        }
        if let StreamsState::Error(message) = streams.state() {
            return Err(format!("streams failed: {message}").into());
        }
        if wall.elapsed() > TIMEOUT {
            return Err(format!(
                "streams: {counted} of {} words counted in {TIMEOUT:?}",
                args.expected.words
            )
            .into());
        }
        tokio::time::sleep(POLL).await;
    }
    // Every word is in the store; the output of the record caches goes at
    // the next commit. Close now, as the Quix side stops once it has counted
    // every word: closing commits at once (flushing the caches and waiting
    // for the acks), where waiting for the next scheduled commit would add
    // up to a commit interval to the run.
    let counts = streams.store::<String, i64>(STORE)?.all()?;
    streams.close().await?;
    let done = Instant::now();
    tracing::info!(metrics = ?streams.metrics(), "streams child done");
    Ok(Outcome {
        secs: (done - first.unwrap_or(wall)).as_secs_f64(),
        wall: (done - wall).as_secs_f64(),
        words: counts.iter().map(|(_, c)| *c as u64).sum(),
        distinct: counts.len() as u64,
        peak_kib: peak_rss_kib().unwrap_or(0),
    })
}

/// The clients of a hand-written loop: a producer config (acks=all,
/// idempotent, as the stream threads' producers, but a 5 ms linger where
/// they have 20: the floor and the hop floor ran 5 % faster with 5 ms on
/// the embedded cluster, so the baselines keep their faster setting) and a
/// consumer config in group `args.group`, with the fetch settings the
/// stream threads' consumers get by default.
pub(super) fn loop_configs(args: &ChildArgs) -> (rdkafka::ClientConfig, rdkafka::ClientConfig) {
    let mut config = rdkafka::ClientConfig::new();
    config.set("bootstrap.servers", &args.bootstrap);
    config.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
    let mut producer_config = config.clone();
    producer_config
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("linger.ms", "5");
    config
        .set("group.id", &args.group)
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        // The embedded cluster answers a fetch that finds nothing only
        // after the whole wait (500 ms by default).
        .set("fetch.wait.max.ms", "100")
        // After the local queue fills, fetch again 10 ms later, not 1 s (a
        // loop that reads its own repartition records ran at a fifth of
        // its speed with librdkafka's default).
        .set("fetch.queue.backoff.ms", "10");
    (producer_config, config)
}

/// The floor: a hand-written rdkafka loop that consumes the lines, counts in
/// a `HashMap` and produces every updated count (String key, 8-byte
/// big-endian count, as the topology writes). No repartition topic, no
/// changelog, no store: the least any word count must do.
pub(crate) fn floor(args: &ChildArgs) -> Result<Outcome, Failure> {
    let wall = Instant::now();
    let non_word = Regex::new(r"\W+")?;
    let (producer_config, consumer_config) = loop_configs(args);
    let producer = PolledProducer::new(&producer_config)?;
    let consumer: BaseConsumer = consumer_config.create()?;
    consumer.subscribe(&[INPUT_TOPIC])?;

    let mut counts = LoopCounts::new();
    let mut lines = 0u64;
    let mut first = None;
    while lines < args.expected.lines {
        if wall.elapsed() > TIMEOUT {
            return Err(format!(
                "floor: {lines} of {} lines in {TIMEOUT:?}",
                args.expected.lines
            )
            .into());
        }
        let message = match consumer.poll(Duration::from_millis(100)) {
            None => continue,
            Some(message) => message?,
        };
        first.get_or_insert_with(Instant::now);
        lines += 1;
        let Some(Ok(line)) = message.payload_view::<str>() else {
            continue;
        };
        let lower = line.to_lowercase();
        for word in non_word.split(&lower).filter(|w| !w.is_empty()) {
            counts.count(word, &producer)?;
        }
    }
    counts.finish(&producer, first, wall)
}

/// The counts of a hand-written loop, each update produced to the output
/// topic (String key, 8-byte big-endian count, as the topology writes).
pub(super) struct LoopCounts {
    counts: HashMap<String, i64>,
}

impl LoopCounts {
    pub(super) fn new() -> Self {
        LoopCounts {
            counts: HashMap::new(),
        }
    }

    /// Counts `word` and produces its new count.
    pub(super) fn count(&mut self, word: &str, producer: &PolledProducer) -> Result<(), Failure> {
        let count = match self.counts.get_mut(word) {
            Some(count) => {
                *count += 1;
                *count
            }
            None => {
                self.counts.insert(word.to_string(), 1);
                1
            }
        };
        producer.send(
            OUTPUT_TOPIC,
            None,
            Some(word.as_bytes()),
            &count.to_be_bytes(),
        )
    }

    /// How many words were counted.
    pub(super) fn total(&self) -> u64 {
        self.counts.values().map(|c| *c as u64).sum()
    }

    /// Flushes the output and reports the run, timed from `first` (the
    /// first record read) or else from `wall` (the start).
    pub(super) fn finish(
        self,
        producer: &PolledProducer,
        first: Option<Instant>,
        wall: Instant,
    ) -> Result<Outcome, Failure> {
        producer.flush()?;
        let done = Instant::now();
        Ok(Outcome {
            secs: (done - first.unwrap_or(wall)).as_secs_f64(),
            wall: (done - wall).as_secs_f64(),
            words: self.total(),
            distinct: self.counts.len() as u64,
            peak_kib: peak_rss_kib().unwrap_or(0),
        })
    }
}
