//! Interactive queries of window and session stores while the application
//! runs: a windowed count and a session count, read through
//! `KafkaStreams::window_store` and `session_store` across the tasks of two
//! partitions.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use integration_tests::support::{init_tracing, produce_raw, streams_config, wait_until};
use integration_tests::{unique_name, TestBroker};
use kafka_client::ProducerRecord;
use kafka_streams::dsl::Window;
use kafka_streams::runtime::KafkaStreams;
use kafka_streams::{
    Consumed, Error, Grouped, Materialized, SessionWindows, StreamsBuilder, TimeWindows,
};

const TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_and_session_stores_answer_queries_while_running() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("queries-input", 2).await.unwrap();
    // Event times in ms; keys spread over both partitions.
    let events = [
        ("a", 1_000),
        ("a", 4_000),
        ("b", 5_000),
        ("a", 12_000),
        ("b", 30_000),
    ];
    for (key, ts) in events {
        let record =
            ProducerRecord::from_parts(&input, Some(key.as_bytes().to_vec()), Some(b"x".to_vec()))
                .timestamp(ts);
        produce_raw(&broker, record).await.unwrap();
    }

    let builder = StreamsBuilder::new();
    let grouped = builder
        .stream::<String, String>(&input, Consumed::default())
        .group_by_key(Grouped::default());
    let day = Duration::from_secs(86_400);
    grouped
        .windowed_by(TimeWindows::of_size_and_grace(Duration::from_secs(10), day).unwrap())
        .count(Materialized::as_store("per-window"));
    grouped
        .windowed_by_session(
            SessionWindows::with_inactivity_gap_and_grace(Duration::from_secs(5), day).unwrap(),
        )
        .count(Materialized::as_store("per-session"));
    let config = streams_config(&broker, &unique_name("queries"));
    let mut streams = KafkaStreams::new(builder.build().unwrap(), config).unwrap();
    streams.start().await.unwrap();

    let windows = streams.window_store::<String, i64>("per-window").unwrap();
    let sessions = streams.session_store::<String, i64>("per-session").unwrap();
    let a = "a".to_string();
    let b = "b".to_string();
    wait_until("every event in the stores", &[&streams], TIMEOUT, || {
        windows.all().is_ok_and(|w| w.len() == 4) && sessions.all().is_ok_and(|s| s.len() == 4)
    })
    .await
    .unwrap();
    assert_eq!(
        windows.fetch(&a, 0, 60_000).unwrap(),
        vec![(0, 2), (10_000, 1)]
    );
    assert_eq!(
        windows.fetch(&b, 0, 60_000).unwrap(),
        vec![(0, 1), (30_000, 1)]
    );
    assert_eq!(windows.get(&a, 10_000).unwrap(), Some(1));
    assert_eq!(windows.get(&a, 20_000).unwrap(), None);
    assert_eq!(
        sessions.fetch(&a).unwrap(),
        vec![
            (Window::new(1_000, 4_000), 2),
            (Window::new(12_000, 12_000), 1)
        ]
    );
    assert_eq!(
        sessions.fetch(&b).unwrap(),
        vec![
            (Window::new(5_000, 5_000), 1),
            (Window::new(30_000, 30_000), 1)
        ]
    );
    // A store of another kind is refused up front, with the reason.
    let err = streams.store::<String, i64>("per-window").unwrap_err();
    assert!(matches!(err, Error::StoreKindMismatch { .. }), "{err}");
    streams.close().await.unwrap();
}
