//! Bad configuration: an unknown setting, a value of the wrong type, a
//! missing application id. Each is an error that names the setting, found
//! when the application is built (before anything connects), never a hang
//! or a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use integration_tests::support::{init_tracing, streams_config, wordcount_topology};
use integration_tests::{unique_name, TestBroker};
use kafka_streams::runtime::{KafkaStreams, StreamsConfig, StreamsState};

/// What `KafkaStreams::new` (or, failing that, `start`) says about
/// `properties` on top of a valid configuration for `broker`. Starting is
/// bounded: a hang fails the test.
async fn first_error(broker: &TestBroker, properties: &[(&str, &str)]) -> String {
    let input = broker.fresh_topic("badcfg-input", 1).await.unwrap();
    let mut config = streams_config(broker, &unique_name("badcfg"));
    for (key, value) in properties {
        config = config.set(*key, *value);
    }
    let topology = wordcount_topology(&input, "badcfg-output").unwrap();
    let mut streams = match KafkaStreams::new(topology, config) {
        Err(e) => return e.to_string(),
        Ok(streams) => streams,
    };
    let started = tokio::time::timeout(Duration::from_secs(30), streams.start())
        .await
        .expect("start hung on a bad setting");
    let error = match started {
        Err(e) => e.to_string(),
        Ok(()) => match streams
            .wait_for_state(StreamsState::Running, Duration::from_secs(30))
            .await
        {
            Ok(()) => panic!("{properties:?} was accepted: the application is running"),
            Err(_) => format!("{:?}", streams.state()),
        },
    };
    let _ = streams.close().await;
    panic!("{properties:?} was not refused by KafkaStreams::new; later: {error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_client_setting_is_refused_at_new_naming_it() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    for key in ["no.such.setting", "consumer.no.such.consumer.setting"] {
        let error = first_error(&broker, &[(key, "1")]).await;
        let name = key.trim_start_matches("consumer.");
        assert!(error.contains(name), "the error names `{name}`: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_setting_of_the_wrong_type_is_refused_at_new_naming_it() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    for (key, value) in [
        ("session.timeout.ms", "abc"),
        ("producer.linger.ms", "soon"),
        ("enable.idempotence", "maybe"),
        ("admin.socket.timeout.ms", "-5"),
    ] {
        let error = first_error(&broker, &[(key, value)]).await;
        let name = key.split_once('.').map_or(key, |(prefix, rest)| {
            if ["consumer", "producer", "admin"].contains(&prefix) {
                rest
            } else {
                key
            }
        });
        assert!(
            error.contains(name) && error.contains(value),
            "the error names `{name}` and `{value}`: {error}"
        );
    }
}

#[test]
fn streams_settings_of_the_wrong_type_name_the_setting() {
    for (key, value) in [
        ("num.stream.threads", "two"),
        ("num.stream.threads", "0"),
        ("commit.interval.ms", "-5"),
        ("commit.interval.ms", "0"),
        ("processing.guarantee", "at_most_once"),
        ("replication.factor", "three"),
    ] {
        let error = StreamsConfig::from_properties([
            ("application.id", "bad-config"),
            ("bootstrap.servers", "127.0.0.1:9092"),
            (key, value),
        ])
        .expect_err(&format!("{key}={value} must be refused"))
        .to_string();
        assert!(error.contains(key), "the error names `{key}`: {error}");
    }
}

#[test]
fn missing_or_invalid_application_id_names_it() {
    let error = StreamsConfig::from_properties([("bootstrap.servers", "127.0.0.1:9092")])
        .unwrap_err()
        .to_string();
    assert!(error.contains("application.id"), "{error}");
    for bad in ["", "word count", "ünïcode"] {
        let error = StreamsConfig::from_properties([("application.id", bad)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("application.id"), "`{bad}`: {error}");
    }
}

#[test]
fn misspelt_setting_through_from_properties_is_refused_naming_it() {
    // from_properties hands names it does not know to the clients, and
    // checks them with librdkafka before returning.
    let error = StreamsConfig::from_properties([
        ("application.id", "bad-config"),
        ("bootstrap.servers", "127.0.0.1:9092"),
        ("bootstrap.server", "127.0.0.1:9092"), // a typo
    ])
    .expect_err("a misspelt setting must be refused")
    .to_string();
    assert!(error.contains("`bootstrap.server`"), "{error}");
}
