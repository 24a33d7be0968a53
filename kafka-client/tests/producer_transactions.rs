//! Transactions on the typed producer, against the embedded cluster.
//!
//! The mock cluster speaks the transaction protocol (InitProducerId with
//! epochs and fencing, AddPartitionsToTxn, AddOffsetsToTxn,
//! TxnOffsetCommit, EndTxn) but does not implement its effects: EndTxn
//! writes no commit/abort markers, so a `read_committed` consumer also sees
//! aborted records, and TxnOffsetCommit does not store the offsets. So
//! these tests check what the client does (which calls succeed, which
//! fail and how, what is delivered or purged, the in-flight accounting),
//! not that the broker hides aborted records or commits offsets
//! atomically: that needs a real Kafka broker.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

mod consumer_support;
mod producer_support;

use std::time::Duration;

use kafka_client::embedded::{ApiKey, BrokerErrorCode};
use kafka_client::{
    ClientConfig, EmbeddedKafka, Error, Producer, ProducerRecord, Result, TopicPartition,
};
use producer_support::read_all;
use rdkafka::types::RDKafkaErrorCode;

fn transactional_config(cluster: &EmbeddedKafka, id: &str) -> ClientConfig {
    cluster
        .client_config()
        .request_timeout(Duration::from_secs(10))
        .set("transactional.id", id)
        .set("linger.ms", "1")
}

async fn transactional_producer(cluster: &EmbeddedKafka, id: &str) -> Producer<String, String> {
    let producer = Producer::new(&transactional_config(cluster, id)).unwrap();
    producer.init_transactions().await.unwrap();
    producer
}

fn record(topic: &str, value: impl Into<String>) -> ProducerRecord<String, String> {
    ProducerRecord::new(topic, value.into())
}

fn is_transaction_error(error: &Error, op: &str) -> bool {
    matches!(error, Error::Transaction { operation, .. } if *operation == op)
}

/// The librdkafka code of a record's delivery failure.
fn delivery_code(error: &Error) -> Option<RDKafkaErrorCode> {
    match error {
        Error::Delivery { source, .. } => source.rdkafka_error_code(),
        _ => None,
    }
}

#[tokio::test]
async fn committed_transactions_deliver_every_record() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("txn-out", 2).unwrap();
    let producer = transactional_producer(&cluster, "round-trip").await;

    for round in 0..2 {
        producer.begin_transaction().unwrap();
        for i in 0..10 {
            producer
                .enqueue(record("txn-out", format!("r{round}-{i}")))
                .await
                .unwrap();
        }
        let stored = producer
            .send(record("txn-out", format!("r{round}-sync")))
            .await
            .unwrap();
        assert_eq!(stored.topic, "txn-out");
        producer.commit_transaction().await.unwrap();
        assert_eq!(producer.in_flight(), 0, "commit delivers everything");
    }
    producer.flush().await.unwrap();

    let mut values: Vec<String> = read_all(cluster.bootstrap_servers(), "txn-out", 2, 22)
        .iter()
        .map(|r| r.value_str().to_string())
        .collect();
    values.sort();
    let mut expected: Vec<String> = (0..2)
        .flat_map(|round| {
            (0..10)
                .map(move |i| format!("r{round}-{i}"))
                .chain([format!("r{round}-sync")])
        })
        .collect();
    expected.sort();
    assert_eq!(values, expected);
}

#[tokio::test]
async fn abort_purges_unsent_records_and_the_next_transaction_commits() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("txn-abort", 1).unwrap();
    let producer = transactional_producer(&cluster, "aborter").await;
    // Learn the partition count before slowing the broker down.
    assert_eq!(producer.partition_count("txn-abort").await.unwrap(), 1);

    // Every response takes 500 ms: the transaction's AddPartitionsToTxn is
    // still pending when we abort, so no record has left the client.
    cluster
        .set_round_trip_time(1, Duration::from_millis(500))
        .unwrap();
    producer.begin_transaction().unwrap();
    let mut futures = Vec::new();
    for i in 0..5 {
        futures.push(
            producer
                .send_async(record("txn-abort", format!("aborted-{i}")))
                .await
                .unwrap(),
        );
    }
    for i in 0..5 {
        // Nobody waits on these: the abort must not leave them to a flush.
        producer
            .enqueue(record("txn-abort", format!("aborted-quiet-{i}")))
            .await
            .unwrap();
    }
    assert_eq!(producer.in_flight(), 10);
    producer.abort_transaction().await.unwrap();
    assert_eq!(
        producer.in_flight(),
        0,
        "every purged record was counted out"
    );
    for future in futures {
        let failure = future.await.unwrap_err();
        assert!(
            matches!(
                delivery_code(&failure.error),
                Some(RDKafkaErrorCode::PurgeQueue | RDKafkaErrorCode::PurgeInflight)
            ),
            "{failure}"
        );
        assert!(failure.value.is_some(), "the record's data comes back");
    }
    producer
        .flush()
        .await
        .expect("the aborted records are not reported again");

    cluster.set_round_trip_time(1, Duration::ZERO).unwrap();
    producer.begin_transaction().unwrap();
    for i in 0..3 {
        producer
            .enqueue(record("txn-abort", format!("kept-{i}")))
            .await
            .unwrap();
    }
    producer.commit_transaction().await.unwrap();
    assert_eq!(producer.in_flight(), 0);

    // The aborted records never reached the broker (purged before sending),
    // so the log holds exactly the committed ones. (Had they been written,
    // the mock would show them even to read_committed: it writes no abort
    // markers.)
    let stored = read_all(cluster.bootstrap_servers(), "txn-abort", 1, 3);
    let values: Vec<&str> = stored.iter().map(|r| r.value_str()).collect();
    assert_eq!(values, ["kept-0", "kept-1", "kept-2"]);
    let counts =
        producer_support::counts_per_partition(cluster.bootstrap_servers(), "txn-abort", 1);
    assert_eq!(counts, [3]);
}

#[tokio::test]
async fn a_partition_the_coordinator_refuses_makes_the_commit_abortable() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("txn-fail", 1).unwrap();
    let producer = transactional_producer(&cluster, "rejected").await;
    assert_eq!(producer.partition_count("txn-fail").await.unwrap(), 1);

    producer.begin_transaction().unwrap();
    cluster
        .push_request_errors(
            ApiKey::AddPartitionsToTxn,
            &[BrokerErrorCode::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED],
        )
        .unwrap();
    let failed = producer
        .send(record("txn-fail", "too big"))
        .await
        .unwrap_err();
    assert!(matches!(failed.error, Error::Delivery { .. }), "{failed}");

    let err = producer.commit_transaction().await.unwrap_err();
    assert!(is_transaction_error(&err, "commit_transaction"), "{err}");
    assert!(err.requires_abort(), "{err:?}");
    assert!(!err.is_fenced(), "{err:?}");
    assert!(err.to_string().contains("abort_transaction"), "{err}");

    producer.abort_transaction().await.unwrap();
    assert_eq!(producer.in_flight(), 0);
    producer.begin_transaction().unwrap();
    producer.send(record("txn-fail", "fine")).await.unwrap();
    producer.commit_transaction().await.unwrap();
}

#[tokio::test]
async fn misuse_of_the_transaction_calls_is_a_clear_error() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("txn-misuse", 1).unwrap();
    let producer: Producer<String, String> =
        Producer::new(&transactional_config(&cluster, "misuse")).unwrap();

    // Before init_transactions.
    let err = producer.begin_transaction().unwrap_err();
    assert!(is_transaction_error(&err, "begin_transaction"), "{err}");
    assert!(err.to_string().contains("init_transactions"), "{err}");

    producer.init_transactions().await.unwrap();

    // Commit and abort without a transaction.
    let err = producer.commit_transaction().await.unwrap_err();
    assert!(is_transaction_error(&err, "commit_transaction"), "{err}");
    assert!(err.to_string().contains("begin_transaction"), "{err}");
    assert!(!err.requires_abort() && !err.is_fenced() && !err.is_retriable());

    // Sending outside a transaction.
    let err = producer
        .send(record("txn-misuse", "outside"))
        .await
        .unwrap_err()
        .into_error();
    assert!(is_transaction_error(&err, "send"), "{err}");
    assert!(err.to_string().contains("begin_transaction"), "{err}");
    assert_eq!(producer.in_flight(), 0);

    // Beginning twice.
    producer.begin_transaction().unwrap();
    let err = producer.begin_transaction().unwrap_err();
    assert!(is_transaction_error(&err, "begin_transaction"), "{err}");
    assert!(err.to_string().contains("already open"), "{err}");

    // The open transaction is unharmed.
    producer.send(record("txn-misuse", "inside")).await.unwrap();
    producer.commit_transaction().await.unwrap();
    let stored = read_all(cluster.bootstrap_servers(), "txn-misuse", 1, 1);
    assert_eq!(stored[0].value_str(), "inside");
}

#[tokio::test]
async fn offsets_go_into_the_transaction_with_a_consumers_group_metadata() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("txn-in", 1).unwrap();
    cluster.create_topic("txn-copied", 1).unwrap();
    consumer_support::produce_strings(&cluster, "txn-in", 0, 0..5, "in");

    let consumer = consumer_support::group_builder(&cluster, "copier")
        .build()
        .unwrap();
    let no_group: kafka_client::Consumer<String, String> =
        kafka_client::Consumer::new(&cluster.client_config()).unwrap();
    assert!(
        no_group.group_metadata().is_none(),
        "no group.id, no metadata"
    );

    consumer.subscribe(&["txn-in"]).await.unwrap();
    let records = consumer_support::recv_n(&consumer, 5, Duration::from_secs(20)).await;

    let producer = transactional_producer(&cluster, "copier-0").await;
    producer.begin_transaction().unwrap();
    for r in &records {
        producer
            .enqueue(record("txn-copied", r.value.clone().unwrap()))
            .await
            .unwrap();
    }
    let last = records.last().unwrap();
    let group = consumer
        .group_metadata()
        .expect("a group member has metadata");
    assert_eq!(group.group_id(), "copier");
    producer
        .send_offsets_to_transaction(
            &[(TopicPartition::new("txn-in", 0), last.offset + 1)],
            &group,
        )
        .await
        .unwrap();
    producer.commit_transaction().await.unwrap();
    // The mock accepts TxnOffsetCommit but stores nothing, so the group's
    // committed offset cannot be checked here; the copies can.
    let copied = read_all(cluster.bootstrap_servers(), "txn-copied", 1, 5);
    let values: Vec<&str> = copied.iter().map(|r| r.value_str()).collect();
    assert_eq!(values, ["in-0", "in-1", "in-2", "in-3", "in-4"]);

    // A negative offset is refused before anything is sent.
    producer.begin_transaction().unwrap();
    let err = producer
        .send_offsets_to_transaction(&[(TopicPartition::new("txn-in", 0), -1)], &group)
        .await
        .unwrap_err();
    assert!(
        is_transaction_error(&err, "send_offsets_to_transaction"),
        "{err}"
    );
    assert!(err.to_string().contains("txn-in"), "{err}");
    producer.abort_transaction().await.unwrap();
    consumer.close().await.unwrap();
}

#[tokio::test]
async fn a_fenced_producer_gets_fenced_errors_and_the_newer_one_goes_on() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("txn-fence", 1).unwrap();
    let first = transactional_producer(&cluster, "shared-id").await;
    first.begin_transaction().unwrap();
    first.send(record("txn-fence", "from-first")).await.unwrap();

    // A newer producer registers the same id. A real coordinator bumps the
    // id's epoch and answers the older producer's next EndTxn (or
    // AddPartitionsToTxn, TxnOffsetCommit, Produce) with PRODUCER_FENCED.
    // The mock gives the newer producer a new producer id instead and
    // never fences the first, so that answer is injected here.
    let second = transactional_producer(&cluster, "shared-id").await;
    cluster
        .push_request_errors(
            ApiKey::EndTxn,
            &[BrokerErrorCode::RD_KAFKA_RESP_ERR_PRODUCER_FENCED],
        )
        .unwrap();

    let err = first.commit_transaction().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transaction {
                operation: "commit_transaction",
                fenced: true,
                abortable: false,
                retriable: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_fenced() && !err.requires_abort(), "{err:?}");
    assert!(err.to_string().contains("fenced"), "{err}");
    // It stays fenced: sends and the next transaction are refused the
    // same way.
    let err = first
        .send(record("txn-fence", "late"))
        .await
        .unwrap_err()
        .into_error();
    assert!(err.is_fenced(), "{err:?}");
    let err = first.begin_transaction().unwrap_err();
    assert!(err.is_fenced(), "{err:?}");
    assert_eq!(first.in_flight(), 0);

    // The newer producer goes on.
    second.begin_transaction().unwrap();
    second
        .send(record("txn-fence", "from-second"))
        .await
        .unwrap();
    second.commit_transaction().await.unwrap();
}

#[tokio::test]
async fn without_a_transactional_id_every_transaction_call_is_a_config_error() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config()).unwrap();
    let names_the_setting = |result: Result<()>| {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::Config { key, .. } if key == "transactional.id"),
            "{err:?}"
        );
        assert!(err.to_string().contains("transactional.id"), "{err}");
    };
    names_the_setting(producer.init_transactions().await);
    names_the_setting(producer.begin_transaction());
    names_the_setting(producer.commit_transaction().await);
    names_the_setting(producer.abort_transaction().await);
    // A plain producer still sends outside any transaction.
    cluster.create_topic("plain", 1).unwrap();
    producer.send(record("plain", "ok")).await.unwrap();
}
