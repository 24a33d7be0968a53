//! Faults: word count on a 3-broker embedded cluster while a broker goes
//! down and comes back, requests fail and round trips slow down; a windowed
//! count whose second instance leaves in the middle of a window; and a
//! cluster that cannot be reached at start. Nothing is lost and the
//! application recovers without a human; an unreachable cluster is a clear
//! error within a bounded time, never a hang.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use examples::wordcount;
use integration_tests::support::{
    committed_offsets, generate_lines, init_tracing, produce_lines, read_last_values,
    streams_config, wait_for_store, wordcount_topology,
};
use integration_tests::{unique_name, Feature, TestBroker};
use kafka_client::consumer::{Consumer, Offset};
use kafka_client::embedded::{ApiKey, BrokerErrorCode};
use kafka_client::producer::Producer;
use kafka_client::{Admin, ClientConfig, ProducerRecord, TopicPartition};
use kafka_streams::dsl::TimeWindowedSerde;
use kafka_streams::runtime::{KafkaStreams, StreamsConfig, StreamsState};
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::{
    Consumed, Grouped, Materialized, Produced, StreamsBuilder, TimeWindows, Topology,
};

const TIMEOUT: Duration = Duration::from_secs(60);
const PARTITIONS: i32 = 6;

/// Says on stderr why a scenario is skipped.
fn skip(scenario: &str, why: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("SKIPPED {scenario}: {why}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_survives_broker_restart_request_errors_and_slow_round_trips() {
    init_tracing();
    let broker = TestBroker::start(3).unwrap();
    let Some(cluster) = broker.embedded() else {
        skip(
            "faults: broker restart, request errors, slow round trips",
            "fault injection needs the embedded cluster (KAFKA_BOOTSTRAP_SERVERS is set)",
        );
        return;
    };
    let input = broker
        .fresh_topic("faults-input", PARTITIONS)
        .await
        .unwrap();
    let output = broker
        .fresh_topic("faults-output", PARTITIONS)
        .await
        .unwrap();
    // Every broker leads some partitions of each topic.
    for p in 0..PARTITIONS {
        cluster.set_partition_leader(&input, p, p % 3 + 1).unwrap();
        cluster.set_partition_leader(&output, p, p % 3 + 1).unwrap();
    }
    let application_id = unique_name("wordcount-faults");
    let config = streams_config(&broker, &application_id)
        .num_stream_threads(2)
        .set("reconnect.backoff.max.ms", "500");
    let mut streams =
        KafkaStreams::new(wordcount_topology(&input, &output).unwrap(), config).unwrap();
    streams.start().await.unwrap();
    streams
        .wait_for_state(StreamsState::Running, TIMEOUT)
        .await
        .unwrap();

    let lines = generate_lines(8_000, 61);
    let batches: Vec<Vec<String>> = lines.chunks(500).map(<[String]>::to_vec).collect();
    // Input keeps arriving (and being processed, produced and committed)
    // while the faults happen.
    let producing = async {
        let mut ends: BTreeMap<i32, i64> = BTreeMap::new();
        for batch in &batches {
            for (p, end) in produce_lines(&broker, &input, batch).await.unwrap() {
                let e = ends.entry(p).or_insert(0);
                *e = (*e).max(end);
            }
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        ends
    };
    let faults = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        // (a) The leader of partitions 1 and 4 (and of whatever internal
        // topic partitions or group coordinator it holds) goes away.
        cluster.broker_down(2).unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        cluster.broker_up(2).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        // (b) Produce, fetch and commit requests fail. Produce gets the
        // errors a broker answers with; not NetworkException, which Java
        // raises client-side and librdkafka treats as permanent in a
        // Produce response (the record would fail, as it should).
        cluster
            .push_request_errors(
                ApiKey::Produce,
                &[
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                ],
            )
            .unwrap();
        cluster
            .push_request_errors(
                ApiKey::Fetch,
                &[
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
                ],
            )
            .unwrap();
        cluster
            .push_request_errors(
                ApiKey::OffsetCommit,
                &[
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                    BrokerErrorCode::RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
                ],
            )
            .unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        // (c) One broker answers everything 300 ms late.
        cluster
            .set_round_trip_time(1, Duration::from_millis(300))
            .unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        cluster.set_round_trip_time(1, Duration::ZERO).unwrap();
    };
    let (ends, ()) = tokio::join!(producing, faults);
    assert_eq!(ends.values().sum::<i64>(), lines.len() as i64);

    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, expected, "output topic: the last count of every word");
    let (store, entries) = wait_for_store(&streams, &expected, TIMEOUT).await.unwrap();
    assert_eq!(store, expected, "store contents");
    assert_eq!(entries, expected.len(), "a word counted in two tasks");
    assert_eq!(
        streams.state(),
        StreamsState::Running,
        "recovered by itself"
    );
    let metrics = streams.metrics();
    assert_eq!(metrics.records_failed_to_produce, 0);
    streams.close().await.unwrap();
    let committed = committed_offsets(&broker, &application_id, &input)
        .await
        .unwrap();
    for (p, end) in &ends {
        assert_eq!(
            committed[p],
            Some(*end),
            "partition {p} committed to its end: {committed:?}"
        );
    }
}

const WINDOW: Duration = Duration::from_secs(10);
const WINDOW_MS: i64 = 10_000;
/// A window boundary, so that phases can be placed in windows exactly.
const BASE_TS: i64 = 1_700_000_000_000;
const WINDOW_STORE: &str = "clicks-per-window";

/// Clicks per user and 10-second window, every update written to `output`.
fn windowed_count_topology(input: &str, output: &str) -> Topology {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(input, Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .windowed_by(TimeWindows::of_size_and_grace(WINDOW, Duration::from_secs(3_600)).unwrap())
        .count(Materialized::with(StringSerde, LongSerde).with_name(WINDOW_STORE))
        .to_stream()
        .to(
            output,
            Produced::with(TimeWindowedSerde::new(StringSerde, WINDOW_MS), LongSerde),
        );
    builder.build().unwrap()
}

/// Clicks `(user, timestamp)` number `from..to`: 16 users, 12.5 ms apart,
/// from `BASE_TS`, so that record 800 is 10 s in (a window boundary).
fn clicks(from: usize, to: usize) -> Vec<(String, i64)> {
    (from..to)
        .map(|i| {
            (
                format!("user-{}", (i * 7) % 16),
                BASE_TS + (i as i64 * 25) / 2,
            )
        })
        .collect()
}

/// What the windowed count must end with: per (user, window start).
fn recompute_windows(clicks: &[(String, i64)]) -> BTreeMap<(String, i64), i64> {
    let mut counts = BTreeMap::new();
    for (user, ts) in clicks {
        *counts
            .entry((user.clone(), ts - ts.rem_euclid(WINDOW_MS)))
            .or_insert(0) += 1;
    }
    counts
}

async fn produce_clicks(broker: &TestBroker, topic: &str, clicks: &[(String, i64)]) {
    let producer: Producer<String, String> = Producer::new(&broker.client_config()).unwrap();
    let mut pending = Vec::with_capacity(clicks.len());
    for (user, ts) in clicks {
        let delivery = producer
            .send_async(
                ProducerRecord::new(topic, format!("click at {ts}"))
                    .key(user.clone())
                    .timestamp(*ts),
            )
            .await
            .map_err(|e| e.into_error())
            .unwrap();
        pending.push(delivery);
    }
    for outcome in futures::future::join_all(pending).await {
        outcome.map_err(|f| f.error).unwrap();
    }
    producer.close().await.unwrap();
}

/// Reads the windowed output (key: the user's bytes and the window start,
/// 8 bytes big-endian; value: a Long) from the beginning until the last
/// value per window equals `expected` and the topic stayed quiet for a
/// second, or until `timeout`.
async fn read_window_counts(
    broker: &TestBroker,
    topic: &str,
    expected: &BTreeMap<(String, i64), i64>,
    timeout: Duration,
) -> BTreeMap<(String, i64), i64> {
    let config = broker.client_config();
    let partitions = Admin::new(&config)
        .unwrap()
        .partition_count(topic)
        .await
        .unwrap();
    let consumer = Consumer::<Vec<u8>, i64>::new(&config).unwrap();
    let start: Vec<(TopicPartition, Offset)> = (0..partitions)
        .map(|p| (TopicPartition::new(topic, p), Offset::Beginning))
        .collect();
    consumer.assign_at(&start).await.unwrap();
    let mut last = BTreeMap::new();
    let deadline = Instant::now() + timeout;
    let mut last_arrival = Instant::now();
    while Instant::now() < deadline {
        if last == *expected && last_arrival.elapsed() >= Duration::from_secs(1) {
            break;
        }
        if let Ok(record) = tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await
        {
            let record = record.unwrap();
            let key = record.key.expect("windowed key");
            let (user, start) = key.split_at(key.len() - 8);
            let start = i64::from_be_bytes(start.try_into().unwrap());
            let user = String::from_utf8(user.to_vec()).unwrap();
            last.insert((user, start), record.value.expect("a count"));
            last_arrival = Instant::now();
        }
    }
    consumer.close().await.unwrap();
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windowed_count_is_exact_when_an_instance_leaves_mid_window() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    if !broker.supports(
        Feature::CorrectEndOffsets,
        "rebalance mid-window: the surviving instance restores window stores from changelogs",
    ) {
        return;
    }
    let input = broker.fresh_topic("clicks", 4).await.unwrap();
    let output = broker.fresh_topic("clicks-per-window", 4).await.unwrap();
    let application_id = unique_name("clicks-windowed");
    let start_instance = || async {
        let mut streams = KafkaStreams::new(
            windowed_count_topology(&input, &output),
            streams_config(&broker, &application_id),
        )
        .unwrap();
        streams.start().await.unwrap();
        streams
    };
    let mut a = start_instance().await;
    let mut b = start_instance().await;
    let both_own_tasks = |a: &KafkaStreams, b: &KafkaStreams| {
        let (ta, tb) = (a.metrics().active_tasks, b.metrics().active_tasks);
        !ta.is_empty() && !tb.is_empty() && ta.len() + tb.len() == 4
    };
    let deadline = Instant::now() + TIMEOUT;
    while !both_own_tasks(&a, &b) {
        assert!(
            Instant::now() < deadline,
            "the two instances never shared the tasks: {:?} / {:?}",
            a.metrics().active_tasks,
            b.metrics().active_tasks
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Phase 1: window 0 complete, window 1 half full.
    let first = clicks(0, 1_200);
    produce_clicks(&broker, &input, &first).await;
    let expected_first = recompute_windows(&first);
    let seen = read_window_counts(&broker, &output, &expected_first, TIMEOUT).await;
    assert_eq!(
        seen, expected_first,
        "both instances counted the first phase"
    );
    let b_tasks = b.metrics().active_tasks;
    assert!(!b_tasks.is_empty());

    // The second instance leaves in the middle of window 1; the first
    // takes its tasks over, restoring their window stores.
    b.close().await.unwrap();
    let second = clicks(1_200, 2_000);
    // A few late clicks for window 0 (well within the grace period).
    let late: Vec<(String, i64)> = (0..16)
        .map(|u| (format!("user-{u}"), BASE_TS + 9_000 + u as i64))
        .collect();
    produce_clicks(&broker, &input, &second).await;
    produce_clicks(&broker, &input, &late).await;

    let all: Vec<(String, i64)> = first.iter().chain(&second).chain(&late).cloned().collect();
    let expected = recompute_windows(&all);
    assert!(
        expected
            .keys()
            .any(|(_, start)| *start == BASE_TS + WINDOW_MS),
        "window 1 spans the rebalance"
    );
    let seen = read_window_counts(&broker, &output, &expected, TIMEOUT).await;
    assert_eq!(
        seen, expected,
        "last count per user and window equals the recomputation"
    );
    let metrics = a.metrics();
    assert_eq!(metrics.active_tasks.len(), 4, "{metrics:?}");
    assert!(
        metrics.restores >= 1,
        "the moved tasks were restored: {metrics:?}"
    );
    assert_eq!(a.state(), StreamsState::Running);
    a.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_cluster_at_start_is_a_clear_error_within_a_bounded_time() {
    init_tracing();
    let servers = "127.0.0.1:1";
    let input = unique_name("unreachable-input");
    let config = StreamsConfig::new(unique_name("unreachable"))
        .client_config(
            ClientConfig::new()
                .bootstrap_servers(servers)
                .request_timeout(Duration::from_secs(3)),
        )
        .commit_interval(Duration::from_millis(100));
    let mut streams = KafkaStreams::new(
        wordcount_topology(&input, "unreachable-output").unwrap(),
        config,
    )
    .unwrap();
    let started = Instant::now();
    // Bounded from outside too: a hang fails here instead of hanging the suite.
    let result = tokio::time::timeout(Duration::from_secs(60), streams.start())
        .await
        .expect("start() hung for a minute against an unreachable cluster");
    let elapsed = started.elapsed();
    let error = result
        .expect_err("start must fail when no broker answers")
        .to_string();
    assert!(
        error.contains(servers),
        "the error names the servers: {error}"
    );
    assert!(
        elapsed < Duration::from_secs(30),
        "gave up after {elapsed:?}, not within the bound"
    );
    assert_eq!(streams.state(), StreamsState::Created, "nothing started");
}
