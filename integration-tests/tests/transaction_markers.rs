//! Partitions that end in a transaction marker: the marker takes an offset
//! but is never handed out, so "read to the end offset" must come from the
//! consumer's position (which moves past markers, as Java's does), not from
//! the offset of the last record. On the embedded cluster only: its EndTxn
//! writes no markers, so `markers::append_commit_marker` writes one by hand
//! (a real broker refuses control batches from clients).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::{Duration, Instant};

use examples::wordcount;
use integration_tests::markers::append_commit_marker;
use integration_tests::support::{
    generate_lines, init_tracing, produce_lines, start_wordcount, store_counts, streams_config,
    wordcount_topology,
};
use integration_tests::{unique_name, TestBroker};
use kafka_client::{Consumer, Offset, ProducerRecord, TopicPartition};
use kafka_streams::runtime::KafkaStreams;
use kafka_streams::topology::changelog_topic_name;

const TIMEOUT: Duration = Duration::from_secs(60);
const PARTITIONS: i32 = 2;

fn embedded_only(broker: &TestBroker, scenario: &str) -> bool {
    if broker.embedded().is_some() {
        return true;
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!("SKIPPED {scenario}: markers are written by hand, which only the embedded cluster accepts");
    }
    false
}

/// Appends a commit marker to each of the `PARTITIONS` partitions of `topic`.
async fn end_every_partition_in_a_marker(broker: &TestBroker, topic: &str) {
    for partition in 0..PARTITIONS {
        let (bootstrap, topic) = (broker.bootstrap_servers().to_string(), topic.to_string());
        tokio::task::spawn_blocking(move || append_commit_marker(&bootstrap, &topic, partition))
            .await
            .unwrap()
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_position_moves_past_a_final_commit_marker() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    if !embedded_only(&broker, "the_position_moves_past_a_final_commit_marker") {
        return;
    }
    let topic = broker.fresh_topic("markers", 1).await.unwrap();
    for i in 0..3 {
        let record = ProducerRecord::new(&topic, format!("value {i}").into_bytes())
            .key(b"k".to_vec())
            .partition(0);
        integration_tests::support::produce_raw(&broker, record)
            .await
            .unwrap();
    }
    let bootstrap = broker.bootstrap_servers().to_string();
    let marker_topic = topic.clone();
    let marker =
        tokio::task::spawn_blocking(move || append_commit_marker(&bootstrap, &marker_topic, 0))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(marker, 3, "the marker follows the three records");

    let consumer: Consumer<Vec<u8>, Vec<u8>> = Consumer::new(&broker.client_config()).unwrap();
    let tp = TopicPartition::new(&topic, 0);
    assert_eq!(
        consumer
            .end_offsets(std::slice::from_ref(&tp))
            .await
            .unwrap()[&tp],
        4
    );
    consumer
        .assign_at(&[(tp.clone(), Offset::Beginning)])
        .await
        .unwrap();
    let mut values = Vec::new();
    for _ in 0..3 {
        let record = tokio::time::timeout(TIMEOUT, consumer.recv())
            .await
            .unwrap()
            .unwrap();
        values.push((
            record.offset,
            String::from_utf8(record.value.unwrap()).unwrap(),
        ));
    }
    assert_eq!(
        values,
        [(0, "value 0"), (1, "value 1"), (2, "value 2")].map(|(o, v)| (o, v.to_string()))
    );
    // The marker is never handed out...
    let next = tokio::time::timeout(Duration::from_millis(500), consumer.recv()).await;
    assert!(next.is_err(), "the marker was handed out: {next:?}");
    // ...but once fetched, the position is past it: at the end offset.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let position = consumer.position(&tp).unwrap();
        if position == Some(4) {
            break;
        }
        assert!(Instant::now() < deadline, "position stayed at {position:?}");
        let _ = tokio::time::timeout(Duration::from_millis(100), consumer.recv()).await;
    }
    assert_eq!(consumer.positions().unwrap()[&tp], Some(4));
    // Seeking to the end goes past the marker too.
    consumer.seek(&tp, Offset::End).await.unwrap();
    assert_eq!(consumer.position(&tp).unwrap(), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changelog_ending_in_a_marker_restores_without_stalling() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let scenario = "a_changelog_ending_in_a_marker_restores_without_stalling";
    if !embedded_only(&broker, scenario) {
        return;
    }
    let input = broker
        .fresh_topic("marker-input", PARTITIONS)
        .await
        .unwrap();
    let output = broker
        .fresh_topic("marker-output", PARTITIONS)
        .await
        .unwrap();
    let lines = generate_lines(400, 11);
    let application_id = unique_name("wordcount-markers");
    let config = || streams_config(&broker, &application_id);

    let mut run1 = start_wordcount(&input, &output, config(), TIMEOUT)
        .await
        .unwrap();
    produce_lines(&broker, &input, &lines).await.unwrap();
    run1.wait_until_caught_up(TIMEOUT).await.unwrap();
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    assert_eq!(store_counts(&run1).unwrap().0, expected);
    run1.close().await.unwrap();

    // Every changelog partition now ends in a marker, as after a
    // transaction of an exactly-once run.
    let changelog = changelog_topic_name(&application_id, wordcount::STORE);
    end_every_partition_in_a_marker(&broker, &changelog).await;

    // The restore reads each changelog to its end offset, which counts the
    // marker: before the position check it waited 30 s for a record that
    // never comes, then failed the task.
    let started = Instant::now();
    let mut run2 = start_wordcount(&input, &output, config(), TIMEOUT)
        .await
        .unwrap();
    run2.wait_until_caught_up(TIMEOUT).await.unwrap();
    let took = started.elapsed();
    let m = run2.metrics();
    assert_eq!(
        m.restores, PARTITIONS as u64,
        "one restore per counting task: {m:?}"
    );
    assert!(m.records_restored >= expected.len() as u64, "{m:?}");
    let (store, entries) = store_counts(&run2).unwrap();
    assert_eq!(
        store, expected,
        "the store restored from changelogs ending in markers"
    );
    assert_eq!(entries, expected.len());
    tracing::info!(?took, "restarted on changelogs ending in markers");
    run2.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_reaches_zero_on_an_input_ending_in_a_marker() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let scenario = "lag_reaches_zero_on_an_input_ending_in_a_marker";
    if !embedded_only(&broker, scenario) {
        return;
    }
    let input = broker
        .fresh_topic("marker-lag-input", PARTITIONS)
        .await
        .unwrap();
    let output = broker
        .fresh_topic("marker-lag-output", PARTITIONS)
        .await
        .unwrap();
    let lines = generate_lines(200, 3);
    produce_lines(&broker, &input, &lines).await.unwrap();
    // The input ends in a marker in every partition, as a topic written by
    // a transactional producer does.
    end_every_partition_in_a_marker(&broker, &input).await;
    let application_id = unique_name("wordcount-marker-lag");
    let mut streams = KafkaStreams::new(
        wordcount_topology(&input, &output).unwrap(),
        streams_config(&broker, &application_id),
    )
    .unwrap();
    streams.start().await.unwrap();
    // The lag counts from the position, which passes the markers; from the
    // processed offsets it stayed at 1 per input partition.
    streams.wait_until_caught_up(TIMEOUT).await.unwrap();
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    assert_eq!(store_counts(&streams).unwrap().0, expected);
    streams.close().await.unwrap();
}
