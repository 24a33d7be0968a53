mod consumer_support;
use kafka_client::consumer::{Consumer, OffsetReset};
use kafka_client::EmbeddedKafka;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratch() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("t", 2).unwrap();
    consumer_support::produce_strings(&cluster, "t", 0, 0..50000, "x");
    for round in 0..2 {
        let start = Instant::now();
        let consumer = Consumer::<String, String>::builder(&cluster.client_config())
            .group_id(format!("g{round}"))
            .auto_offset_reset(OffsetReset::Earliest)
            .set("debug", if round == 0 { "cgrp,fetch" } else { "generic" })
            .build()
            .unwrap();
        consumer.subscribe(&["t"]).await.unwrap();
        let r = tokio::time::timeout(Duration::from_secs(8), consumer.recv()).await;
        eprintln!(
            "round {round}: {:?} after {:?}",
            r.map(|r| r.map(|r| r.offset)),
            start.elapsed()
        );
        let t = Instant::now();
        let mut n = 1;
        while n < 50000 {
            consumer.recv().await.unwrap();
            n += 1;
        }
        eprintln!("50000 records in {:?}", t.elapsed());
        let t = Instant::now();
        consumer.close().await.unwrap();
        eprintln!("closed in {:?}", t.elapsed());
    }
}
