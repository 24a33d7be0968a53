//! Reading window and session stores from the test driver: the windows and
//! sessions a windowed aggregation holds, and clear errors for a store of
//! another kind or a missing one.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use kafka_streams::dsl::Window;
use kafka_streams::serde::StringSerde;
use kafka_streams::test_driver::TopologyTestDriver;
use kafka_streams::{
    Consumed, Error, Grouped, Materialized, SessionWindows, StreamsBuilder, TimeWindows,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn driver() -> TopologyTestDriver {
    let builder = StreamsBuilder::new();
    let grouped = builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default());
    grouped
        .windowed_by(TimeWindows::of_size_and_grace(ms(10), ms(100)).unwrap())
        .count(Materialized::as_store("per-window"));
    grouped
        .windowed_by_session(SessionWindows::with_inactivity_gap_and_grace(ms(5), ms(100)).unwrap())
        .count(Materialized::as_store("per-session"));
    grouped.count(Materialized::as_store("totals"));
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    for (key, ts) in [("a", 1), ("a", 4), ("b", 5), ("a", 12), ("a", 30)] {
        input.pipe_input_at(key.into(), "x".into(), ts).unwrap();
    }
    driver
}

#[test]
fn window_store_fetches_a_keys_windows_by_start() {
    let driver = driver();
    let windows = driver.window_store::<String, i64>("per-window").unwrap();
    assert_eq!(
        windows.fetch(&"a".to_string(), 0, 100).unwrap(),
        vec![(0, 2), (10, 1), (30, 1)]
    );
    assert_eq!(
        windows.fetch(&"a".to_string(), 5, 20).unwrap(),
        vec![(10, 1)]
    );
    assert_eq!(windows.get(&"b".to_string(), 0).unwrap(), Some(1));
    assert_eq!(windows.get(&"b".to_string(), 10).unwrap(), None);
    assert_eq!(windows.all().unwrap().len(), 4);
}

#[test]
fn session_store_fetches_a_keys_sessions() {
    let driver = driver();
    let sessions = driver.session_store::<String, i64>("per-session").unwrap();
    // a: 1 and 4 merge (gap 5); 12 and 30 are sessions of their own.
    assert_eq!(
        sessions.fetch(&"a".to_string()).unwrap(),
        vec![
            (Window::new(1, 4), 2),
            (Window::new(12, 12), 1),
            (Window::new(30, 30), 1)
        ]
    );
    assert_eq!(
        sessions.fetch(&"b".to_string()).unwrap(),
        vec![(Window::new(5, 5), 1)]
    );
    assert_eq!(sessions.all().unwrap().len(), 4);
}

#[test]
fn a_store_of_another_kind_or_a_missing_one_is_a_clear_error() {
    let driver = driver();
    let err = driver.window_store::<String, i64>("totals").unwrap_err();
    assert!(matches!(err, Error::StoreKindMismatch { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "state store `totals` is a key-value store, not a window store"
    );
    let err = driver
        .key_value_store::<String, i64>("per-session")
        .unwrap_err();
    assert!(matches!(err, Error::StoreKindMismatch { .. }), "{err}");
    let err = driver.session_store::<String, i64>("nope").unwrap_err();
    assert!(matches!(err, Error::UnknownStore { .. }), "{err}");
    let err = driver
        .window_store::<String, String>("per-window")
        .unwrap_err();
    assert!(matches!(err, Error::StoreTypeMismatch { .. }), "{err}");
}
