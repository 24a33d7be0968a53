//! What a stream thread's loop and its rebalance listener share.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use kafka_client::consumer::Consumer;
use kafka_client::producer::Producer;
use kafka_client::serde::BytesSerde;

use super::app::{AppContext, ThreadHandle};
use super::config::ClientRole;
use super::handlers::ProductionHandler;
use super::metrics::MetricsRecorder;
use crate::error::{Error, Result};

/// One stream thread's clients and shared state.
#[derive(Debug)]
pub(crate) struct ThreadEnv {
    pub(crate) app: Arc<AppContext>,
    pub(crate) thread: Arc<ThreadHandle>,
    /// This thread's own producer: its `flush` waits only for this thread's
    /// output.
    pub(crate) producer: Producer<Vec<u8>, Vec<u8>>,
    /// Reads changelogs when tasks arrive (manual assignment, no group).
    pub(crate) restore_consumer: Consumer<Vec<u8>, Vec<u8>>,
    /// Set when the thread failed: nothing may be committed after that.
    pub(crate) failed: AtomicBool,
}

impl ThreadEnv {
    pub(crate) fn new(app: Arc<AppContext>, thread: Arc<ThreadHandle>) -> Result<Self> {
        let id = app.application_id().to_string();
        let producer = Producer::builder(
            &app.config
                .client_for(ClientRole::Producer)
                .set_default("client.id", format!("{id}-StreamThread-{}-producer", thread.index))
                .set_default("linger.ms", "5"),
        )
        .key_serde(BytesSerde)
        .value_serde(BytesSerde)
        .build()
        .map_err(|e| Error::client("creating the stream thread's producer", e))?;
        let restore_consumer = Consumer::<Vec<u8>, Vec<u8>>::builder(
            &app.config
                .client_for(ClientRole::Consumer)
                .remove("group.id")
                .set("client.id", format!("{id}-StreamThread-{}-restore-consumer", thread.index)),
        )
        .key_deserializer(BytesSerde)
        .value_deserializer(BytesSerde)
        .build()
        .map_err(|e| Error::client("creating the restore consumer", e))?;
        Ok(ThreadEnv {
            app,
            thread,
            producer,
            restore_consumer,
            failed: AtomicBool::new(false),
        })
    }

    /// Waits until every record this thread produced is acknowledged.
    /// Failures stop the application, unless the production handler says
    /// to log them and go on.
    pub(crate) async fn flush_output(&self) -> Result<()> {
        match self.producer.flush().await {
            Ok(()) => Ok(()),
            Err(error) => match self.app.config.production_handler_ref() {
                ProductionHandler::Fail => Err(Error::client("delivering output records", error)),
                ProductionHandler::LogAndContinue => {
                    let lost = match &error {
                        kafka_client::Error::Undelivered { failures } => failures.len() as u64,
                        _ => 1,
                    };
                    tracing::error!(%error, lost, "output records were not delivered; continuing as configured");
                    MetricsRecorder::add(&self.app.metrics.records_failed_to_produce, lost);
                    Ok(())
                }
            },
        }
    }
}
