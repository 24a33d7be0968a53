//! Word count on the test driver, against a direct recomputation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod common;

use common::{word_count_oracle, word_count_topology, WORDCOUNT_INPUT, WORDCOUNT_OUTPUT};
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::test_driver::{DriverConfig, TopologyTestDriver};

const LINES: &[&str] = &[
    "Hello Kafka Streams",
    "hello, kafka! HELLO?",
    "안녕하세요 카프카 스트림즈",
    "카프카 는 빠르다 — 안녕하세요!",
    "Crème brûlée, CRÈME brûlée; café über Ärger",
    "",
    "   ...   ",
    "naïve façade naïve_word snake_case 42 42",
];

#[test]
fn word_count_matches_recomputation_including_korean_and_accents() {
    let driver = TopologyTestDriver::with_config(
        word_count_topology(),
        DriverConfig::default().application_id("streams-wordcount"),
    )
    .unwrap();
    let input = driver.create_input_topic(WORDCOUNT_INPUT, StringSerde, StringSerde);
    let output = driver.create_output_topic(WORDCOUNT_OUTPUT, StringSerde, LongSerde);
    for (i, line) in LINES.iter().enumerate() {
        input
            .pipe_value_at(line.to_string(), i as i64 * 1000)
            .unwrap();
    }
    let (expected_updates, expected_counts) = word_count_oracle(LINES);
    let updates = output.read_key_values_to_list().unwrap();
    assert_eq!(updates, expected_updates);

    // Spot checks that pin the Unicode semantics.
    assert_eq!(expected_counts["hello"], 3);
    assert_eq!(expected_counts["안녕하세요"], 2);
    assert_eq!(expected_counts["카프카"], 2);
    assert_eq!(expected_counts["crème"], 2);
    assert_eq!(expected_counts["brûlée"], 2);
    assert_eq!(expected_counts["ärger"], 1);
    assert_eq!(expected_counts["naïve_word"], 1);
    assert_eq!(expected_counts["42"], 2);

    let store = driver.key_value_store::<String, i64>("counts").unwrap();
    let stored: std::collections::BTreeMap<String, i64> =
        store.all().unwrap().into_iter().collect();
    assert_eq!(stored, expected_counts);

    // Every update went to the changelog, in order.
    assert_eq!(
        driver.changelog_topic("counts"),
        "streams-wordcount-counts-changelog"
    );
    let changelog = driver.changelog::<String, i64>("counts").unwrap();
    let logged: Vec<(String, i64)> = changelog
        .into_iter()
        .map(|r| (r.key.unwrap(), r.value.unwrap()))
        .collect();
    assert_eq!(logged, expected_updates);
}

#[test]
fn word_count_topology_has_the_kafka_shape() {
    let topology = word_count_topology();
    assert_eq!(topology.subtopologies().len(), 2);
    assert_eq!(topology.source_topics(), vec![WORDCOUNT_INPUT]);
    assert_eq!(topology.sink_topics(), vec![WORDCOUNT_OUTPUT]);
    assert_eq!(topology.repartition_topics(), vec!["counts"]);
    assert_eq!(
        topology.changelog_topics("streams-wordcount"),
        vec!["streams-wordcount-counts-changelog"]
    );
    let sub1 = topology.subtopology(1).unwrap();
    assert_eq!(
        sub1.source_topics()[0].full_name("streams-wordcount"),
        "streams-wordcount-counts-repartition"
    );
    assert_eq!(
        sub1.changelog_topics("streams-wordcount"),
        vec![(
            "counts".to_string(),
            "streams-wordcount-counts-changelog".to_string()
        )]
    );
    assert_eq!(
        topology.subtopology_reading("streams-wordcount-counts-repartition", "streams-wordcount"),
        Some(1)
    );
    let expected = "\
Topologies:
   Sub-topology: 0
    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-plaintext-input])
      --> KSTREAM-FLATMAPVALUES-0000000001
    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])
      --> KSTREAM-KEY-SELECT-0000000002
      <-- KSTREAM-SOURCE-0000000000
    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])
      --> counts-repartition-sink
      <-- KSTREAM-FLATMAPVALUES-0000000001
    Sink: counts-repartition-sink (topic: counts-repartition)
      <-- KSTREAM-KEY-SELECT-0000000002

   Sub-topology: 1
    Source: counts-repartition-source (topics: [counts-repartition])
      --> KSTREAM-AGGREGATE-0000000003
    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts])
      --> KTABLE-TOSTREAM-0000000004
      <-- counts-repartition-source
    Processor: KTABLE-TOSTREAM-0000000004 (stores: [])
      --> KSTREAM-SINK-0000000005
      <-- KSTREAM-AGGREGATE-0000000003
    Sink: KSTREAM-SINK-0000000005 (topic: streams-wordcount-output)
      <-- KTABLE-TOSTREAM-0000000004
";
    assert_eq!(topology.describe().to_string(), expected);
    let mermaid = topology.to_mermaid();
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
    assert!(
        mermaid.contains("subgraph sub0[\"Sub-topology 0\"]"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("subgraph sub1[\"Sub-topology 1\"]"),
        "{mermaid}"
    );
    assert!(mermaid.contains("s_counts[(\"counts\")]"), "{mermaid}");
    assert!(
        mermaid.contains("t_counts_repartition([\"counts-repartition\"])"),
        "{mermaid}"
    );
}
