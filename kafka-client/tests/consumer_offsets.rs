//! Consumer offset control on the embedded cluster: seeks, positions,
//! watermarks, commits, pause/resume and bad records.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod consumer_support;

use std::time::Duration;

use consumer_support::{group_builder, produce, produce_strings, recv_n, recv_until_quiet};
use kafka_client::consumer::{Consumer, Offset};
use kafka_client::serde::{LongSerde, StringSerde};
use kafka_client::{ConsumerBuilder, EmbeddedKafka, Error, TopicPartition};

const WITHIN: Duration = Duration::from_secs(15);

async fn committed(consumer: &Consumer<String, String>, tp: &TopicPartition) -> Option<i64> {
    consumer.committed(std::slice::from_ref(tp)).await.unwrap()[tp]
}

fn offsets<K, V>(records: &[kafka_client::ConsumerRecord<K, V>]) -> Vec<i64> {
    records.iter().map(|r| r.offset).collect()
}

#[tokio::test]
async fn seeks_to_an_offset_the_beginning_and_the_end_without_stale_records() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("events", 1).unwrap();
    produce_strings(&cluster, "events", 0, 0..20, "e");
    let tp = TopicPartition::new("events", 0);

    let consumer = Consumer::<String, String>::new(&cluster.client_config()).unwrap();
    consumer
        .assign_at(&[(tp.clone(), Offset::Beginning)])
        .await
        .unwrap();
    assert_eq!(consumer.position(&tp).unwrap(), Some(0));
    assert_eq!(consumer.watermarks(&tp).await.unwrap(), (0, 20));

    let first = recv_n(&consumer, 5, WITHIN).await;
    assert_eq!(offsets(&first), vec![0, 1, 2, 3, 4]);
    assert_eq!(first[3].key.as_deref(), Some("k3"));
    assert_eq!(first[3].value.as_deref(), Some("e-3"));
    assert_eq!(consumer.position(&tp).unwrap(), Some(5));

    // librdkafka has prefetched far past offset 5 by now: none of that may
    // come out after the seek.
    assert_eq!(consumer.seek(&tp, Offset::At(2)).await.unwrap(), 2);
    assert_eq!(consumer.position(&tp).unwrap(), Some(2));
    assert_eq!(offsets(&recv_n(&consumer, 3, WITHIN).await), vec![2, 3, 4]);

    consumer
        .seek_to_beginning(std::slice::from_ref(&tp))
        .await
        .unwrap();
    assert_eq!(offsets(&recv_n(&consumer, 2, WITHIN).await), vec![0, 1]);

    consumer
        .seek_to_end(std::slice::from_ref(&tp))
        .await
        .unwrap();
    assert_eq!(consumer.position(&tp).unwrap(), Some(20));
    assert!(
        tokio::time::timeout(Duration::from_millis(500), consumer.recv())
            .await
            .is_err()
    );
    produce_strings(&cluster, "events", 0, 20..23, "e");
    let late = recv_n(&consumer, 3, WITHIN).await;
    assert_eq!(offsets(&late), vec![20, 21, 22]);
    assert_eq!(late[0].value.as_deref(), Some("e-20"));
    assert_eq!(consumer.watermarks(&tp).await.unwrap(), (0, 23));
    assert_eq!(consumer.position(&tp).unwrap(), Some(23));
    assert_eq!(consumer.assignment().unwrap(), vec![tp.clone()]);
    assert_eq!(
        consumer.positions().unwrap(),
        [(tp.clone(), Some(23))].into_iter().collect()
    );

    // The embedded cluster answers -1 to lookups by time: a clear error,
    // not a silent seek to the end.
    let err = consumer.seek(&tp, Offset::Timestamp(1)).await.unwrap_err();
    assert!(
        matches!(&err, Error::NoOffsetForTimestamp { partition, timestamp: 1 } if *partition == tp),
        "{err:?}"
    );
    assert!(err.to_string().contains("events[0]"), "{err}");
    assert_eq!(consumer.position(&tp).unwrap(), Some(23));

    // Positions and seeks are for assigned partitions only.
    let other = TopicPartition::new("events", 1);
    assert!(matches!(
        consumer.position(&other),
        Err(Error::InvalidState { .. })
    ));
    assert!(matches!(
        consumer.seek(&other, Offset::At(0)).await,
        Err(Error::InvalidState { .. })
    ));
    consumer.close().await.unwrap();
}

#[tokio::test]
async fn a_new_member_resumes_exactly_at_the_committed_offset() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("orders", 1).unwrap();
    produce_strings(&cluster, "orders", 0, 0..10, "o");
    let tp = TopicPartition::new("orders", 0);

    let first = group_builder(&cluster, "billing").build().unwrap();
    first.subscribe(&["orders"]).await.unwrap();
    let records = recv_n(&first, 7, WITHIN).await;
    assert_eq!(offsets(&records), (0..7).collect::<Vec<_>>());
    // Committing a record commits its offset + 1.
    first.commit_record(&records[4]).await.unwrap();
    assert_eq!(
        first.committed(std::slice::from_ref(&tp)).await.unwrap()[&tp],
        Some(5)
    );
    // commit() commits everything handed out.
    first.commit().await.unwrap();
    assert_eq!(
        first.committed(std::slice::from_ref(&tp)).await.unwrap()[&tp],
        Some(7)
    );
    first.close().await.unwrap();

    let second = group_builder(&cluster, "billing").build().unwrap();
    second.subscribe(&["orders"]).await.unwrap();
    let rest = recv_n(&second, 3, WITHIN).await;
    assert_eq!(offsets(&rest), vec![7, 8, 9]);
    assert_eq!(rest[0].value.as_deref(), Some("o-7"));
    // An asynchronous commit still lands when the consumer closes.
    second.commit_async().unwrap();
    second.close().await.unwrap();

    let third = group_builder(&cluster, "billing").build().unwrap();
    assert_eq!(
        third.committed(std::slice::from_ref(&tp)).await.unwrap()[&tp],
        Some(10)
    );
    // Another group has its own offsets.
    let stranger = group_builder(&cluster, "audit").build().unwrap();
    assert_eq!(
        stranger.committed(std::slice::from_ref(&tp)).await.unwrap()[&tp],
        None
    );
}

#[tokio::test]
async fn a_paused_partition_gives_nothing_until_resumed_and_loses_nothing() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("clicks", 2).unwrap();
    produce_strings(&cluster, "clicks", 0, 0..10, "zero");
    produce_strings(&cluster, "clicks", 1, 0..10, "one");
    let (p0, p1) = (
        TopicPartition::new("clicks", 0),
        TopicPartition::new("clicks", 1),
    );

    let consumer = Consumer::<String, String>::new(&cluster.client_config()).unwrap();
    consumer
        .assign_at(&[
            (p0.clone(), Offset::Beginning),
            (p1.clone(), Offset::Beginning),
        ])
        .await
        .unwrap();
    // Take a few first so that both partitions have data prefetched.
    let mut seen = recv_n(&consumer, 2, WITHIN).await;
    consumer.pause(std::slice::from_ref(&p0)).unwrap();
    let paused_from = consumer.position(&p0).unwrap();
    seen.extend(recv_until_quiet(&consumer, Duration::from_millis(1500)).await);
    let after_pause: Vec<_> = seen[2..].iter().map(|r| r.partition).collect();
    assert!(
        after_pause.iter().all(|&p| p == 1),
        "records from a paused partition: {after_pause:?}"
    );

    consumer.resume(std::slice::from_ref(&p0)).unwrap();
    seen.extend(recv_until_quiet(&consumer, Duration::from_millis(1500)).await);
    for partition in [0, 1] {
        let got: Vec<i64> = seen
            .iter()
            .filter(|r| r.partition == partition)
            .map(|r| r.offset)
            .collect();
        assert_eq!(
            got,
            (0..10).collect::<Vec<_>>(),
            "partition {partition} (paused at {paused_from:?})"
        );
    }
    assert_eq!(consumer.position(&p0).unwrap(), Some(10));
}

#[tokio::test]
async fn a_bad_record_is_an_error_with_its_offset_and_the_next_ones_still_arrive() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("totals", 1).unwrap();
    let long = |n: i64| n.to_be_bytes().to_vec();
    produce(
        &cluster,
        "totals",
        &[
            (0, Some(b"a".to_vec()), long(1)),
            (0, Some(b"b".to_vec()), vec![1, 2, 3]),
            (0, Some(b"c".to_vec()), long(3)),
        ],
    );
    let tp = TopicPartition::new("totals", 0);
    let consumer: Consumer<String, i64> =
        ConsumerBuilder::with_deserializers(&cluster.client_config(), StringSerde, LongSerde)
            .group_id("totals-reader")
            .auto_offset_reset(kafka_client::OffsetReset::Earliest)
            .build()
            .unwrap();
    consumer.assign(std::slice::from_ref(&tp)).await.unwrap();

    let first = tokio::time::timeout(WITHIN, consumer.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.offset, first.key.as_deref(), first.value),
        (0, Some("a"), Some(1))
    );

    let bad = match tokio::time::timeout(WITHIN, consumer.recv()).await.unwrap() {
        Err(Error::Deserialization(bad)) => bad,
        other => panic!("expected a deserialization error, got {other:?}"),
    };
    assert_eq!(
        (bad.topic.as_str(), bad.partition, bad.offset, bad.part),
        ("totals", 0, 1, "value")
    );
    assert_eq!(bad.key.as_deref(), Some(&b"b"[..]));
    assert_eq!(bad.value.as_deref(), Some(&[1u8, 2, 3][..]));
    assert!(bad.timestamp.is_some());
    assert!(bad.to_string().contains("totals[0]@1"), "{bad}");

    let third = tokio::time::timeout(WITHIN, consumer.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((third.offset, third.value), (2, Some(3)));

    // The bad record counts as consumed: a commit moves past it.
    assert_eq!(consumer.position(&tp).unwrap(), Some(3));
    consumer.commit().await.unwrap();
    assert_eq!(
        consumer.committed(std::slice::from_ref(&tp)).await.unwrap()[&tp],
        Some(3)
    );
}

#[tokio::test]
async fn auto_commit_commits_only_records_the_application_is_done_with() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("auto", 1).unwrap();
    produce_strings(&cluster, "auto", 0, 0..10, "a");
    let tp = TopicPartition::new("auto", 0);
    let consumer = group_builder(&cluster, "auto-group")
        .enable_auto_commit(true)
        .set("auto.commit.interval.ms", "100")
        .build()
        .unwrap();
    consumer.subscribe(&["auto"]).await.unwrap();

    // Five records handed out; the fifth is still being processed, since
    // the application has not asked for the next one yet.
    assert_eq!(
        offsets(&recv_n(&consumer, 5, WITHIN).await),
        vec![0, 1, 2, 3, 4]
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(committed(&consumer, &tp).await, Some(4));

    // Asking for the next record marks the fifth as done.
    assert_eq!(offsets(&recv_n(&consumer, 1, WITHIN).await), vec![5]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(committed(&consumer, &tp).await, Some(5));

    // Closing commits everything handed out.
    consumer.close().await.unwrap();
    let next = group_builder(&cluster, "auto-group").build().unwrap();
    assert_eq!(committed(&next, &tp).await, Some(6));
}

#[tokio::test]
async fn end_and_beginning_offsets_of_many_partitions_on_two_leaders() {
    let cluster = EmbeddedKafka::start(2).unwrap();
    cluster.create_topic("ledger", 3).unwrap();
    cluster.set_partition_leader("ledger", 0, 1).unwrap();
    cluster.set_partition_leader("ledger", 1, 2).unwrap();
    cluster.set_partition_leader("ledger", 2, 2).unwrap();
    produce_strings(&cluster, "ledger", 0, 0..5, "a");
    produce_strings(&cluster, "ledger", 2, 0..12, "c");
    let partitions: Vec<TopicPartition> =
        (0..3).map(|p| TopicPartition::new("ledger", p)).collect();

    // Nothing assigned, no group: offsets are read, not consumed.
    let consumer = Consumer::<String, String>::new(&cluster.client_config()).unwrap();
    let ends = consumer.end_offsets(&partitions).await.unwrap();
    let expected: std::collections::HashMap<TopicPartition, i64> = [
        (partitions[0].clone(), 5),
        (partitions[1].clone(), 0),
        (partitions[2].clone(), 12),
    ]
    .into();
    assert_eq!(ends, expected);
    let beginnings = consumer.beginning_offsets(&partitions).await.unwrap();
    assert!(
        beginnings.len() == 3 && beginnings.values().all(|o| *o == 0),
        "{beginnings:?}"
    );
    // The same as the watermarks, which take two requests per partition.
    for tp in &partitions {
        assert_eq!(
            consumer.watermarks(tp).await.unwrap(),
            (beginnings[tp], ends[tp])
        );
    }
    assert!(consumer.end_offsets(&[]).await.unwrap().is_empty());

    // More records move the end.
    produce_strings(&cluster, "ledger", 1, 0..3, "b");
    let ends = consumer.end_offsets(&partitions[1..2]).await.unwrap();
    assert_eq!(ends[&partitions[1]], 3);

    // A partition that does not exist fails the call, naming it.
    let missing = TopicPartition::new("ledger", 7);
    let err = consumer
        .end_offsets(&[partitions[0].clone(), missing.clone()])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Partition { partition, .. } if *partition == missing),
        "{err:?}"
    );
}
