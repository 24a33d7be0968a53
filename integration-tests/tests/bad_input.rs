//! Bad input through every configured handler: malformed JSON, a Long of
//! the wrong length, invalid UTF-8 in a key and in a value, an oversized
//! record (on produce, and as the output of a topology), and records with
//! a null key where an aggregation needs one. Each bad record goes where
//! its handler says (skipped and counted, the application stopped naming
//! it, or a dead-letter topic with headers naming the error, topic,
//! partition and offset), and every other record is processed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::time::Duration;

use integration_tests::support::{
    committed_offsets, init_tracing, produce_raw, read_last_values, read_records, streams_config,
    wait_until,
};
use integration_tests::{unique_name, TestBroker};
use kafka_client::producer::Producer;
use kafka_client::serde::Json;
use kafka_client::ProducerRecord;
use kafka_streams::runtime::{
    DeserializationHandler, KafkaStreams, ProductionHandler, StreamsState,
};
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, Topology};

const TIMEOUT: Duration = Duration::from_secs(60);
/// A JSON reading: `{"value": n}`.
type Reading = BTreeMap<String, i64>;

/// One topic per kind of input, each with good and bad records.
struct Inputs {
    json: String,
    long: String,
    text: String,
    output: String,
}

/// A bad record as produced: its topic, offset and raw key and value.
#[derive(Debug, Clone)]
struct Bad {
    topic: String,
    offset: i64,
    key: Option<Vec<u8>>,
    value: Vec<u8>,
    part: &'static str,
}

/// A bad record to produce: its raw key, raw value and the part that
/// cannot be read.
type BadSpec<'a> = (Option<&'a [u8]>, &'a [u8], &'static str);

/// Reads JSON readings, Longs and Strings (as their length in characters)
/// into one output topic of Longs, keyed as the input.
fn three_kinds_topology(inputs: &Inputs) -> Topology {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, Reading>(&inputs.json, Consumed::with(StringSerde, Json::new()))
        .map_values(|r: &Reading| r.get("value").copied().unwrap_or(-1))
        .to(&inputs.output, Produced::with(StringSerde, LongSerde));
    builder
        .stream::<String, i64>(&inputs.long, Consumed::with(StringSerde, LongSerde))
        .map_values(|n: &i64| *n)
        .to(&inputs.output, Produced::with(StringSerde, LongSerde));
    builder
        .stream::<String, String>(&inputs.text, Consumed::with(StringSerde, StringSerde))
        .map_values(|s: &String| s.chars().count() as i64)
        .to(&inputs.output, Produced::with(StringSerde, LongSerde));
    builder.build().unwrap()
}

/// Fresh topics with, on each, 5 good records, its bad ones, 5 more good
/// ones. Returns the topics, the bad records and the expected output.
async fn bad_input(broker: &TestBroker) -> (Inputs, Vec<Bad>, BTreeMap<String, i64>) {
    let inputs = Inputs {
        json: broker.fresh_topic("bad-json", 1).await.unwrap(),
        long: broker.fresh_topic("bad-long", 1).await.unwrap(),
        text: broker.fresh_topic("bad-text", 1).await.unwrap(),
        output: broker.fresh_topic("bad-output", 1).await.unwrap(),
    };
    let mut expected = BTreeMap::new();
    let mut bad = Vec::new();
    let kinds: [(&str, Vec<BadSpec<'_>>); 3] = [
        (
            &inputs.json,
            vec![
                (Some(b"json-bad-1"), br#"{"value": 12"#, "value"), // truncated
                (Some(b"json-bad-2"), br#"{"value": "seven"}"#, "value"), // wrong type
            ],
        ),
        (
            &inputs.long,
            vec![
                (Some(b"long-bad-1"), &[0, 0, 0, 0, 0, 0, 0, 0, 9], "value"), // 9 bytes
                (Some(b"long-bad-2"), &[0, 0, 0, 7], "value"),                // 4 bytes
            ],
        ),
        (
            &inputs.text,
            vec![
                (Some(b"text-bad-1"), &[b'o', b'k', 0xff, 0xfe], "value"),
                (Some(&[0xc3, 0x28]), b"a fine value", "key"),
            ],
        ),
    ];
    for (topic, bad_ones) in kinds {
        let kind = topic.split('-').nth(1).unwrap().to_string();
        let mut offset = 0;
        for round in 0..2 {
            for i in 0..5 {
                let n = round * 5 + i + 1;
                let key = format!("{kind}-{n}");
                let (value, out): (Vec<u8>, i64) = match kind.as_str() {
                    "json" => (format!(r#"{{"value": {n}}}"#).into_bytes(), n),
                    "long" => ((n * 100).to_be_bytes().to_vec(), n * 100),
                    _ => ("é".repeat(n as usize).into_bytes(), n),
                };
                let record =
                    ProducerRecord::from_parts(topic, Some(key.clone().into_bytes()), Some(value));
                assert_eq!(produce_raw(broker, record).await.unwrap(), (0, offset));
                offset += 1;
                expected.insert(key, out);
            }
            if round == 0 {
                for (key, value, part) in &bad_ones {
                    let record = ProducerRecord::from_parts(
                        topic,
                        key.map(<[u8]>::to_vec),
                        Some(value.to_vec()),
                    )
                    .header("trace-id", format!("{kind}-{offset}"));
                    assert_eq!(produce_raw(broker, record).await.unwrap(), (0, offset));
                    bad.push(Bad {
                        topic: topic.to_string(),
                        offset,
                        key: key.map(<[u8]>::to_vec),
                        value: value.to_vec(),
                        part,
                    });
                    offset += 1;
                }
            }
        }
    }
    (inputs, bad, expected)
}

async fn start(
    broker: &TestBroker,
    topology: Topology,
    handler: DeserializationHandler,
) -> (KafkaStreams, String) {
    let application_id = unique_name("bad-input");
    let config = streams_config(broker, &application_id).deserialization_handler(handler);
    let mut streams = KafkaStreams::new(topology, config).unwrap();
    streams.start().await.unwrap();
    (streams, application_id)
}

/// Every input topic committed past its last record (12 per topic).
async fn assert_committed_to_end(broker: &TestBroker, application_id: &str, inputs: &Inputs) {
    for topic in [&inputs.json, &inputs.long, &inputs.text] {
        let committed = committed_offsets(broker, application_id, topic)
            .await
            .unwrap();
        assert_eq!(committed[&0], Some(12), "{topic}: {committed:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letter_handler_parks_each_bad_record_with_its_origin() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let (inputs, bad, expected) = bad_input(&broker).await;
    let dead_letters = broker.fresh_topic("bad-dead-letters", 1).await.unwrap();
    let (mut streams, application_id) = start(
        &broker,
        three_kinds_topology(&inputs),
        DeserializationHandler::dead_letter(dead_letters.clone()),
    )
    .await;

    let last = read_last_values(&broker, &inputs.output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, expected, "every good record of every topic");
    let dead = read_records::<Vec<u8>, Vec<u8>>(&broker, &dead_letters, bad.len(), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(dead.len(), bad.len(), "one dead letter per bad record");
    for want in &bad {
        let origin = format!("{}[0]@{}", want.topic, want.offset);
        let got = dead
            .iter()
            .find(|d| {
                d.headers.last_str("x-dlq-topic") == Some(want.topic.as_str())
                    && d.headers.last_str("x-dlq-offset") == Some(&want.offset.to_string())
            })
            .unwrap_or_else(|| panic!("no dead letter for {origin}: {dead:?}"));
        assert_eq!(got.key, want.key, "{origin}: raw key");
        assert_eq!(
            got.value.as_deref(),
            Some(&want.value[..]),
            "{origin}: raw value"
        );
        assert_eq!(got.headers.last_str("x-dlq-partition"), Some("0"));
        assert_eq!(
            got.headers.last_str("x-dlq-part"),
            Some(want.part),
            "{origin}"
        );
        let error = got.headers.last_str("x-dlq-error").unwrap_or_default();
        assert!(
            error.contains(&origin) && error.contains(want.part),
            "x-dlq-error names the record and the part: {error}"
        );
        let kind = want.topic.split('-').nth(1).unwrap();
        assert_eq!(
            got.headers.last_str("trace-id"),
            Some(format!("{kind}-{}", want.offset).as_str()),
            "{origin}: the record's own headers are kept"
        );
    }
    let metrics = streams.metrics();
    assert_eq!(metrics.records_dead_lettered, bad.len() as u64);
    assert_eq!(metrics.records_skipped, 0);
    assert_eq!(metrics.records_processed, expected.len() as u64);
    streams.close().await.unwrap();
    assert_committed_to_end(&broker, &application_id, &inputs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_and_continue_skips_each_bad_record_and_counts_it() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let (inputs, bad, expected) = bad_input(&broker).await;
    let (mut streams, application_id) = start(
        &broker,
        three_kinds_topology(&inputs),
        DeserializationHandler::LogAndContinue,
    )
    .await;
    let last = read_last_values(&broker, &inputs.output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, expected, "every good record of every topic");
    let output = read_records::<String, i64>(&broker, &inputs.output, expected.len(), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(output.len(), expected.len(), "nothing for the bad records");
    let metrics = streams.metrics();
    assert_eq!(metrics.records_skipped, bad.len() as u64);
    assert_eq!(metrics.records_processed, expected.len() as u64);
    streams.close().await.unwrap();
    assert_committed_to_end(&broker, &application_id, &inputs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_and_fail_stops_at_malformed_json_and_a_restart_loses_nothing() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let (inputs, _bad, expected) = bad_input(&broker).await;
    let json_only = |inputs: &Inputs| {
        let builder = StreamsBuilder::new();
        builder
            .stream::<String, Reading>(&inputs.json, Consumed::with(StringSerde, Json::new()))
            .map_values(|r: &Reading| r.get("value").copied().unwrap_or(-1))
            .to(&inputs.output, Produced::with(StringSerde, LongSerde));
        builder.build().unwrap()
    };
    let application_id = unique_name("bad-json-fail");
    let config = streams_config(&broker, &application_id)
        .deserialization_handler(DeserializationHandler::LogAndFail);
    let mut streams = KafkaStreams::new(json_only(&inputs), config.clone()).unwrap();
    streams.start().await.unwrap();
    let mut message = String::new();
    wait_until("the application to fail", &[], TIMEOUT, || {
        match streams.state() {
            StreamsState::Error(m) => {
                message = m;
                true
            }
            _ => false,
        }
    })
    .await
    .unwrap();
    assert!(
        message.contains(&format!("{}[0]@5", inputs.json)),
        "the error names the record: {message}"
    );
    assert!(streams.close().await.is_err());
    let committed = committed_offsets(&broker, &application_id, &inputs.json)
        .await
        .unwrap();
    assert!(
        committed[&0].is_none_or(|o| o <= 5),
        "nothing past the bad record committed: {committed:?}"
    );

    // The operator chooses to skip bad records and restarts: the records
    // after the bad ones are processed (none was lost by the failure).
    let config = config.deserialization_handler(DeserializationHandler::LogAndContinue);
    let mut streams = KafkaStreams::new(json_only(&inputs), config).unwrap();
    streams.start().await.unwrap();
    let json_expected: BTreeMap<String, i64> = expected
        .into_iter()
        .filter(|(k, _)| k.starts_with("json-"))
        .collect();
    let last = read_last_values(&broker, &inputs.output, &json_expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, json_expected);
    assert_eq!(streams.metrics().records_skipped, 2);
    streams.close().await.unwrap();
    let committed = committed_offsets(&broker, &application_id, &inputs.json)
        .await
        .unwrap();
    assert_eq!(committed[&0], Some(12));
}

/// Larger than librdkafka's default `message.max.bytes` (1,000,000).
const OVERSIZED: usize = 1_100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_record_is_refused_on_produce_with_a_clear_error() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let topic = broker.fresh_topic("oversized", 1).await.unwrap();
    let producer: Producer<String, Vec<u8>> = Producer::new(&broker.client_config()).unwrap();
    producer
        .send(ProducerRecord::new(&topic, b"before".to_vec()).key("a".into()))
        .await
        .unwrap();
    let refused = producer
        .send(ProducerRecord::new(&topic, vec![b'x'; OVERSIZED]).key("big".into()))
        .await
        .expect_err("a record over message.max.bytes must be refused");
    let message = refused.error.to_string();
    assert!(
        message.contains(&topic) && message.to_lowercase().contains("too large"),
        "the error names the topic and the size problem: {message}"
    );
    assert_eq!(refused.record.key_ref().map(String::as_str), Some("big"));
    producer
        .send(ProducerRecord::new(&topic, b"after".to_vec()).key("c".into()))
        .await
        .unwrap();
    producer.close().await.unwrap();
    let records = read_records::<String, Vec<u8>>(&broker, &topic, 2, TIMEOUT)
        .await
        .unwrap();
    let values: Vec<Vec<u8>> = records.into_iter().filter_map(|r| r.value).collect();
    assert_eq!(values, [b"before".to_vec(), b"after".to_vec()]);
}

/// Upper-cases lines, except `inflate`, which becomes an output record too
/// large to send.
fn inflating_topology(input: &str, output: &str) -> Topology {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(input, Consumed::with(StringSerde, StringSerde))
        .map_values(|v: &String| {
            if v == "inflate" {
                "x".repeat(OVERSIZED)
            } else {
                v.to_uppercase()
            }
        })
        .to(output, Produced::with(StringSerde, StringSerde));
    builder.build().unwrap()
}

async fn produce_inflating_input(broker: &TestBroker, input: &str) {
    let producer: Producer<String, String> = Producer::new(&broker.client_config()).unwrap();
    for (i, line) in ["one", "two", "inflate", "four", "five"].iter().enumerate() {
        producer
            .send(ProducerRecord::new(input, line.to_string()).key(format!("k{i}")))
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_output_goes_through_the_production_handler() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();

    // Fail: the application stops with an error saying what was refused.
    let input = broker.fresh_topic("inflate-input", 1).await.unwrap();
    let output = broker.fresh_topic("inflate-output", 1).await.unwrap();
    produce_inflating_input(&broker, &input).await;
    let application_id = unique_name("inflate-fail");
    let config =
        streams_config(&broker, &application_id).production_handler(ProductionHandler::Fail);
    let mut streams = KafkaStreams::new(inflating_topology(&input, &output), config).unwrap();
    streams.start().await.unwrap();
    let mut message = String::new();
    wait_until("the application to fail", &[], TIMEOUT, || {
        match streams.state() {
            StreamsState::Error(m) => {
                message = m;
                true
            }
            _ => false,
        }
    })
    .await
    .unwrap();
    assert!(
        message.contains(&output) && message.to_lowercase().contains("too large"),
        "the error names the output topic and the size problem: {message}"
    );
    assert!(streams.close().await.is_err());
    let committed = committed_offsets(&broker, &application_id, &input)
        .await
        .unwrap();
    assert!(
        committed[&0].is_none_or(|o| o <= 2),
        "the refused record's input is not committed: {committed:?}"
    );

    // LogAndContinue: the refused record is counted, the others go out.
    let output2 = broker.fresh_topic("inflate-output", 1).await.unwrap();
    let config = streams_config(&broker, &unique_name("inflate-continue"))
        .production_handler(ProductionHandler::LogAndContinue);
    let mut streams = KafkaStreams::new(inflating_topology(&input, &output2), config).unwrap();
    streams.start().await.unwrap();
    let records = read_records::<String, String>(&broker, &output2, 4, TIMEOUT)
        .await
        .unwrap();
    let values: Vec<String> = records.into_iter().filter_map(|r| r.value).collect();
    assert_eq!(values, ["ONE", "TWO", "FOUR", "FIVE"]);
    let metrics = streams.metrics();
    assert_eq!(metrics.records_failed_to_produce, 1, "{metrics:?}");
    assert_eq!(metrics.records_processed, 5);
    assert_eq!(streams.state(), StreamsState::Running);
    streams.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_keys_before_group_by_key_are_dropped_and_counted() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("nullkey-input", 2).await.unwrap();
    let output = broker.fresh_topic("nullkey-output", 2).await.unwrap();
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(&input, Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(Materialized::with(StringSerde, LongSerde).with_name("per-key"))
        .to_stream()
        .to(&output, Produced::with(StringSerde, LongSerde));
    let producer: Producer<String, String> = Producer::new(&broker.client_config()).unwrap();
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    let mut null_keyed: u64 = 0;
    for i in 0..60 {
        let record = if i % 5 == 0 {
            null_keyed += 1;
            ProducerRecord::new(&input, format!("no key {i}"))
        } else {
            let key = format!("k{}", i % 7);
            *expected.entry(key.clone()).or_insert(0) += 1;
            ProducerRecord::new(&input, format!("v{i}")).key(key)
        };
        producer.send(record).await.unwrap();
    }
    producer.close().await.unwrap();

    let (mut streams, _) = start(
        &broker,
        builder.build().unwrap(),
        DeserializationHandler::LogAndFail,
    )
    .await;
    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(last, expected, "every keyed record counted");
    // As in Kafka Streams, the aggregation drops records with a null key
    // (it cannot group them) and counts them in `records_dropped`; every
    // keyed record around them counts.
    let metrics = streams.metrics();
    assert_eq!(metrics.records_processed, 60, "{metrics:?}");
    assert_eq!(
        metrics.records_dropped, null_keyed,
        "null-keyed records are dropped and counted, not lost silently: {metrics:?}"
    );
    assert_eq!(metrics.records_skipped, 0, "{metrics:?}");
    let counted: i64 = last.values().sum();
    assert_eq!(
        counted,
        60 - null_keyed as i64,
        "only the null-keyed records are left out"
    );
    assert_eq!(streams.state(), StreamsState::Running);
    streams.close().await.unwrap();
}

#[test]
fn null_keys_before_group_by_key_are_dropped_and_counted_on_the_test_driver() {
    use kafka_streams::test_driver::TopologyTestDriver;
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::with(StringSerde, StringSerde))
        .group_by_key(Grouped::with(StringSerde, StringSerde))
        .count(Materialized::with(StringSerde, LongSerde).with_name("per-key"))
        .to_stream()
        .to("out", Produced::with(StringSerde, LongSerde));
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    let output = driver.create_output_topic("out", StringSerde, LongSerde);
    input.pipe_input("a".into(), "1".into()).unwrap();
    input.pipe_value("no key".into()).unwrap();
    input.pipe_input("a".into(), "2".into()).unwrap();
    input.pipe_value("no key either".into()).unwrap();
    let counts = output.read_key_values_to_list().unwrap();
    assert_eq!(counts, [("a".to_string(), 1), ("a".to_string(), 2)]);
    assert_eq!(driver.dropped_records(), 2);
}
