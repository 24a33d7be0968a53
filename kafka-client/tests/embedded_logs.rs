//! The embedded cluster's own librdkafka log lines reach `tracing`. A test
//! binary of its own: it installs the process-wide subscriber (the cluster
//! logs from its own thread).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_client::{ClientConfig, EmbeddedKafka, Producer, ProducerRecord};

/// Everything the subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_debugging_cluster_logs_the_requests_it_serves_through_tracing() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("librdkafka=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let cluster = EmbeddedKafka::builder().debug("mock").start().unwrap();
    cluster.create_topic("traced", 1).unwrap();
    let config: ClientConfig = cluster.client_config();
    let producer: Producer<String, String> = Producer::new(&config).unwrap();
    producer
        .send(ProducerRecord::new("traced", "hello".to_string()))
        .await
        .unwrap();

    // The cluster hands its log lines on every 10 ms.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let seen = |text: &str| text.contains("MOCK") && text.contains("ProduceRequest");
    while !seen(&captured.text()) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = captured.text();
    assert!(
        seen(&text),
        "no mock broker line about the produce request in:\n{text}"
    );
}
