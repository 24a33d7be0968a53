//! Failures while processing come back as errors with the record's origin.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use kafka_client::Headers;
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::state::{KeyValueStore, ReadOnlyKeyValueStore, StoreBuilder};
use kafka_streams::test_driver::TopologyTestDriver;
use kafka_streams::time::ValueTimestamp;
use kafka_streams::{
    Consumed, Error, Grouped, Materialized, Produced, RecordOrigin, StreamsBuilder,
};

fn passthrough_long() -> TopologyTestDriver {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, i64>("in", Consumed::default())
        .to("out", Produced::default());
    TopologyTestDriver::new(builder.build().unwrap()).unwrap()
}

#[test]
fn a_bad_value_is_a_deserialization_error_with_the_raw_bytes() {
    let driver = passthrough_long();
    let input = driver.create_input_topic("in", StringSerde, LongSerde);
    let output = driver.create_output_topic("out", StringSerde, LongSerde);
    input.pipe_input("ok".to_string(), 1).unwrap();
    let err = input
        .pipe_bytes(Some(b"k".to_vec()), Some(vec![1, 2, 3]), 5, Headers::new())
        .unwrap_err();
    let d = err.as_deserialization().expect("a deserialization error");
    assert_eq!(
        (d.topic.as_str(), d.partition, d.offset, d.part),
        ("in", 0, 1, "value")
    );
    assert_eq!(d.value.as_deref(), Some(&[1u8, 2, 3][..]));
    assert_eq!(d.key.as_deref(), Some(&b"k"[..]));
    assert!(err.to_string().contains("in[0]@1"), "{err}");
    // The driver goes on with the next record.
    input.pipe_input("ok".to_string(), 2).unwrap();
    assert_eq!(output.read_values_to_list().unwrap(), vec![1, 2]);
}

#[test]
fn a_panicking_closure_is_an_error_naming_the_processor_and_the_record() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, i64>("in", Consumed::default())
        .map_values(|v| {
            assert!(*v != 13, "unlucky value");
            *v
        })
        .named("checker")
        .to("out", Produced::default());
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, LongSerde);
    input.pipe_input("a".to_string(), 1).unwrap();
    let err = input.pipe_input("a".to_string(), 13).unwrap_err();
    match &err {
        Error::Processor {
            processor,
            origin,
            message,
            ..
        } => {
            assert_eq!(processor, "checker");
            assert_eq!(
                origin,
                &RecordOrigin::Input {
                    topic: "in".into(),
                    partition: 0,
                    offset: 1
                }
            );
            assert!(message.contains("unlucky value"), "{message}");
        }
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn store_lookups_name_the_store_and_the_types() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default())
        .count(Materialized::as_store("counts"));
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let err = driver.key_value_store::<String, i64>("nope").unwrap_err();
    assert!(
        matches!(&err, Error::UnknownStore { store, available } if store == "nope" && available == &["counts".to_string()]),
        "{err:?}"
    );
    let err = driver
        .key_value_store::<String, String>("counts")
        .unwrap_err();
    assert!(
        matches!(&err, Error::StoreTypeMismatch { store, .. } if store == "counts"),
        "{err:?}"
    );
    assert!(err.to_string().contains("i64"), "{err}");
}

#[test]
fn a_negative_extracted_timestamp_is_an_error() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, i64>(
            "in",
            Consumed::default()
                .with_name("events")
                .with_timestamp_extractor(ValueTimestamp::new(|v: &i64| *v)),
        )
        .to("out", Produced::default());
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, LongSerde);
    let output = driver.create_output_topic("out", StringSerde, LongSerde);
    input.pipe_input_at("k".to_string(), 5_000, 1).unwrap();
    let r = output.read_record().unwrap().unwrap();
    assert_eq!(r.timestamp, 5_000, "event time comes from the value");
    let err = input.pipe_input("k".to_string(), -1).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidTimestamp { source_node, timestamp: -1, .. } if source_node == "events"),
        "{err:?}"
    );
}

#[test]
fn piping_into_a_topic_the_topology_does_not_read_is_an_error() {
    let driver = passthrough_long();
    let input = driver.create_input_topic("elsewhere", StringSerde, LongSerde);
    let err = input.pipe_input("k".to_string(), 1).unwrap_err();
    assert!(err.to_string().contains("elsewhere"), "{err}");
}

/// Adds 1 under the record's key in the store its value names.
struct CountInNamedStore;

impl kafka_streams::processor::Processor<String, String, String, String> for CountInNamedStore {
    fn process(
        &mut self,
        record: kafka_streams::processor::Record<String, String>,
        ctx: &mut kafka_streams::processor::ProcessorContext<'_, String, String>,
    ) -> kafka_streams::Result<()> {
        let (Some(key), Some(store)) = (record.key(), record.value()) else {
            return Ok(());
        };
        let mut store = ctx.key_value_store::<String, i64>(store)?;
        let count = store.get(key)?.unwrap_or(0) + 1;
        store.put(key, &count)
    }
}

/// What store `store` holds under `k`.
fn count_of_k(driver: &TopologyTestDriver, store: &str) -> Option<i64> {
    driver
        .key_value_store::<String, i64>(store)
        .unwrap()
        .get(&"k".to_string())
        .unwrap()
}

/// `err` is a processor's failure to reach `store`, which it is not connected to.
fn assert_not_connected(err: &Error, store: &str) {
    let expected = format!("not connected to state store `{store}`");
    assert!(
        matches!(err, Error::Processor { message, .. } if message.contains(&expected)),
        "{err:?}"
    );
}

#[test]
fn each_store_lookup_finds_the_store_named_and_only_a_connected_one() {
    let builder = StreamsBuilder::new();
    for name in ["a", "b", "elsewhere"] {
        builder.add_state_store(StoreBuilder::<String, i64>::key_value(name));
    }
    builder
        .stream::<String, String>("in", Consumed::default())
        .process(|| CountInNamedStore, &["a", "b"]);
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    // The processor's lookups alternate between its two stores.
    for store in ["a", "b", "b", "a", "a", "b", "a"] {
        input
            .pipe_input("k".to_string(), store.to_string())
            .unwrap();
    }
    let count = |store: &str| count_of_k(&driver, store);
    assert_eq!((count("a"), count("b")), (Some(4), Some(3)));
    // A store the processor is not connected to stays out of reach, also
    // right after a lookup of a connected one.
    let err = input
        .pipe_input("k".to_string(), "elsewhere".to_string())
        .unwrap_err();
    assert_not_connected(&err, "elsewhere");
    assert_eq!((count("a"), count("b")), (Some(4), Some(3)));
}

#[test]
fn a_store_another_processor_just_used_is_not_reachable_unconnected() {
    let builder = StreamsBuilder::new();
    for name in ["a", "b"] {
        builder.add_state_store(StoreBuilder::<String, i64>::key_value(name));
    }
    let stream = builder.stream::<String, String>("in", Consumed::default());
    // Both get every record, the first one first.
    stream.process(|| CountInNamedStore, &["a", "b"]);
    stream.process(|| CountInNamedStore, &["b"]);
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    input.pipe_input("k".to_string(), "b".to_string()).unwrap();
    let count = |store: &str| count_of_k(&driver, store);
    assert_eq!(count("b"), Some(2), "both processors counted in b");
    // The first processor finds `a`; the second, right after it, must not.
    let err = input
        .pipe_input("k".to_string(), "a".to_string())
        .unwrap_err();
    assert_not_connected(&err, "a");
}
