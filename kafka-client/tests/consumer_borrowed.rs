//! Lent records (`Consumer::recv_with` / `try_recv_with`) on the embedded
//! cluster: every field as librdkafka holds it, positions moving on, and no
//! call of the closure when nothing is ready.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use kafka_client::consumer::{Consumer, Offset};
use kafka_client::{EmbeddedKafka, TopicPartition};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};

const WITHIN: Duration = Duration::from_secs(15);

/// Three records: keyed with three headers (one null), keyless without
/// headers, and a keyed tombstone.
fn produce_three(cluster: &EmbeddedKafka) {
    let producer: BaseProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", cluster.bootstrap_servers())
        .create()
        .unwrap();
    let headers = OwnedHeaders::new()
        .insert(Header {
            key: "h",
            value: Some("x"),
        })
        .insert(Header {
            key: "h",
            value: Some("y"),
        })
        .insert(Header::<&str> {
            key: "n",
            value: None,
        });
    let first = BaseRecord::<str, str>::to("lent")
        .partition(0)
        .key("a")
        .payload("one")
        .timestamp(1_000)
        .headers(headers);
    producer.send(first).map_err(|(e, _)| e).unwrap();
    let second = BaseRecord::<str, str>::to("lent")
        .partition(0)
        .payload("two")
        .timestamp(2_000);
    producer.send(second).map_err(|(e, _)| e).unwrap();
    let tombstone = BaseRecord::<str, str>::to("lent")
        .partition(0)
        .key("c")
        .timestamp(3_000);
    producer.send(tombstone).map_err(|(e, _)| e).unwrap();
    producer.flush(Duration::from_secs(30)).unwrap();
}

#[tokio::test]
async fn lends_every_field_and_moves_the_position_on() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("lent", 1).unwrap();
    produce_three(&cluster);
    let tp = TopicPartition::new("lent", 0);
    let consumer = Consumer::<Vec<u8>, Vec<u8>>::new(&cluster.client_config()).unwrap();
    consumer
        .assign_at(&[(tp.clone(), Offset::Beginning)])
        .await
        .unwrap();

    let first = tokio::time::timeout(
        WITHIN,
        consumer.recv_with(|r| {
            assert_eq!(r.topic(), "lent");
            assert_eq!(
                (r.partition(), r.offset(), r.timestamp()),
                (0, 0, Some(1_000))
            );
            assert_eq!((r.key(), r.value()), (Some(&b"a"[..]), Some(&b"one"[..])));
            let headers: Vec<(&str, Option<&[u8]>)> = r.headers().collect();
            assert_eq!(
                headers,
                vec![("h", Some(&b"x"[..])), ("h", Some(&b"y"[..])), ("n", None)]
            );
            assert_eq!(r.header("h"), Some(&b"y"[..]), "the last value wins");
            assert_eq!((r.header("n"), r.header("missing")), (None, None));
            r.to_owned_record()
        }),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(first.offset, 0);
    assert_eq!(first.value.as_deref(), Some(&b"one"[..]));
    assert_eq!(first.headers.len(), 3);
    assert_eq!(first.headers.last_str("h"), Some("y"));
    assert_eq!(consumer.position(&tp).unwrap(), Some(1));

    // The rest is fetched by now or soon: take it without waiting.
    let mut rest = Vec::new();
    let deadline = tokio::time::Instant::now() + WITHIN;
    while rest.len() < 2 && tokio::time::Instant::now() < deadline {
        let taken = consumer
            .try_recv_with(|r| {
                (
                    r.offset(),
                    r.key().map(<[u8]>::to_vec),
                    r.value().is_none(),
                    r.headers().count(),
                )
            })
            .await
            .unwrap();
        match taken {
            Some(record) => rest.push(record),
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    assert_eq!(
        rest,
        vec![(1, None, false, 0), (2, Some(b"c".to_vec()), true, 0)]
    );
    assert_eq!(consumer.position(&tp).unwrap(), Some(3));

    // Nothing ready: the closure is not called.
    let mut called = false;
    let none = consumer.try_recv_with(|_| called = true).await.unwrap();
    assert!(none.is_none() && !called);
    // A wait with nothing to read is cut short by the timeout, and loses nothing.
    let waited = tokio::time::timeout(
        Duration::from_millis(300),
        consumer.recv_with(|r| r.offset()),
    )
    .await;
    assert!(waited.is_err(), "no record should have come: {waited:?}");
    assert_eq!(consumer.position(&tp).unwrap(), Some(3));
}
