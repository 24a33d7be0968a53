//! The thread that owns librdkafka's mock cluster. The one place in the
//! workspace that needs `unsafe`: librdkafka's setting for the first group
//! rebalance delay has no safe wrapper in `rdkafka`.
#![allow(unsafe_code)]

use std::sync::mpsc;
use std::time::Duration;

use rdkafka::error::KafkaError;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, Producer as _};

use super::EmbeddedKafkaBuilder;
use crate::error::{Error, Result};
use crate::logging::TracingContext;

/// The mock cluster as the thread sees it.
pub(crate) type Mock<'c> = MockCluster<'c, TracingContext>;

/// Work for the cluster's thread.
pub(crate) enum MockCommand {
    /// Run this on the mock cluster.
    Run(Box<dyn FnOnce(&Mock<'_>) + Send>),
    /// Stop the cluster.
    Shutdown,
}

/// Starts a mock cluster as `settings` say, reports its bootstrap string on
/// `ready`, then runs commands until told to stop or every handle is gone.
pub(crate) fn serve(
    settings: &EmbeddedKafkaBuilder,
    commands: mpsc::Receiver<MockCommand>,
    ready: mpsc::SyncSender<Result<String>>,
) {
    let client = match owner_client(settings) {
        Ok(client) => client,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let Some(mock) = client.client().mock_cluster() else {
        let _ = ready.send(Err(Error::Embedded(
            "librdkafka did not create a mock cluster".into(),
        )));
        return;
    };
    let delay_ms = i32::try_from(settings.initial_rebalance_delay.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: `client` owns the mock cluster and outlives this call; the
    // pointer is checked for null before use and used on this thread only.
    unsafe {
        let raw = rdkafka_sys::rd_kafka_handle_mock_cluster(client.client().native_ptr());
        if !raw.is_null() {
            rdkafka_sys::rd_kafka_mock_group_initial_rebalance_delay_ms(raw, delay_ms);
        }
    }
    if ready.send(Ok(mock.bootstrap_servers())).is_err() {
        return;
    }
    loop {
        let command = if settings.debug.is_some() {
            // The cluster's log lines wait on its client's queue.
            serve_logs(&client);
            match commands.recv_timeout(LOG_SERVE_INTERVAL) {
                Ok(command) => command,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match commands.recv() {
                Ok(command) => command,
                Err(_) => break,
            }
        };
        match command {
            MockCommand::Run(op) => op(&mock),
            MockCommand::Shutdown => break,
        }
    }
    drop(mock);
    serve_logs(&client);
    drop(client);
}

/// How often a cluster with debug logging on hands its log lines to
/// `tracing`.
const LOG_SERVE_INTERVAL: Duration = Duration::from_millis(10);

/// The most log lines handed on per look: rdkafka's producer poll serves
/// one event per call without a wait.
const LOG_SERVE_MAX: usize = 10_000;

/// Hands the log lines and errors waiting on the owner client's queue to
/// its context (rdkafka routes them there, to be served by polls), until a
/// poll finds none.
fn serve_logs(client: &BaseProducer<TracingContext>) {
    for _ in 0..LOG_SERVE_MAX {
        client.poll(Duration::ZERO);
        if !client.context().take_served() {
            break;
        }
    }
}

fn owner_client(settings: &EmbeddedKafkaBuilder) -> Result<BaseProducer<TracingContext>> {
    let mut config = rdkafka::ClientConfig::new();
    config.set("test.mock.num.brokers", settings.brokers.to_string());
    config.set_log_level(rdkafka::config::RDKafkaLogLevel::Error);
    if let Some(debug) = &settings.debug {
        config.set("debug", debug);
        config.set_log_level(rdkafka::config::RDKafkaLogLevel::Debug);
    }
    config
        .create_with_context(TracingContext::default())
        .map_err(|e| match e {
            // A bad value of the one setting a caller gives (the broker count
            // is checked before).
            KafkaError::ClientConfig(_, message, key, _) if settings.debug.is_some() => {
                Error::Config { key, message }
            }
            other => Error::Embedded(format!("could not create the mock cluster: {other}")),
        })
}
