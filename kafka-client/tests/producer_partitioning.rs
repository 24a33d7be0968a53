//! Where the producer puts records: Java-compatible key placement,
//! round-robin, explicit partitions, custom partitioners, and clear errors
//! for topics and partitions that do not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod producer_support;

use kafka_client::producer::RoundRobinPartitioner;
use kafka_client::serde::{BytesSerde, StringSerde};
use kafka_client::{Admin, EmbeddedKafka, Error, Producer, ProducerRecord};
use producer_support::{counts_per_partition, read_all};

/// (serialized key, partition among 6, partition among 12), computed with
/// kafka-python 3.0.12 (`pip install kafka-python`):
/// `(kafka.partitioner.default.murmur2(key) & 0x7fffffff) % n`, which is
/// what its `DefaultPartitioner`, like Java's, does for keyed records.
const JAVA_PLACEMENT: &[(&[u8], i32, i32)] = &[
    (b"", 3, 9),
    (b"a", 4, 4),
    (b"ab", 2, 2),
    (b"abc", 3, 3),
    (b"abcd", 2, 8),
    (b"abcde", 1, 1),
    (b"abcdef", 0, 0),
    (b"abcdefg", 1, 1),
    (b"abcdefgh", 3, 9),
    (b"21", 0, 0),
    (b"foobar", 0, 6),
    (b"a-little-bit-longer-string", 5, 11),
    ("café".as_bytes(), 0, 6),
    ("한국어".as_bytes(), 4, 10),
    ("日本語テキスト".as_bytes(), 3, 3),
    ("🦀".as_bytes(), 1, 7),
    (&[255, 0, 128, 127, 254], 0, 6),
    (b"customer-42", 3, 9),
    (b"order-1000", 2, 2),
];

#[tokio::test]
async fn keyed_records_land_where_the_java_partitioner_puts_them() {
    let cluster = EmbeddedKafka::start(3).unwrap();
    cluster.create_topic("six", 6).unwrap();
    cluster.create_topic("twelve", 12).unwrap();
    let producer = Producer::builder(&cluster.client_config())
        .key_serde(BytesSerde)
        .value_serde(StringSerde)
        .build()
        .unwrap();
    for (i, (key, in_six, in_twelve)) in JAVA_PLACEMENT.iter().enumerate() {
        for (topic, expected) in [("six", *in_six), ("twelve", *in_twelve)] {
            let stored = producer
                .send(ProducerRecord::new(topic, format!("record-{i}")).key(key.to_vec()))
                .await
                .unwrap();
            assert_eq!(stored.partition, expected, "key {key:?} in {topic}");
            assert_eq!(stored.topic, topic);
        }
    }
    // The broker holds each record on the partition the vectors predict.
    let stored = read_all(
        cluster.bootstrap_servers(),
        "twelve",
        12,
        JAVA_PLACEMENT.len(),
    );
    for record in stored {
        let i: usize = record.value_str()["record-".len()..].parse().unwrap();
        assert_eq!(record.partition, JAVA_PLACEMENT[i].2, "record {i}");
        if !JAVA_PLACEMENT[i].0.is_empty() {
            assert_eq!(record.key.as_deref(), Some(JAVA_PLACEMENT[i].0));
        }
    }
}

#[tokio::test]
async fn keyless_records_go_round_robin_exactly_evenly() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("even", 3).unwrap();
    cluster.create_topic("other", 4).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    for i in 0..300 {
        producer
            .enqueue(ProducerRecord::new("even", format!("v{i}")))
            .await
            .unwrap();
        // Another topic in between does not disturb the first one's turns.
        if i % 3 == 0 {
            producer
                .enqueue(ProducerRecord::new("other", format!("o{i}")))
                .await
                .unwrap();
        }
    }
    producer.flush().await.unwrap();
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "even", 3),
        [100, 100, 100]
    );
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "other", 4),
        [25, 25, 25, 25]
    );
}

#[tokio::test]
async fn the_round_robin_partitioner_spreads_keyed_records_too() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("spread", 4).unwrap();
    let producer: Producer<String, String> = Producer::builder(&cluster.client_config())
        .partitioner(RoundRobinPartitioner::new())
        .build()
        .unwrap();
    let mut partitions = Vec::new();
    for i in 0..8 {
        let stored = producer
            .send(ProducerRecord::new("spread", format!("v{i}")).key("same-key".to_string()))
            .await
            .unwrap();
        partitions.push(stored.partition);
    }
    assert_eq!(partitions, [0, 1, 2, 3, 0, 1, 2, 3]);
}

#[tokio::test]
async fn an_explicit_partition_wins_over_the_key() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("explicit", 6).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    // "21" hashes to partition 0 of 6; the record asks for 5.
    let stored = producer
        .send(
            ProducerRecord::new("explicit", "v".to_string())
                .key("21".to_string())
                .partition(5),
        )
        .await
        .unwrap();
    assert_eq!(stored.partition, 5);
    let read = read_all(cluster.bootstrap_servers(), "explicit", 6, 1);
    assert_eq!(read[0].partition, 5);
    assert_eq!(read[0].key.as_deref(), Some(&b"21"[..]));
}

#[tokio::test]
async fn a_custom_partitioner_is_honoured() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("custom", 5).unwrap();
    // Partition = key length modulo the partition count; keyless to the last.
    let by_length = |_topic: &str, key: Option<&[u8]>, count: i32| match key {
        Some(key) => key.len() as i32 % count,
        None => count - 1,
    };
    let producer: Producer<String, String> = Producer::builder(&cluster.client_config())
        .partitioner(by_length)
        .build()
        .unwrap();
    for (key, expected) in [("a", 1), ("abc", 3), ("abcdef", 1), ("", 0)] {
        let stored = producer
            .send(ProducerRecord::new("custom", key.to_string()).key(key.to_string()))
            .await
            .unwrap();
        assert_eq!(stored.partition, expected, "key {key:?}");
    }
    let stored = producer
        .send(ProducerRecord::new("custom", "keyless".to_string()))
        .await
        .unwrap();
    assert_eq!(stored.partition, 4);
    let read = read_all(cluster.bootstrap_servers(), "custom", 5, 5);
    let placed: Vec<(i32, &str)> = read.iter().map(|r| (r.partition, r.value_str())).collect();
    assert_eq!(
        placed,
        [(0, ""), (1, "a"), (1, "abcdef"), (3, "abc"), (4, "keyless")]
    );
}

#[tokio::test]
async fn a_partitioner_answer_out_of_range_is_an_error() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("t", 2).unwrap();
    let producer: Producer<String, String> = Producer::builder(&cluster.client_config())
        .partitioner(|_: &str, _: Option<&[u8]>, count: i32| count)
        .build()
        .unwrap();
    let err = producer
        .send(ProducerRecord::new("t", "v".to_string()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err.error, Error::UnknownPartition { topic, partition: 2, partition_count: 2 } if topic == "t"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_topic_is_unknown_topic_and_is_not_created() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let err = producer
        .send(ProducerRecord::new("no-such-topic", "lost?".to_string()).key("k".to_string()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err.error, Error::UnknownTopic { topic } if topic == "no-such-topic"),
        "{err:?}"
    );
    assert!(err.to_string().contains("no-such-topic"), "{err}");
    // The record comes back untouched.
    assert_eq!(err.record.value_ref().map(String::as_str), Some("lost?"));
    assert_eq!(err.record.key_ref().map(String::as_str), Some("k"));
    // Asking did not create it.
    let admin = Admin::new(&cluster.client_config()).unwrap();
    assert!(!admin.topic_exists("no-such-topic").await.unwrap());
    // The async forms refuse it the same way.
    let err = producer
        .enqueue(ProducerRecord::new("no-such-topic", "x".to_string()))
        .await
        .unwrap_err();
    assert!(matches!(err.error, Error::UnknownTopic { .. }), "{err:?}");
    assert!(producer
        .send_async(ProducerRecord::new("no-such-topic", "x".to_string()))
        .await
        .is_err());
    producer.flush().await.unwrap();
}

#[tokio::test]
async fn a_partition_beyond_the_count_is_unknown_partition() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("three", 3).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    for bad in [3, 7, -1] {
        let err = producer
            .send(ProducerRecord::new("three", "v".to_string()).partition(bad))
            .await
            .unwrap_err();
        assert!(
            matches!(&err.error, Error::UnknownPartition { topic, partition, partition_count: 3 }
                if topic == "three" && *partition == bad),
            "{err:?}"
        );
        assert_eq!(err.record.partition_ref(), Some(bad));
    }
    assert_eq!(producer.partition_count("three").await.unwrap(), 3);
    assert_eq!(
        counts_per_partition(cluster.bootstrap_servers(), "three", 3),
        [0, 0, 0]
    );
}

#[tokio::test]
async fn auto_creation_can_be_turned_back_on() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    let config = cluster
        .client_config()
        .set("allow.auto.create.topics", "true");
    let producer: Producer<String, String> = Producer::new(&config).unwrap();
    producer
        .send(ProducerRecord::new("made-on-demand", "v".to_string()))
        .await
        .unwrap();
    // The embedded cluster creates topics with 4 partitions.
    let admin = Admin::new(&cluster.client_config()).unwrap();
    assert_eq!(admin.partition_count("made-on-demand").await.unwrap(), 4);
    assert_eq!(producer.partition_count("made-on-demand").await.unwrap(), 4);
}
