//! Admin operations against the embedded cluster.

use kafka_client::{Admin, EmbeddedKafka, Error, NewTopic};

#[tokio::test]
async fn create_describe_and_list_topics_on_the_embedded_cluster() {
    let cluster = EmbeddedKafka::start(3).unwrap();
    let admin = Admin::new(&cluster.client_config()).unwrap();
    assert!(admin.is_embedded());

    admin
        .create_topics(&[NewTopic::new("orders", 6), NewTopic::new("payments", 2)])
        .await
        .unwrap();
    let orders = admin.describe_topic("orders").await.unwrap();
    assert_eq!(orders.partitions.len(), 6);
    assert_eq!(
        orders.partitions.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4, 5]
    );
    assert!(orders
        .partitions
        .iter()
        .all(|p| (1..=3).contains(&p.leader)));
    assert_eq!(admin.partition_count("payments").await.unwrap(), 2);
    assert_eq!(
        admin.list_topics().await.unwrap(),
        vec!["orders", "payments"]
    );

    // Creating it again names the topic; the lenient form accepts a match
    // and refuses a different partition count.
    let err = admin
        .create_topics(&[NewTopic::new("orders", 6)])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("orders"), "{err}");
    assert!(!admin
        .create_topic_if_missing(&NewTopic::new("orders", 6))
        .await
        .unwrap());
    let err = admin
        .create_topic_if_missing(&NewTopic::new("orders", 3))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("6 partitions"), "{err}");
    assert!(admin
        .create_topic_if_missing(&NewTopic::new("fresh", 1))
        .await
        .unwrap());

    // Looking a topic up never creates it.
    assert!(matches!(
        admin.describe_topic("missing").await,
        Err(Error::UnknownTopic { topic }) if topic == "missing"
    ));
    assert!(!admin.topic_exists("missing").await.unwrap());

    assert!(matches!(
        admin.delete_topics(&["orders"]).await,
        Err(Error::Unsupported { .. })
    ));
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_clear_error_within_the_timeout() {
    // Port 1 on loopback: nothing listens there.
    let config = kafka_client::ClientConfig::new()
        .bootstrap_servers("127.0.0.1:1")
        .request_timeout(std::time::Duration::from_secs(2));
    let admin = Admin::new(&config).unwrap();
    let started = std::time::Instant::now();
    let err = admin.list_topics().await.unwrap_err();
    assert!(matches!(err, Error::BrokerUnreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn a_bad_config_value_names_the_setting() {
    let config = kafka_client::ClientConfig::new()
        .bootstrap_servers("127.0.0.1:1")
        .set("acks", "sometimes");
    let err = Admin::new(&config).unwrap_err();
    assert!(
        matches!(&err, Error::Config { key, .. } if key == "acks"),
        "{err:?}"
    );
}
