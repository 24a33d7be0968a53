//! Word count end to end on one application instance: the counts in the
//! store and on the output topic match a recomputation, and a clean close
//! commits every source partition up to its end.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use examples::wordcount;
use integration_tests::support::{
    all_tasks, committed_offsets, end_offsets_by_reading, end_offsets_by_watermarks,
    generate_lines, init_tracing, produce_lines, read_last_values, read_records, store_counts,
    streams_config, wait_for_store, word_total, wordcount_topology,
};
use integration_tests::{unique_name, Feature, TestBroker};
use kafka_streams::runtime::{KafkaStreams, StreamsState};
use kafka_streams::topology::repartition_topic_name;

const PARTITIONS: i32 = 4;
const TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_on_four_partitions_and_two_threads_matches_recomputation() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("wc-input", PARTITIONS).await.unwrap();
    let output = broker.fresh_topic("wc-output", PARTITIONS).await.unwrap();
    let lines = generate_lines(3_000, 1);
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    // The input really has Korean, accented and mixed-case words.
    for word in [
        "카프카",
        "안녕하세요",
        "café",
        "straße",
        "ça",
        "ñandú",
        "kafka",
    ] {
        assert!(
            expected.contains_key(word),
            "generated input lacks `{word}`"
        );
    }
    assert!(!expected.contains_key("Kafka") && !expected.contains_key("CAFÉ"));

    let topology = wordcount_topology(&input, &output).unwrap();
    let tasks = all_tasks(&topology, PARTITIONS);
    let config = streams_config(&broker, &unique_name("wordcount")).num_stream_threads(2);
    let mut streams = KafkaStreams::new(topology, config).unwrap();
    streams.start().await.unwrap();
    streams
        .wait_for_state(StreamsState::Running, TIMEOUT)
        .await
        .unwrap();
    let ends = produce_lines(&broker, &input, &lines).await.unwrap();
    assert_eq!(
        ends.len(),
        PARTITIONS as usize,
        "input spread over every partition: {ends:?}"
    );

    let (store, entries) = if broker.supports(
        Feature::CorrectEndOffsets,
        "word count: wait_until_caught_up (falls back to polling the store)",
    ) {
        streams.wait_until_caught_up(TIMEOUT).await.unwrap();
        store_counts(&streams).unwrap()
    } else {
        wait_for_store(&streams, &expected, TIMEOUT).await.unwrap()
    };
    assert_eq!(store, expected, "store contents (interactive query)");
    assert_eq!(
        entries,
        expected.len(),
        "a word is counted in more than one task"
    );

    let metrics = streams.metrics();
    assert_eq!(metrics.active_tasks, tasks, "one instance owns every task");
    // Each line once from the input topic, each word once from the
    // repartition topic: nothing processed twice, nothing skipped.
    assert_eq!(
        metrics.records_processed,
        lines.len() as u64 + word_total(&lines),
        "records processed"
    );
    assert_eq!(metrics.records_skipped + metrics.records_dead_lettered, 0);

    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, expected, "last count per word on the output topic");
    // The runtime's record ids (`ks.o`) stay on the repartition topic: the
    // counts reach the output without them.
    let outputs = read_records::<String, i64>(&broker, &output, expected.len(), TIMEOUT)
        .await
        .unwrap();
    assert!(outputs.len() >= expected.len(), "{} outputs", outputs.len());
    let leaked: Vec<_> = outputs
        .iter()
        .filter(|r| r.headers.last("ks.o").is_some())
        .map(|r| (r.partition, r.offset))
        .collect();
    assert!(leaked.is_empty(), "output records with ks.o: {leaked:?}");

    streams.close().await.unwrap();
    assert_eq!(streams.state(), StreamsState::NotRunning);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_close_commits_every_source_partition_to_its_end() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker
        .fresh_topic("wc-commit-input", PARTITIONS)
        .await
        .unwrap();
    let output = broker
        .fresh_topic("wc-commit-output", PARTITIONS)
        .await
        .unwrap();
    let lines = generate_lines(800, 2);
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    let application_id = unique_name("wordcount-commit");
    let topology = wordcount_topology(&input, &output).unwrap();
    let repartition: Vec<String> = topology
        .repartition_topics()
        .into_iter()
        .map(|name| repartition_topic_name(&application_id, name))
        .collect();
    assert_eq!(
        repartition.len(),
        1,
        "word count repartitions once: {repartition:?}"
    );
    let repartition = &repartition[0];

    let config = streams_config(&broker, &application_id).num_stream_threads(2);
    let mut streams = KafkaStreams::new(topology, config).unwrap();
    streams.start().await.unwrap();
    let ends = produce_lines(&broker, &input, &lines).await.unwrap();
    let (store, _) = wait_for_store(&streams, &expected, TIMEOUT).await.unwrap();
    assert_eq!(store, expected);
    // The store holds every count, so every record was processed; the
    // offsets of the last ones are committed by close at the latest.
    streams.close().await.unwrap();
    assert_eq!(streams.state(), StreamsState::NotRunning);

    let committed = committed_offsets(&broker, &application_id, &input)
        .await
        .unwrap();
    let wanted: std::collections::BTreeMap<i32, Option<i64>> =
        ends.iter().map(|(p, end)| (*p, Some(*end))).collect();
    assert_eq!(committed, wanted, "committed input offsets after close");

    // The repartition topic holds at least one record per word: more when
    // a rebalance (the second thread's first join) made the first task
    // process its input again after a refused commit; the downstream task
    // skips those copies (the store above is exact). Its committed offsets
    // are its ends too.
    let words = word_total(&lines) as usize;
    let repartition_ends = end_offsets_by_reading(&broker, repartition, words, TIMEOUT)
        .await
        .unwrap();
    let repartitioned = repartition_ends.values().sum::<i64>();
    // Every repartition record carries its id: 18 bytes of `ks.o`.
    let records = read_records::<String, String>(&broker, repartition, words, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(records.len() as i64, repartitioned);
    assert!(
        records
            .iter()
            .all(|r| r.headers.last("ks.o").map(<[u8]>::len) == Some(18)),
        "a repartition record without its 18-byte ks.o id"
    );
    // One id per word: a record processed again repeats its outputs' ids,
    // and no two words share one.
    let ids: std::collections::HashSet<&[u8]> = records
        .iter()
        .filter_map(|r| r.headers.last("ks.o"))
        .collect();
    assert_eq!(ids.len(), words, "distinct repartition record ids");
    assert!(
        repartitioned >= words as i64,
        "records in the repartition topic: {repartitioned} for {words} words"
    );
    let committed = committed_offsets(&broker, &application_id, repartition)
        .await
        .unwrap();
    let wanted: std::collections::BTreeMap<i32, Option<i64>> = repartition_ends
        .iter()
        .map(|(p, end)| (*p, Some(*end)))
        .collect();
    assert_eq!(
        committed, wanted,
        "committed repartition offsets after close"
    );

    if broker.supports(
        Feature::CorrectEndOffsets,
        "clean close: cross-check with ListOffsets",
    ) {
        assert_eq!(
            end_offsets_by_watermarks(&broker, &input).await.unwrap(),
            ends
        );
        assert_eq!(
            end_offsets_by_watermarks(&broker, repartition)
                .await
                .unwrap(),
            repartition_ends
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_record_ids_repartition_records_carry_no_header_and_counts_are_exact() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("wc-noid-input", 2).await.unwrap();
    let output = broker.fresh_topic("wc-noid-output", 2).await.unwrap();
    let lines = generate_lines(600, 3);
    let expected = wordcount::recompute(lines.iter().map(String::as_str));
    let application_id = unique_name("wordcount-noid");
    let topology = wordcount_topology(&input, &output).unwrap();
    let repartition = repartition_topic_name(&application_id, topology.repartition_topics()[0]);
    // One thread: no second member joins, so no rebalance makes a task
    // process its input again (which, without ids, would count twice).
    let config = streams_config(&broker, &application_id).repartition_record_ids(false);
    let mut streams = KafkaStreams::new(topology, config).unwrap();
    streams.start().await.unwrap();
    produce_lines(&broker, &input, &lines).await.unwrap();
    let (store, _) = wait_for_store(&streams, &expected, TIMEOUT).await.unwrap();
    assert_eq!(store, expected, "store contents");
    streams.close().await.unwrap();

    let words = word_total(&lines) as usize;
    let records = read_records::<String, String>(&broker, &repartition, words, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(records.len(), words, "one repartition record per word");
    let with_id: Vec<_> = records
        .iter()
        .filter(|r| r.headers.last("ks.o").is_some())
        .map(|r| (r.partition, r.offset))
        .collect();
    assert!(
        with_id.is_empty(),
        "repartition records with ks.o: {with_id:?}"
    );
    // Each record is the word, keyed by itself.
    assert!(records
        .iter()
        .all(|r| r.key.as_deref() == r.value.as_deref() && r.key.is_some()));
}
