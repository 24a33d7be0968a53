//! What a slow topology reports while it works through a backlog: its lag
//! (per source partition, the records left to process, from the
//! partitions' end offsets: one ListOffsets request for all of a thread's
//! partitions at each commit), and commits at the commit interval.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::{Duration, Instant};

use integration_tests::support::{init_tracing, produce_lines, streams_config};
use integration_tests::{unique_name, Feature, TestBroker};
use kafka_client::serde::StringSerde;
use kafka_streams::runtime::KafkaStreams;
use kafka_streams::{Consumed, Produced, StreamsBuilder, Topology};

const TIMEOUT: Duration = Duration::from_secs(60);
const RECORDS: usize = 600;
/// Each record takes this long to process, so that commits (every 150 ms
/// in the tests) happen while records are still waiting.
const PER_RECORD: Duration = Duration::from_millis(4);

/// `input` to `output`, each value upper-cased after `per_record` of sleep.
fn slow_topology(input: &str, output: &str, per_record: Duration) -> Topology {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(input, Consumed::with(StringSerde, StringSerde))
        .map_values(move |line| {
            std::thread::sleep(per_record);
            line.to_uppercase()
        })
        .to(output, Produced::with(StringSerde, StringSerde));
    builder.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_counts_the_records_left_and_reaches_zero() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    if !broker.supports(
        Feature::CorrectEndOffsets,
        "lag metrics (they come from ListOffsets end offsets)",
    ) {
        return;
    }
    let input = broker.fresh_topic("lag-input", 2).await.unwrap();
    let output = broker.fresh_topic("lag-output", 1).await.unwrap();
    // Every record is written before the start, so that every lag
    // measured sees all of them. Keyless lines go round-robin: both
    // partitions get some.
    let ends = produce_lines(
        &broker,
        &input,
        &(0..RECORDS)
            .map(|i| format!("line {i}"))
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let total: i64 = ends.values().sum();
    assert_eq!(total, RECORDS as i64);
    let keys: Vec<String> = ends.keys().map(|p| format!("{input}[{p}]")).collect();
    let config = streams_config(&broker, &unique_name("lag"));
    let topology = slow_topology(&input, &output, PER_RECORD);
    let mut streams = KafkaStreams::new(topology, config).unwrap();
    streams.start().await.unwrap();

    // While the records are processed, each published lag is what was left
    // when it was measured: never less than what is left now (the count
    // processed only grows), never more than everything.
    let started = Instant::now();
    let mut seen_waiting = 0;
    loop {
        let m = streams.metrics();
        let processed = m.processed_by_topic.get(&input).copied().unwrap_or(0) as i64;
        if keys.iter().all(|k| m.lag.contains_key(k)) {
            let lag = m.total_lag();
            assert!(lag <= total, "lag {lag} of {total} records: {:?}", m.lag);
            assert!(
                lag + processed >= total,
                "lag {lag} with {processed} of {total} processed: the end offsets were too low ({:?})",
                m.lag
            );
            if lag > 0 && processed > 0 {
                seen_waiting += 1;
            }
        }
        if processed == total {
            break;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "{processed} of {total} processed in {TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        seen_waiting > 0,
        "no lag was ever seen while {total} records took {:?} to process",
        PER_RECORD * RECORDS as u32
    );
    streams.wait_until_caught_up(TIMEOUT).await.unwrap();
    let m = streams.metrics();
    for key in &keys {
        assert_eq!(m.lag.get(key), Some(&0), "{:?}", m.lag);
    }
    streams.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_topology_commits_at_the_commit_interval() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("slow-input", 1).await.unwrap();
    let output = broker.fresh_topic("slow-output", 1).await.unwrap();
    const SLOW_RECORDS: usize = 200;
    const SLOW: Duration = Duration::from_millis(10);
    let lines: Vec<String> = (0..SLOW_RECORDS).map(|i| format!("line {i}")).collect();
    produce_lines(&broker, &input, &lines).await.unwrap();
    let config = streams_config(&broker, &unique_name("slow"));
    let topology = slow_topology(&input, &output, SLOW);
    let mut streams = KafkaStreams::new(topology, config).unwrap();
    streams.start().await.unwrap();

    // The 200 records are ready at once and take 2 s: with a commit every
    // 150 ms, about a dozen commits fall inside. (Looking at the deadlines
    // only between batches of 256 ready records, there were none.)
    let started = Instant::now();
    let mut first = None;
    loop {
        let m = streams.metrics();
        let processed = m.processed_by_topic.get(&input).copied().unwrap_or(0);
        if processed > 0 && first.is_none() {
            first = Some(m.commits);
        }
        if processed == SLOW_RECORDS as u64 {
            let during = m.commits - first.unwrap_or(m.commits);
            assert!(
                during >= 5,
                "{during} commits while {SLOW_RECORDS} records took {:?}",
                SLOW * SLOW_RECORDS as u32
            );
            break;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "{processed} of {SLOW_RECORDS} processed in {TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    streams.close().await.unwrap();
}
