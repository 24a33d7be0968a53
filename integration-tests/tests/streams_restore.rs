//! State that survives: tasks that move to another instance restore their
//! counts from the changelog, and an application restarted after a clean
//! close resumes from its committed offsets without reprocessing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::time::Duration;

use examples::wordcount;
use integration_tests::support::{
    all_tasks, generate_lines, init_tracing, partition_of_word, produce_lines, read_last_values,
    start_wordcount, store_counts, streams_config, wait_for_store, wait_until, word_total,
    wordcount_topology,
};
use integration_tests::{unique_name, Feature, TestBroker};
use kafka_streams::runtime::{KafkaStreams, StreamsState};
use kafka_streams::topology::repartition_topic_name;
use kafka_streams::Topology;

const PARTITIONS: i32 = 4;
const TIMEOUT: Duration = Duration::from_secs(60);

/// The sub-topology that counts (reads the repartition topic).
fn counting_subtopology(topology: &Topology, application_id: &str) -> usize {
    let repartition = topology.repartition_topics();
    assert_eq!(repartition.len(), 1);
    let topic = repartition_topic_name(application_id, repartition[0]);
    topology
        .subtopology_reading(&topic, application_id)
        .expect("a sub-topology reads the repartition topic")
}

/// The distinct words and the updates (one changelog record each) of the
/// words whose counts live in `partitions`.
fn changelog_bounds(counts: &BTreeMap<String, i64>, partitions: &[i32]) -> (u64, u64) {
    counts
        .iter()
        .filter(|(word, _)| partitions.contains(&partition_of_word(word, PARTITIONS)))
        .fold((0, 0), |(keys, updates), (_, n)| {
            (keys + 1, updates + *n as u64)
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survivor_restores_moved_tasks_from_changelog_and_keeps_counting() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    if !broker.supports(
        Feature::CorrectEndOffsets,
        "survivor_restores_moved_tasks_from_changelog_and_keeps_counting (restores read up to the changelog's end offset)",
    ) {
        return;
    }
    let input = broker
        .fresh_topic("restore-input", PARTITIONS)
        .await
        .unwrap();
    let output = broker
        .fresh_topic("restore-output", PARTITIONS)
        .await
        .unwrap();
    let lines = generate_lines(3_000, 4);
    let (before_stop, after_stop) = lines.split_at(2_000);
    let application_id = unique_name("wordcount-restore");
    let topology = wordcount_topology(&input, &output).unwrap();
    let counting = counting_subtopology(&topology, &application_id);
    let tasks = all_tasks(&topology, PARTITIONS);

    let mut a = KafkaStreams::new(
        wordcount_topology(&input, &output).unwrap(),
        streams_config(&broker, &application_id),
    )
    .unwrap();
    a.start().await.unwrap();
    a.wait_for_state(StreamsState::Running, TIMEOUT)
        .await
        .unwrap();
    let mut b = KafkaStreams::new(topology, streams_config(&broker, &application_id)).unwrap();
    b.start().await.unwrap();
    wait_until("A and B to share the tasks", &[&a, &b], TIMEOUT, || {
        let (ta, tb) = (a.metrics().active_tasks, b.metrics().active_tasks);
        !ta.is_empty() && !tb.is_empty() && ta.len() + tb.len() == tasks.len()
    })
    .await
    .unwrap();

    produce_lines(&broker, &input, before_stop).await.unwrap();
    let expected = wordcount::recompute(before_stop.iter().map(String::as_str));
    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, expected, "counts before A stops");

    // A's counting tasks, and what their changelogs hold.
    let moved: Vec<i32> = a
        .metrics()
        .active_tasks
        .iter()
        .filter_map(|t| t.split_once('_'))
        .filter(|(sub, _)| sub.parse::<usize>().ok() == Some(counting))
        .map(|(_, p)| p.parse().unwrap())
        .collect();
    assert!(
        !moved.is_empty(),
        "A owned no counting task: {:?}",
        a.metrics()
    );
    let (keys, updates) = changelog_bounds(&expected, &moved);
    assert!(keys > 0, "no word counted in A's partitions {moved:?}");
    let before = b.metrics();

    a.close().await.unwrap();
    assert_eq!(a.state(), StreamsState::NotRunning);
    wait_until("B to own every task", &[&b], TIMEOUT, || {
        b.metrics().active_tasks == tasks && b.state() == StreamsState::Running
    })
    .await
    .unwrap();
    let after = b.metrics();
    assert_eq!(
        after.restores - before.restores,
        moved.len() as u64,
        "one store restore per moved counting task"
    );
    let restored = after.records_restored - before.records_restored;
    assert!(
        (keys..=updates).contains(&restored),
        "restored {restored} changelog records for partitions {moved:?}; expected between {keys} (one per word) and {updates} (one per update)"
    );

    produce_lines(&broker, &input, after_stop).await.unwrap();
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        last, expected,
        "counts over all input, after the survivor took over"
    );
    let (store, entries) = wait_for_store(&b, &expected, TIMEOUT).await.unwrap();
    assert_eq!(store, expected, "the survivor's store");
    assert_eq!(entries, expected.len());
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_after_clean_close_processes_only_new_records() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let scenario = "restart_after_clean_close_processes_only_new_records";
    if !broker.supports(Feature::ReliableGroupRestart, scenario)
        || !broker.supports(Feature::CorrectEndOffsets, scenario)
    {
        return;
    }
    let input = broker
        .fresh_topic("restart-input", PARTITIONS)
        .await
        .unwrap();
    let output = broker
        .fresh_topic("restart-output", PARTITIONS)
        .await
        .unwrap();
    let lines = generate_lines(2_500, 5);
    let (first, second) = lines.split_at(1_500);
    let application_id = unique_name("wordcount-restart");
    let config = || streams_config(&broker, &application_id).num_stream_threads(2);

    // First run: process everything, close cleanly.
    let mut run1 =
        KafkaStreams::new(wordcount_topology(&input, &output).unwrap(), config()).unwrap();
    run1.start().await.unwrap();
    run1.wait_for_state(StreamsState::Running, TIMEOUT)
        .await
        .unwrap();
    produce_lines(&broker, &input, first).await.unwrap();
    run1.wait_until_caught_up(TIMEOUT).await.unwrap();
    let expected_first = wordcount::recompute(first.iter().map(String::as_str));
    assert_eq!(store_counts(&run1).unwrap().0, expected_first);
    assert_eq!(
        run1.metrics().records_processed,
        first.len() as u64 + word_total(first)
    );
    run1.close().await.unwrap();

    // Second run, same application id: state comes back from the
    // changelogs, processing starts at the committed offsets.
    let mut run2 =
        KafkaStreams::new(wordcount_topology(&input, &output).unwrap(), config()).unwrap();
    run2.start().await.unwrap();
    run2.wait_for_state(StreamsState::Running, TIMEOUT)
        .await
        .unwrap();
    let m = run2.metrics();
    let (keys, updates) = (expected_first.len() as u64, word_total(first));
    // Each of the two threads' first assignments counts one rebalance. On
    // the embedded cluster a group of two sometimes rebalances once more at
    // the start (a follower whose SyncGroup reaches the mock after the
    // leader's is refused and joins again; see kafka-client's `embedded`
    // docs), and the tasks that move then are restored once more.
    if m.rebalances == 2 {
        assert_eq!(
            m.restores, PARTITIONS as u64,
            "one restore per counting task: {m:?}"
        );
        assert!(
            (keys..=updates).contains(&m.records_restored),
            "restored {} changelog records; expected between {keys} and {updates}",
            m.records_restored
        );
    } else {
        assert!(
            m.restores >= PARTITIONS as u64 && m.records_restored >= keys,
            "every counting task restored at least once: {m:?}"
        );
        tracing::warn!(
            rebalances = m.rebalances,
            restores = m.restores,
            "the group rebalanced again at the start"
        );
    }
    produce_lines(&broker, &input, second).await.unwrap();
    run2.wait_until_caught_up(TIMEOUT).await.unwrap();
    assert_eq!(
        run2.metrics().records_processed,
        second.len() as u64 + word_total(second),
        "the second run processes only the new lines and their words"
    );
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    let (store, entries) = store_counts(&run2).unwrap();
    assert_eq!(store, expected, "store after the restart");
    assert_eq!(entries, expected.len());
    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        last, expected,
        "output after the restart: no double counting"
    );
    run2.close().await.unwrap();
}

/// A restarted application with nothing new to read still commits and
/// refreshes its lag once its tasks are restored (the wait for records is
/// only left uncut while the rebalance listener runs), so it reports being
/// caught up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_restart_catches_up_without_new_input() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let scenario = "idle_restart_catches_up_without_new_input";
    if !broker.supports(Feature::ReliableGroupRestart, scenario)
        || !broker.supports(Feature::CorrectEndOffsets, scenario)
    {
        return;
    }
    let input = broker.fresh_topic("idle-input", PARTITIONS).await.unwrap();
    let output = broker.fresh_topic("idle-output", PARTITIONS).await.unwrap();
    let lines = generate_lines(300, 9);
    let application_id = unique_name("wordcount-idle-restart");
    let config = || streams_config(&broker, &application_id);
    let expected = wordcount::recompute(lines.iter().map(String::as_str));

    let mut run1 = start_wordcount(&input, &output, config(), TIMEOUT)
        .await
        .unwrap();
    produce_lines(&broker, &input, &lines).await.unwrap();
    run1.wait_until_caught_up(TIMEOUT).await.unwrap();
    run1.close().await.unwrap();

    let mut run2 = start_wordcount(&input, &output, config(), TIMEOUT)
        .await
        .unwrap();
    run2.wait_until_caught_up(TIMEOUT).await.unwrap();
    let m = run2.metrics();
    assert_eq!(m.restores, PARTITIONS as u64, "{m:?}");
    assert_eq!(m.records_processed, 0, "nothing new was processed: {m:?}");
    assert_eq!(
        store_counts(&run2).unwrap().0,
        expected,
        "the restored store"
    );
    run2.close().await.unwrap();
}
