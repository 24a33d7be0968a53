//! The thread that owns librdkafka's mock cluster. The one place in the
//! workspace that needs `unsafe`: librdkafka's setting for the first group
//! rebalance delay has no safe wrapper in `rdkafka`.
#![allow(unsafe_code)]

use std::sync::mpsc;
use std::time::Duration;

use rdkafka::client::{Client, DefaultClientContext};
use rdkafka::mocking::MockCluster;
use rdkafka::types::RDKafkaType;

use crate::error::{Error, Result};

/// The mock cluster as the thread sees it.
pub(crate) type Mock<'c> = MockCluster<'c, DefaultClientContext>;

/// Work for the cluster's thread.
pub(crate) enum MockCommand {
    /// Run this on the mock cluster.
    Run(Box<dyn FnOnce(&Mock<'_>) + Send>),
    /// Stop the cluster.
    Shutdown,
}

/// Starts a mock cluster, reports its bootstrap string on `ready`, then runs
/// commands until told to stop or every handle is gone.
pub(crate) fn serve(
    brokers: i32,
    initial_rebalance_delay: Duration,
    commands: mpsc::Receiver<MockCommand>,
    ready: mpsc::SyncSender<Result<String>>,
) {
    let client = match owner_client(brokers) {
        Ok(client) => client,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let Some(mock) = client.mock_cluster() else {
        let _ = ready.send(Err(Error::Embedded(
            "librdkafka did not create a mock cluster".into(),
        )));
        return;
    };
    let delay_ms = i32::try_from(initial_rebalance_delay.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: `client` owns the mock cluster and outlives this call; the
    // pointer is checked for null before use and used on this thread only.
    unsafe {
        let raw = rdkafka_sys::rd_kafka_handle_mock_cluster(client.native_ptr());
        if !raw.is_null() {
            rdkafka_sys::rd_kafka_mock_group_initial_rebalance_delay_ms(raw, delay_ms);
        }
    }
    if ready.send(Ok(mock.bootstrap_servers())).is_err() {
        return;
    }
    while let Ok(command) = commands.recv() {
        match command {
            MockCommand::Run(op) => op(&mock),
            MockCommand::Shutdown => break,
        }
    }
    drop(mock);
    drop(client);
}

fn owner_client(brokers: i32) -> Result<Client<DefaultClientContext>> {
    let mut config = rdkafka::ClientConfig::new();
    config.set("test.mock.num.brokers", brokers.to_string());
    config.set_log_level(rdkafka::config::RDKafkaLogLevel::Error);
    let native = config
        .create_native_config()
        .map_err(|e| Error::Embedded(format!("bad mock configuration: {e}")))?;
    Client::new(
        &config,
        native,
        RDKafkaType::RD_KAFKA_PRODUCER,
        DefaultClientContext,
    )
    .map_err(|e| Error::Embedded(format!("could not create the mock cluster: {e}")))
}
