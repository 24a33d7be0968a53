//! The raw rdkafka baselines' plumbing: a producer context that counts
//! delivery reports, and a `BaseProducer` with a polling thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::error::KafkaError;
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;

use crate::Failure;

/// Counts delivery reports: how many succeeded and how many failed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counting {
    pub(crate) delivered: Arc<AtomicU64>,
    pub(crate) failed: Arc<AtomicU64>,
}

impl ClientContext for Counting {}

impl ProducerContext for Counting {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.delivered.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.failed.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// rdkafka's `BaseProducer` with a thread that polls it, as the typed
/// producer has: the fastest way rdkafka offers to send many records.
pub(crate) struct PolledProducer {
    pub(crate) producer: Arc<BaseProducer<Counting>>,
    pub(crate) counts: Counting,
    stop: Arc<AtomicBool>,
    poller: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PolledProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolledProducer").finish_non_exhaustive()
    }
}

impl PolledProducer {
    pub(crate) fn new(config: &rdkafka::ClientConfig) -> Result<Self, Failure> {
        let counts = Counting::default();
        let producer: BaseProducer<Counting> = config.create_with_context(counts.clone())?;
        let producer = Arc::new(producer);
        let stop = Arc::new(AtomicBool::new(false));
        let poller = {
            let producer = producer.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    producer.poll(Duration::from_millis(100));
                }
            })
        };
        Ok(PolledProducer {
            producer,
            counts,
            stop,
            poller: Some(poller),
        })
    }

    /// Sends one record, waiting for room while librdkafka's queue is full.
    /// Without a partition, librdkafka's partitioner picks one (for keyless
    /// records: sticky random, which fills one partition at a time).
    pub(crate) fn send(
        &self,
        topic: &str,
        partition: Option<i32>,
        key: Option<&[u8]>,
        value: &[u8],
    ) -> Result<(), Failure> {
        let mut record = BaseRecord::<[u8], [u8]>::to(topic).payload(value);
        if let Some(key) = key {
            record = record.key(key);
        }
        if let Some(partition) = partition {
            record = record.partition(partition);
        }
        self.send_record(record)
    }

    /// Sends a record built by the caller (with headers, say), waiting for
    /// room while librdkafka's queue is full.
    pub(crate) fn send_record(
        &self,
        mut record: BaseRecord<'_, [u8], [u8]>,
    ) -> Result<(), Failure> {
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_micros(200));
                }
                Err((error, _)) => return Err(error.into()),
            }
        }
    }

    /// Waits for every record's delivery report; fails if any failed.
    pub(crate) fn flush(&self) -> Result<(), Failure> {
        self.producer.flush(Duration::from_secs(120))?;
        let failed = self.counts.failed.load(Ordering::Relaxed);
        if failed > 0 {
            return Err(format!("{failed} records were not delivered").into());
        }
        Ok(())
    }
}

impl Drop for PolledProducer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(poller) = self.poller.take() {
            let _ = poller.join();
        }
    }
}
