//! The producer under faults: brokers going away and coming back, clusters
//! that cannot be reached, records that time out, a full queue.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod producer_support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka_client::{ClientConfig, EmbeddedKafka, Error, Producer, ProducerRecord};
use producer_support::{counts_per_partition, read_all};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

fn timed_out(error: &Error) -> bool {
    matches!(
        error,
        Error::Delivery {
            source: KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut),
            ..
        }
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_going_down_and_up_during_async_sends_loses_nothing() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("resilient", 3).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    const N: usize = 3_000;
    for i in 0..N {
        if i == 1_000 {
            cluster.broker_down(1).unwrap();
        }
        if i == 2_000 {
            // Let librdkafka notice and retry against the dead broker a while.
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            cluster.broker_up(1).unwrap();
        }
        producer
            .enqueue(ProducerRecord::new("resilient", format!("{i}")).key(format!("k{}", i % 50)))
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    let counts = counts_per_partition(cluster.bootstrap_servers(), "resilient", 3);
    assert_eq!(counts.iter().sum::<i64>(), N as i64, "{counts:?}");
    let read = read_all(cluster.bootstrap_servers(), "resilient", 3, N);
    let values: HashSet<usize> = read
        .iter()
        .map(|r| r.value_str().parse().unwrap())
        .collect();
    assert_eq!(values, (0..N).collect());
    // Idempotence keeps each key's records in send order through the retries.
    for key in 0..50 {
        let order: Vec<usize> = read
            .iter()
            .filter(|r| r.key.as_deref() == Some(format!("k{key}").as_bytes()))
            .map(|r| r.value_str().parse().unwrap())
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "key k{key}: {order:?}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_clear_error_within_the_request_timeout() {
    // Port 1 on loopback: nothing listens there.
    let config = ClientConfig::new()
        .bootstrap_servers("127.0.0.1:1")
        .request_timeout(Duration::from_secs(2));
    let producer: Producer<String, String> = Producer::new(&config).unwrap();
    let started = Instant::now();
    let err = producer
        .send(ProducerRecord::new("anything", "v".to_string()))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.error, Error::BrokerUnreachable { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    assert_eq!(err.record.value_ref().map(String::as_str), Some("v"));
    producer.close().await.unwrap();
}

#[tokio::test]
async fn records_to_a_dead_broker_fail_after_message_timeout_with_their_data() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("doomed", 2).unwrap();
    let config = cluster
        .client_config()
        .set("message.timeout.ms", "1500")
        // Reconnect quickly once the broker is back.
        .set("reconnect.backoff.max.ms", "500");
    let producer: Producer<String, String> = Producer::new(&config).unwrap();
    // Known topic, then the only broker goes away.
    producer
        .send(ProducerRecord::new("doomed", "first".to_string()))
        .await
        .unwrap();
    cluster.broker_down(1).unwrap();

    let started = Instant::now();
    let err = producer
        .send(ProducerRecord::new("doomed", "sync".to_string()).key("k".to_string()))
        .await
        .unwrap_err();
    assert!(timed_out(&err.error), "{err:?}");
    assert!(err.to_string().contains("doomed"), "{err}");
    assert_eq!(err.record.value_ref().map(String::as_str), Some("sync"));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );

    // Async: the future and the callback get the serialized data back.
    let future = producer
        .send_async(ProducerRecord::new("doomed", "future".to_string()).partition(1))
        .await
        .unwrap();
    let called = Arc::new(Mutex::new(None));
    let slot = called.clone();
    producer
        .send_with_callback(
            ProducerRecord::new("doomed", "callback".to_string()).header("h", "1"),
            move |outcome| *slot.lock().unwrap() = Some(outcome),
        )
        .await
        .unwrap();
    for i in 0..5 {
        producer
            .enqueue(ProducerRecord::new("doomed", format!("enqueued-{i}")).key(format!("key-{i}")))
            .await
            .unwrap();
    }
    let failure = future.await.unwrap_err();
    assert!(timed_out(&failure.error), "{failure:?}");
    assert_eq!((failure.topic.as_str(), failure.partition), ("doomed", 1));
    assert_eq!(failure.value.as_deref(), Some(&b"future"[..]));

    // Flush reports exactly the records nobody else took: the enqueued ones.
    let err = producer.flush().await.unwrap_err();
    let Error::Undelivered { failures } = &err else {
        panic!("{err:?}");
    };
    let mut values: Vec<&[u8]> = failures
        .iter()
        .map(|f| f.value.as_deref().unwrap())
        .collect();
    values.sort();
    let expected: Vec<String> = (0..5).map(|i| format!("enqueued-{i}")).collect();
    assert_eq!(
        values,
        expected.iter().map(String::as_bytes).collect::<Vec<_>>()
    );
    assert!(failures.iter().all(|f| timed_out(&f.error)));
    assert!(failures
        .iter()
        .all(|f| f.key.as_deref().is_some_and(|k| k.starts_with(b"key-"))));
    assert!(err.to_string().contains("5 record(s)"), "{err}");

    let callback_outcome = called.lock().unwrap().take().expect("the callback ran");
    let failure = callback_outcome.unwrap_err();
    assert_eq!(failure.value.as_deref(), Some(&b"callback"[..]));
    assert_eq!(failure.headers.last_str("h"), Some("1"));

    // Reported once: the next flush is clean, and the broker's return
    // makes new sends work again.
    producer.flush().await.unwrap();
    cluster.broker_up(1).unwrap();
    // librdkafka reconnects with backoff; each try may time out meanwhile.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match producer
            .send(ProducerRecord::new("doomed", "after".to_string()))
            .await
        {
            Ok(stored) => {
                assert_eq!(stored.topic, "doomed");
                break;
            }
            Err(err) if timed_out(&err.error) && Instant::now() < deadline => continue,
            Err(err) => panic!("{err:?}"),
        }
    }
}

#[tokio::test]
async fn a_full_queue_makes_senders_wait_and_drops_nothing() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("narrow", 2).unwrap();
    // Room for 20 records, and a slow broker: senders must wait for room.
    cluster
        .set_round_trip_time(1, Duration::from_millis(20))
        .unwrap();
    let config = cluster
        .client_config()
        .set("queue.buffering.max.messages", "20");
    let producer: Producer<String, String> = Producer::new(&config).unwrap();
    const N: usize = 2_000;
    for i in 0..N {
        producer
            .enqueue(ProducerRecord::new("narrow", format!("{i}")))
            .await
            .unwrap();
        assert!(producer.in_flight() <= 20, "{}", producer.in_flight());
    }
    producer.flush().await.unwrap();
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "narrow", 2),
        [1_000, 1_000]
    );
}
