//! Scaling out: a second instance of the same application joins while
//! input is flowing, takes over part of the tasks, and the counts stay
//! exact.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeSet;
use std::time::Duration;

use examples::wordcount;
use integration_tests::support::{
    all_tasks, generate_lines, init_tracing, produce_lines, read_last_values, streams_config,
    wait_until, wordcount_topology,
};
use integration_tests::{unique_name, Feature, TestBroker};
use kafka_streams::runtime::{KafkaStreams, StreamsState};

const PARTITIONS: i32 = 4;
const TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_instance_joins_mid_stream_and_takes_over_tasks() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    if !broker.supports(
        Feature::CorrectEndOffsets,
        "second_instance_joins_mid_stream_and_takes_over_tasks (moved tasks restore up to the changelog's end offset)",
    ) {
        return;
    }
    let input = broker.fresh_topic("scale-input", PARTITIONS).await.unwrap();
    let output = broker
        .fresh_topic("scale-output", PARTITIONS)
        .await
        .unwrap();
    let lines = generate_lines(4_000, 3);
    let (first, rest) = lines.split_at(1_500);
    let (during, last_part) = rest.split_at(2_000);
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    let application_id = unique_name("wordcount-scale");
    let tasks = all_tasks(&wordcount_topology(&input, &output).unwrap(), PARTITIONS);

    let mut a = KafkaStreams::new(
        wordcount_topology(&input, &output).unwrap(),
        streams_config(&broker, &application_id),
    )
    .unwrap();
    a.start().await.unwrap();
    a.wait_for_state(StreamsState::Running, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(a.metrics().active_tasks, tasks, "alone, A owns every task");
    produce_lines(&broker, &input, first).await.unwrap();
    wait_until("A to process input", &[&a], TIMEOUT, || {
        a.metrics().records_processed > 1_000
    })
    .await
    .unwrap();

    // B joins while more input is produced, in slices over a few seconds
    // (about as long as the group takes to rebalance).
    let mut b = KafkaStreams::new(
        wordcount_topology(&input, &output).unwrap(),
        streams_config(&broker, &application_id),
    )
    .unwrap();
    b.start().await.unwrap();
    for slice in during.chunks(100) {
        produce_lines(&broker, &input, slice).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    wait_until("A and B to share the tasks", &[&a, &b], TIMEOUT, || {
        let (ta, tb) = (a.metrics().active_tasks, b.metrics().active_tasks);
        !ta.is_empty() && !tb.is_empty() && ta.len() + tb.len() == tasks.len()
    })
    .await
    .unwrap();
    let (ta, tb) = (a.metrics().active_tasks, b.metrics().active_tasks);
    let union: BTreeSet<&String> = ta.iter().chain(&tb).collect();
    assert_eq!(
        union.len(),
        tasks.len(),
        "no task owned twice: A {ta:?}, B {tb:?}"
    );
    assert_eq!(union.into_iter().cloned().collect::<Vec<_>>(), tasks);
    // And input after the handover, so that both certainly process some.
    produce_lines(&broker, &input, last_part).await.unwrap();

    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, expected, "last count per word on the output topic");
    let (ma, mb) = (a.metrics(), b.metrics());
    assert!(mb.records_processed > 0, "B processed nothing: {mb:?}");
    assert!(ma.rebalances >= 2, "A took part in B's join: {ma:?}");

    a.close().await.unwrap();
    b.close().await.unwrap();
}

/// On an embedded cluster, a rebalance of a running group waits the
/// session timeout minus 1 s; the runtime's 6 s default there (librdkafka's
/// is 45 s) keeps a second instance's join to seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_embedded_cluster_a_second_instance_joins_in_seconds_by_default() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    if broker.embedded().is_none() {
        eprintln!(
            "SKIPPED on_the_embedded_cluster_a_second_instance_joins_in_seconds_by_default: \
             only the embedded cluster waits the session timeout to rebalance"
        );
        return;
    }
    let input = broker.fresh_topic("join-input", PARTITIONS).await.unwrap();
    let output = broker.fresh_topic("join-output", PARTITIONS).await.unwrap();
    let application_id = unique_name("wordcount-join");
    let tasks = all_tasks(&wordcount_topology(&input, &output).unwrap(), PARTITIONS);
    // No session timeout or heartbeat of the test's own.
    let config = || {
        kafka_streams::runtime::StreamsConfig::new(&application_id)
            .client_config(broker.client_config())
            .num_stream_threads(1)
    };

    let mut a = KafkaStreams::new(wordcount_topology(&input, &output).unwrap(), config()).unwrap();
    a.start().await.unwrap();
    a.wait_for_state(StreamsState::Running, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(a.metrics().active_tasks, tasks, "alone, A owns every task");

    let mut b = KafkaStreams::new(wordcount_topology(&input, &output).unwrap(), config()).unwrap();
    let joined = std::time::Instant::now();
    b.start().await.unwrap();
    // 5 s of the embedded cluster's wait, and room for a second rebalance
    // (its SyncGroup race); with 45 s sessions this took 44 s or more.
    wait_until(
        "A and B to share the tasks",
        &[&a, &b],
        Duration::from_secs(20),
        || {
            let (ta, tb) = (a.metrics().active_tasks, b.metrics().active_tasks);
            !ta.is_empty() && !tb.is_empty() && ta.len() + tb.len() == tasks.len()
        },
    )
    .await
    .unwrap();
    tracing::info!(took = ?joined.elapsed(), "B got its tasks");

    a.close().await.unwrap();
    b.close().await.unwrap();
}
