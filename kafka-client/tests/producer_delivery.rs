//! How records get delivered: sync sends, futures, callbacks, enqueue +
//! flush, headers and timestamps, closing and sharing one producer.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod producer_support;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use kafka_client::serde::{LongSerde, SerdeError, Serializer, StringSerde};
use kafka_client::{EmbeddedKafka, Error, Headers, Producer, ProducerRecord};
use producer_support::{counts_per_partition, read_all};

#[tokio::test]
async fn sync_sends_get_increasing_offsets_in_order() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("ordered", 3).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let mut offsets: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    for i in 0..60 {
        // One key (so one partition) for half of them, keyless for the rest.
        let record = ProducerRecord::new("ordered", format!("v{i}"));
        let record = if i % 2 == 0 {
            record.key("k".to_string())
        } else {
            record
        };
        let stored = producer.send(record).await.unwrap();
        assert_eq!(stored.topic, "ordered");
        assert!(stored.timestamp.is_some());
        offsets
            .entry(stored.partition)
            .or_default()
            .push(stored.offset);
    }
    for (partition, offsets) in &offsets {
        let expected: Vec<i64> = (0..offsets.len() as i64).collect();
        assert_eq!(offsets, &expected, "partition {partition}");
    }
    // And the broker's order is the send order within each partition.
    let read = read_all(cluster.bootstrap_servers(), "ordered", 3, 60);
    for partition in 0..3 {
        let values: Vec<usize> = read
            .iter()
            .filter(|r| r.partition == partition)
            .map(|r| r.value_str()[1..].parse().unwrap())
            .collect();
        assert!(
            values.windows(2).all(|w| w[0] < w[1]),
            "partition {partition}: {values:?}"
        );
    }
}

#[tokio::test]
async fn enqueue_then_flush_delivers_every_record_exactly_once() {
    let cluster = EmbeddedKafka::start(3).unwrap();
    cluster.create_topic("bulk", 6).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    const N: usize = 10_000;
    for i in 0..N {
        let record = ProducerRecord::new("bulk", format!("{i}"));
        let record = if i % 2 == 0 {
            record.key(format!("key-{}", i % 97))
        } else {
            record
        };
        producer.enqueue(record).await.unwrap();
    }
    producer.flush().await.unwrap();
    assert_eq!(producer.in_flight(), 0);
    let counts = counts_per_partition(cluster.bootstrap_servers(), "bulk", 6);
    assert_eq!(counts.iter().sum::<i64>(), N as i64, "{counts:?}");
    let read = read_all(cluster.bootstrap_servers(), "bulk", 6, N);
    let values: HashSet<usize> = read
        .iter()
        .map(|r| r.value_str().parse().unwrap())
        .collect();
    assert_eq!(values.len(), N, "duplicates or losses");
    assert_eq!(values, (0..N).collect());
}

#[tokio::test]
async fn enqueue_ref_sends_what_the_record_holds_at_each_call() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("reused", 1).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let mut headers = Headers::new();
    headers.insert("seq", 0u32.to_be_bytes());
    let mut record = ProducerRecord::new("reused", String::new()).headers(headers);
    const N: u32 = 300;
    for seq in 0..N {
        let (key, mut value, mut headers) = record.into_parts();
        let value_text = value.get_or_insert_with(String::new);
        value_text.clear();
        value_text.push_str(&format!("v{seq}"));
        for header in headers.iter_mut().filter_map(|h| h.value.as_mut()) {
            header.copy_from_slice(&seq.to_be_bytes());
        }
        record = ProducerRecord::from_parts("reused", key, value)
            .timestamp(1_000 + i64::from(seq))
            .headers(headers);
        producer.enqueue_ref(&record).await.unwrap();
    }
    // The record is still the caller's, as the last call left it.
    assert_eq!(record.value_ref().map(String::as_str), Some("v299"));
    producer.flush().await.unwrap();
    let read = read_all(cluster.bootstrap_servers(), "reused", 1, N as usize);
    assert_eq!(read.len(), N as usize);
    for (seq, stored) in (0..N).zip(&read) {
        assert_eq!(stored.value_str(), format!("v{seq}"));
        assert_eq!(stored.timestamp, Some(1_000 + i64::from(seq)));
        assert_eq!(
            stored.headers,
            vec![("seq".to_string(), Some(seq.to_be_bytes().to_vec()))]
        );
    }
}

#[tokio::test]
async fn callbacks_fire_once_per_record_with_its_metadata() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("called", 4).unwrap();
    let producer: Producer<String, i64> = Producer::new(&cluster.client_config()).unwrap();
    const N: usize = 2_000;
    let calls = Arc::new(Mutex::new(vec![0u32; N]));
    let seen = Arc::new(Mutex::new(HashSet::new()));
    for i in 0..N {
        let (calls, seen) = (calls.clone(), seen.clone());
        producer
            .send_with_callback(ProducerRecord::new("called", i as i64), move |outcome| {
                let stored = outcome.unwrap();
                assert_eq!(stored.topic, "called");
                calls.lock().unwrap()[i] += 1;
                assert!(seen
                    .lock()
                    .unwrap()
                    .insert((stored.partition, stored.offset)));
            })
            .await
            .unwrap();
    }
    producer.flush().await.unwrap();
    assert!(calls.lock().unwrap().iter().all(|&c| c == 1));
    assert_eq!(seen.lock().unwrap().len(), N);
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "called", 4),
        [500; 4]
    );
}

#[tokio::test]
async fn send_async_futures_resolve_to_where_each_record_went() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("futures", 2).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let mut futures = Vec::new();
    for i in 0..200 {
        let future = producer
            .send_async(ProducerRecord::new("futures", format!("v{i}")))
            .await
            .unwrap();
        assert_eq!(future.partition(), i % 2);
        futures.push(future);
    }
    let mut next_offset = [0i64; 2];
    for (i, future) in futures.into_iter().enumerate() {
        let stored = future.await.unwrap();
        assert_eq!(stored.partition, (i % 2) as i32);
        assert_eq!(stored.offset, next_offset[i % 2]);
        next_offset[i % 2] += 1;
    }
    // Dropped futures: the records still go out, flush sees them through.
    for i in 0..50 {
        drop(
            producer
                .send_async(ProducerRecord::new("futures", format!("d{i}")))
                .await
                .unwrap(),
        );
    }
    producer.flush().await.unwrap();
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "futures", 2),
        [125, 125]
    );
}

#[tokio::test]
async fn headers_and_timestamps_round_trip() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("stamped", 1).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let mut headers = Headers::new();
    headers.insert("trace-id", "abc-123");
    headers.insert_null("nothing");
    headers.insert("bytes", vec![0u8, 255, 7]);
    headers.insert("trace-id", "second");
    let stored = producer
        .send(
            ProducerRecord::new("stamped", "v".to_string())
                .key("k".to_string())
                .timestamp(1_600_000_000_123)
                .headers(headers),
        )
        .await
        .unwrap();
    // The metadata's timestamp is what the broker reports: a real broker
    // says -1 for CreateTime topics (librdkafka then keeps the record's own
    // timestamp), but the embedded cluster always answers LogAppendTime 1234.
    // What matters, the stored timestamp, is checked below.
    assert!(stored.timestamp.is_some());
    // A tombstone with no timestamp gets the producer's clock.
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    producer
        .send(ProducerRecord::tombstone("stamped", "gone".to_string()))
        .await
        .unwrap();

    let read = read_all(cluster.bootstrap_servers(), "stamped", 1, 2);
    assert_eq!(read[0].timestamp, Some(1_600_000_000_123));
    assert_eq!(
        read[0].headers,
        vec![
            ("trace-id".to_string(), Some(b"abc-123".to_vec())),
            ("nothing".to_string(), None),
            ("bytes".to_string(), Some(vec![0, 255, 7])),
            ("trace-id".to_string(), Some(b"second".to_vec())),
        ]
    );
    assert_eq!(read[1].key.as_deref(), Some(&b"gone"[..]));
    assert_eq!(read[1].value, None);
    assert!(read[1].headers.is_empty());
    assert!(
        read[1].timestamp.unwrap() >= before - 1_000,
        "{:?}",
        read[1].timestamp
    );
}

#[test]
fn the_producer_is_clone_send_and_sync() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Producer<String, String>>();
    shareable::<Producer<Vec<u8>, i64>>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_share_one_producer() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("shared", 3).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let producer = producer.clone();
            tokio::spawn(async move {
                for i in 0..250 {
                    producer
                        .enqueue(ProducerRecord::new("shared", format!("{t}-{i}")))
                        .await
                        .unwrap();
                }
                producer
                    .send(ProducerRecord::new("shared", format!("{t}-last")))
                    .await
                    .unwrap()
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    producer.flush().await.unwrap();
    // 8 * 251 = 2008 keyless records, round-robin: 670 + 669 + 669.
    let counts = counts_per_partition(cluster.bootstrap_servers(), "shared", 3);
    assert_eq!(counts.iter().sum::<i64>(), 2008);
    assert!(counts.iter().all(|&c| c == 669 || c == 670), "{counts:?}");
}

/// A serializer that refuses one value.
struct NoThirteen;

impl Serializer<i64> for NoThirteen {
    fn serialize(&self, topic: &str, value: &i64) -> Result<Vec<u8>, SerdeError> {
        if *value == 13 {
            return Err(SerdeError::new("13 is not allowed"));
        }
        LongSerde.serialize(topic, value)
    }
}

impl kafka_client::serde::Deserializer<i64> for NoThirteen {
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<i64, SerdeError> {
        kafka_client::serde::Deserializer::deserialize(&LongSerde, topic, bytes)
    }
}

#[tokio::test]
async fn a_value_that_does_not_serialize_comes_back_with_the_error() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("numbers", 1).unwrap();
    let producer = Producer::builder(&cluster.client_config())
        .key_serde(StringSerde)
        .value_serde(NoThirteen)
        .build()
        .unwrap();
    let err = producer
        .send(ProducerRecord::new("numbers", 13).key("k".to_string()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err.error, Error::Serialization { topic, part: "value", .. } if topic == "numbers"),
        "{err:?}"
    );
    assert!(err.to_string().contains("13 is not allowed"), "{err}");
    assert_eq!(err.record.value_ref(), Some(&13));
    producer
        .send(ProducerRecord::new("numbers", 12))
        .await
        .unwrap();
    let read = read_all(cluster.bootstrap_servers(), "numbers", 1, 1);
    assert_eq!(read[0].value.as_deref(), Some(&12i64.to_be_bytes()[..]));
}

#[tokio::test]
async fn close_delivers_what_is_in_flight_then_refuses_sends() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("closing", 2).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let clone = producer.clone();
    for i in 0..500 {
        producer
            .enqueue(ProducerRecord::new("closing", format!("{i}")))
            .await
            .unwrap();
    }
    producer.close().await.unwrap();
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "closing", 2),
        [250, 250]
    );
    let err = clone
        .send(ProducerRecord::new("closing", "late".to_string()))
        .await
        .unwrap_err();
    assert!(matches!(err.error, Error::Closed("producer")), "{err:?}");
    assert_eq!(err.record.value_ref().map(String::as_str), Some("late"));
}

#[tokio::test]
async fn dropping_the_last_clone_delivers_what_is_in_flight() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("dropped", 1).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    for i in 0..300 {
        producer
            .enqueue(ProducerRecord::new("dropped", format!("{i}")))
            .await
            .unwrap();
    }
    drop(producer);
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "dropped", 1),
        [300]
    );
}
