//! Consumer errors that must be clear: missing topics and partitions, bad
//! settings, unreachable or failing brokers.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod consumer_support;

use std::time::Duration;

use consumer_support::{produce_strings, recv_n};
use kafka_client::consumer::{Consumer, Offset};
use kafka_client::{ClientConfig, EmbeddedKafka, Error, TopicPartition};

#[tokio::test]
async fn missing_topics_and_partitions_are_named_and_never_created() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("present", 2).unwrap();

    let member = consumer_support::group_builder(&cluster, "g")
        .build()
        .unwrap();
    let err = member.subscribe(&["present", "absent"]).await.unwrap_err();
    assert!(
        matches!(&err, Error::UnknownTopic { topic } if topic == "absent"),
        "{err:?}"
    );
    assert!(err.to_string().contains("absent"), "{err}");

    let reader = Consumer::<String, String>::new(&cluster.client_config()).unwrap();
    let err = reader
        .assign(&[TopicPartition::new("absent", 0)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownTopic { topic } if topic == "absent"),
        "{err:?}"
    );
    let err = reader
        .assign_at(&[(TopicPartition::new("present", 5), Offset::Beginning)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownPartition { topic, partition: 5, partition_count: 2 } if topic == "present"),
        "{err:?}"
    );
    // Nothing was created on the way.
    assert_eq!(reader.partitions_for("present").await.unwrap().len(), 2);
    assert!(matches!(
        reader.partitions_for("absent").await,
        Err(Error::UnknownTopic { .. })
    ));

    // A group needs a group.id; a manual reader cannot commit.
    assert!(matches!(
        reader.subscribe(&["present"]).await,
        Err(Error::InvalidState { .. })
    ));
    assert!(matches!(
        reader
            .commit_offsets(&[(TopicPartition::new("present", 0), 1)])
            .await,
        Err(Error::InvalidState { .. })
    ));
    // A subscribed consumer does not also take partitions by hand.
    member.subscribe(&["present"]).await.unwrap();
    assert!(matches!(
        member.assign(&[TopicPartition::new("present", 0)]).await,
        Err(Error::InvalidState { .. })
    ));
    assert_eq!(member.subscription(), vec!["present".to_string()]);
}

#[test]
fn a_bad_setting_is_named() {
    let config = ClientConfig::new().bootstrap_servers("127.0.0.1:9");
    let err = Consumer::<String, String>::builder(&config)
        .set("session.timeout.ms", "soon")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { key, .. } if key == "session.timeout.ms"),
        "{err:?}"
    );
    assert!(err.to_string().contains("session.timeout.ms"), "{err}");

    let err = Consumer::<String, String>::builder(&config)
        .group_id(" ")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { key, .. } if key == "group.id"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_clear_error_in_bounded_time() {
    // Port 1 on loopback: nothing listens there.
    let config = ClientConfig::new()
        .bootstrap_servers("127.0.0.1:1")
        .request_timeout(Duration::from_secs(2));
    let consumer = Consumer::<String, String>::builder(&config)
        .group_id("g")
        .build()
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(30), consumer.subscribe(&["t"]))
        .await
        .expect("subscribe must not hang")
        .unwrap_err();
    assert!(matches!(err, Error::BrokerUnreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_taken_down_and_brought_back_loses_nothing() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("payments", 2).unwrap();
    for p in 0..2 {
        produce_strings(&cluster, "payments", p, 0..50, "before");
    }
    let consumer = consumer_support::group_builder(&cluster, "payments-reader")
        .build()
        .unwrap();
    consumer.subscribe(&["payments"]).await.unwrap();
    let mut seen = recv_n(&consumer, 60, Duration::from_secs(15)).await;
    consumer.commit().await.unwrap();

    cluster.broker_down(1).unwrap();
    // Records written while the broker is down wait in the producer.
    let bootstrap = cluster.bootstrap_servers().to_string();
    let writer = std::thread::spawn(move || {
        use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _};
        let producer: BaseProducer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .create()
            .unwrap();
        for i in 50..100 {
            for p in 0..2 {
                let value = format!("during-{i}");
                producer
                    .send(
                        BaseRecord::<[u8], [u8]>::to("payments")
                            .partition(p)
                            .payload(value.as_bytes()),
                    )
                    .unwrap();
            }
        }
        producer.flush(Duration::from_secs(60)).unwrap();
    });
    // The consumer hands out what it had fetched, then waits; while it
    // waits in recv, the reason is visible.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while consumer.last_client_error().is_none() && std::time::Instant::now() < deadline {
        if let Ok(record) = tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await
        {
            seen.push(record.unwrap());
        }
    }
    let reported = consumer.last_client_error().expect("the outage is visible");
    assert!(
        reported.reason.contains("127.0.0.1") || reported.reason.contains("down"),
        "{reported:?}"
    );

    cluster.broker_up(1).unwrap();
    let missing = 200 - seen.len();
    seen.extend(recv_n(&consumer, missing, Duration::from_secs(30)).await);
    writer.join().unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(500), consumer.recv())
            .await
            .is_err(),
        "duplicates"
    );

    for p in 0..2 {
        let got: Vec<i64> = seen
            .iter()
            .filter(|r| r.partition == p)
            .map(|r| r.offset)
            .collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>(), "partition {p}");
    }
    consumer.close().await.unwrap();
}
