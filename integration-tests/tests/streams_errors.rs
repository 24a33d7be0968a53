//! What the runtime does with bad input and failing code: dead-letter,
//! skip or stop on a record that cannot be deserialized; refuse to start
//! on a missing input topic; stop, naming the processor and the record,
//! when a user closure panics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use examples::wordcount;
use integration_tests::support::{
    committed_offsets, init_tracing, produce_lines, produce_raw, read_last_values, read_records,
    streams_config, wait_until, wordcount_topology,
};
use integration_tests::{unique_name, TestBroker};
use kafka_client::producer::Producer;
use kafka_client::{Admin, ProducerRecord};
use kafka_streams::runtime::{DeserializationHandler, KafkaStreams, StreamsState};
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::{Consumed, Produced, StreamsBuilder};

const TIMEOUT: Duration = Duration::from_secs(60);
/// Not UTF-8: a String serde cannot read it.
const NOT_UTF8: &[u8] = &[0xff, 0xfe, b'x', 0xc3];

/// Waits until `streams` is in state `Error` and returns its message.
async fn error_message(streams: &KafkaStreams) -> String {
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
    message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_record_goes_to_the_dead_letter_topic_and_processing_continues() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("dlq-input", 1).await.unwrap();
    let output = broker.fresh_topic("dlq-output", 1).await.unwrap();
    let dead_letters = broker.fresh_topic("dlq-dead-letters", 1).await.unwrap();
    let before: Vec<String> = (0..40).map(|i| format!("vorher {i} café")).collect();
    let after: Vec<String> = (0..60).map(|i| format!("nachher {i} 카프카")).collect();
    produce_lines(&broker, &input, &before).await.unwrap();
    let poison = ProducerRecord::from_parts(
        &input,
        Some(b"poison-key".to_vec()),
        Some(NOT_UTF8.to_vec()),
    )
    .header("trace-id", "t-42");
    let (partition, offset) = produce_raw(&broker, poison).await.unwrap();
    assert_eq!((partition, offset), (0, 40));
    produce_lines(&broker, &input, &after).await.unwrap();

    let application_id = unique_name("wordcount-dlq");
    let config = streams_config(&broker, &application_id)
        .deserialization_handler(DeserializationHandler::dead_letter(dead_letters.clone()));
    let mut streams =
        KafkaStreams::new(wordcount_topology(&input, &output).unwrap(), config).unwrap();
    streams.start().await.unwrap();

    let good: Vec<&str> = before.iter().chain(&after).map(String::as_str).collect();
    let expected = wordcount::recompute(good);
    let last = read_last_values(&broker, &output, &expected, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        last, expected,
        "every good record counted, before and after the poison"
    );
    assert_eq!(last["nachher"], 60, "records after the poison are counted");

    let dead = read_records::<Vec<u8>, Vec<u8>>(&broker, &dead_letters, 1, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "exactly one dead letter: {dead:?}");
    let dead = &dead[0];
    assert_eq!(dead.value.as_deref(), Some(NOT_UTF8), "raw value unchanged");
    assert_eq!(
        dead.key.as_deref(),
        Some(&b"poison-key"[..]),
        "raw key unchanged"
    );
    let header = |name: &str| dead.headers.last_str(name).map(str::to_string);
    assert_eq!(header("x-dlq-topic"), Some(input.clone()));
    assert_eq!(header("x-dlq-partition").as_deref(), Some("0"));
    assert_eq!(header("x-dlq-offset").as_deref(), Some("40"));
    assert_eq!(header("x-dlq-part").as_deref(), Some("value"));
    assert_eq!(
        header("trace-id").as_deref(),
        Some("t-42"),
        "the record's own headers are kept"
    );
    let error = header("x-dlq-error").unwrap_or_default();
    assert!(
        error.contains(&format!("{input}[0]@40")),
        "x-dlq-error names the record: {error}"
    );

    let metrics = streams.metrics();
    assert_eq!(metrics.records_dead_lettered, 1);
    assert_eq!(metrics.records_skipped, 0);
    assert_eq!(metrics.records_processed, 100 + 40 * 3 + 60 * 3);
    streams.close().await.unwrap();
    let committed = committed_offsets(&broker, &application_id, &input)
        .await
        .unwrap();
    assert_eq!(
        committed[&0],
        Some(101),
        "the poison's offset is committed with the others"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_and_fail_stops_the_application_naming_the_record() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("fail-input", 1).await.unwrap();
    let output = broker.fresh_topic("fail-output", 1).await.unwrap();
    let good: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
    produce_lines(&broker, &input, &good).await.unwrap();
    let poison = ProducerRecord::from_parts(&input, None, Some(NOT_UTF8.to_vec()));
    let (_, offset) = produce_raw(&broker, poison).await.unwrap();
    assert_eq!(offset, 10);
    produce_lines(&broker, &input, &good).await.unwrap();

    let application_id = unique_name("wordcount-fail");
    let config = streams_config(&broker, &application_id)
        .deserialization_handler(DeserializationHandler::LogAndFail);
    let mut streams =
        KafkaStreams::new(wordcount_topology(&input, &output).unwrap(), config).unwrap();
    streams.start().await.unwrap();
    let message = error_message(&streams).await;
    assert!(
        message.contains(&format!("{input}[0]@10")),
        "the error names topic, partition and offset: {message}"
    );
    let closed = streams.close().await;
    let error = closed
        .expect_err("close reports the thread's failure")
        .to_string();
    assert!(error.contains(&format!("{input}[0]@10")), "{error}");
    assert!(matches!(streams.state(), StreamsState::Error(_)));
    let committed = committed_offsets(&broker, &application_id, &input)
        .await
        .unwrap();
    assert!(
        committed[&0].is_none_or(|o| o <= 10),
        "nothing past the bad record is committed: {committed:?}"
    );
    assert_eq!(streams.metrics().records_skipped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_and_continue_skips_a_three_byte_long() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("skip-input", 1).await.unwrap();
    let output = broker.fresh_topic("skip-output", 1).await.unwrap();
    let producer: Producer<String, i64> = Producer::new(&broker.client_config()).unwrap();
    for n in 1..=5_i64 {
        producer
            .send(ProducerRecord::new(&input, n).key(format!("k{n}")))
            .await
            .unwrap();
    }
    let bad = ProducerRecord::from_parts(&input, Some(b"k-bad".to_vec()), Some(vec![0, 0, 7]));
    assert_eq!(produce_raw(&broker, bad).await.unwrap(), (0, 5));
    for n in 6..=10_i64 {
        producer
            .send(ProducerRecord::new(&input, n).key(format!("k{n}")))
            .await
            .unwrap();
    }
    producer.close().await.unwrap();

    let builder = StreamsBuilder::new();
    builder
        .stream::<String, i64>(&input, Consumed::with(StringSerde, LongSerde))
        .map_values(|n| n * 2)
        .to(&output, Produced::with(StringSerde, LongSerde));
    let application_id = unique_name("doubler-skip");
    let config = streams_config(&broker, &application_id)
        .deserialization_handler(DeserializationHandler::LogAndContinue);
    let mut streams = KafkaStreams::new(builder.build().unwrap(), config).unwrap();
    streams.start().await.unwrap();

    let records = read_records::<String, i64>(&broker, &output, 10, TIMEOUT)
        .await
        .unwrap();
    let got: Vec<(String, i64)> = records
        .into_iter()
        .map(|r| (r.key.unwrap(), r.value.unwrap()))
        .collect();
    let wanted: Vec<(String, i64)> = (1..=10).map(|n| (format!("k{n}"), n * 2)).collect();
    assert_eq!(
        got, wanted,
        "every good record, in order, and nothing for the bad one"
    );
    let metrics = streams.metrics();
    assert_eq!(metrics.records_skipped, 1);
    assert_eq!(metrics.records_processed, 10);
    assert_eq!(metrics.records_dead_lettered, 0);
    streams.close().await.unwrap();
    assert_eq!(streams.state(), StreamsState::NotRunning);
    let committed = committed_offsets(&broker, &application_id, &input)
        .await
        .unwrap();
    assert_eq!(
        committed[&0],
        Some(11),
        "the skipped record is committed past"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_input_topic_fails_start_naming_it() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let missing = unique_name("no-such-topic");
    let output = broker.fresh_topic("missing-output", 1).await.unwrap();
    let config = streams_config(&broker, &unique_name("wordcount-missing"));
    let mut streams =
        KafkaStreams::new(wordcount_topology(&missing, &output).unwrap(), config).unwrap();
    let error = streams
        .start()
        .await
        .expect_err("start must fail")
        .to_string();
    assert!(
        error.contains(&missing),
        "the error names the topic: {error}"
    );
    assert_eq!(streams.state(), StreamsState::Created);
    let admin = Admin::new(&broker.client_config()).unwrap();
    assert!(
        !admin.topic_exists(&missing).await.unwrap(),
        "start must not create a missing input topic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_closure_stops_the_application_naming_processor_and_record() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("panic-input", 1).await.unwrap();
    let output = broker.fresh_topic("panic-output", 1).await.unwrap();
    let lines: Vec<String> = ["one", "two", "boom", "four"].map(String::from).to_vec();
    produce_lines(&broker, &input, &lines).await.unwrap();

    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(&input, Consumed::with(StringSerde, StringSerde))
        .map_values(|v: &String| {
            if v == "boom" {
                panic!("cannot shout `{v}`");
            }
            v.to_uppercase()
        })
        .named("shout")
        .to(&output, Produced::with(StringSerde, StringSerde));
    let application_id = unique_name("shouter-panic");
    let config = streams_config(&broker, &application_id);
    let mut streams = KafkaStreams::new(builder.build().unwrap(), config).unwrap();
    streams.start().await.unwrap();

    let message = error_message(&streams).await;
    for part in ["shout", &format!("{input}[0]@2"), "cannot shout `boom`"] {
        assert!(
            message.contains(part),
            "the error names `{part}`: {message}"
        );
    }
    assert!(streams.close().await.is_err(), "close reports the failure");
    let records = read_records::<String, String>(&broker, &output, 2, TIMEOUT)
        .await
        .unwrap();
    let values: Vec<String> = records.into_iter().filter_map(|r| r.value).collect();
    assert_eq!(
        values,
        ["ONE", "TWO"],
        "only the records before the failure"
    );
    let committed = committed_offsets(&broker, &application_id, &input)
        .await
        .unwrap();
    assert!(
        committed[&0].is_none_or(|o| o <= 2),
        "nothing past the failing record is committed: {committed:?}"
    );
}
