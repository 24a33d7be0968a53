//! librdkafka's log lines and client errors as `tracing` events (target
//! `librdkafka`), for the producer, the consumer and the embedded cluster:
//! rdkafka's default context writes them to the `log` crate instead, which
//! an application that only installs a `tracing` subscriber may never see.
//!
//! rdkafka routes a client's log lines to its main queue, so they reach a
//! context only when something polls that queue. The admin client's never
//! is (rdkafka's `AdminClient` polls a queue of its own for results, and
//! offers no safe way to poll the main one), so it keeps rdkafka's default
//! context.

use std::sync::atomic::{AtomicBool, Ordering};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::message::DeliveryResult;
use rdkafka::producer::ProducerContext;

/// Emits one librdkafka log line at its level. `facility` is librdkafka's
/// name for the part of the client that wrote it (`CGRPOP`, `MOCK`...).
pub(crate) fn forward(level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg
        | RDKafkaLogLevel::Alert
        | RDKafkaLogLevel::Critical
        | RDKafkaLogLevel::Error => {
            tracing::error!(target: "librdkafka", facility, "{message}")
        }
        RDKafkaLogLevel::Warning => tracing::warn!(target: "librdkafka", facility, "{message}"),
        RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
            tracing::info!(target: "librdkafka", facility, "{message}")
        }
        RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", facility, "{message}"),
    }
}

/// The context of the embedded cluster's owning client, which needs
/// nothing but its logs.
#[derive(Debug, Default)]
pub(crate) struct TracingContext {
    /// Set when a log line or an error was handed on (see
    /// [`take_served`](Self::take_served)).
    served: AtomicBool,
}

impl TracingContext {
    /// Whether a poll handed on a log line or an error since the last call:
    /// rdkafka's producer poll says nothing of what it served, so this is
    /// how its caller knows the queue is empty.
    pub(crate) fn take_served(&self) -> bool {
        self.served.swap(false, Ordering::Relaxed)
    }
}

impl ClientContext for TracingContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        self.served.store(true, Ordering::Relaxed);
        forward(level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.served.store(true, Ordering::Relaxed);
        tracing::warn!(target: "librdkafka", %error, "embedded cluster: {reason}");
    }
}

impl ProducerContext for TracingContext {
    type DeliveryOpaque = ();

    fn delivery(&self, _: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {}
}
