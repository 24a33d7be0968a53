//! What a stream thread's loop and its rebalance listener share.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use kafka_client::consumer::{Consumer, GroupMetadata};
use kafka_client::producer::Producer;
use kafka_client::serde::BytesSerde;
use kafka_client::{ClientConfig, Headers, ProducerRecord, TopicName, TopicPartition};

use super::app::{AppContext, ThreadHandle};
use super::config::{ClientRole, ProcessingGuarantee};
use super::handlers::ProductionHandler;
use super::metrics::MetricsRecorder;
use super::origin::ORIGIN_HEADER;
use super::task_set::CommitEntry;
use crate::error::{Error, Result};
use crate::task::SinkRecord;

/// How long a stream thread's producer lets a partition's batch fill
/// (`linger.ms`) unless configured: Kafka Streams sets 100 for its
/// producers, librdkafka's own default is 5.
///
/// librdkafka sends one produce request per partition, so a thread writing
/// to N partitions may send N requests every `linger.ms`, each with few
/// records, and the broker pays per request. Measured on word count
/// (200,000 lines, 2 threads, BENCHMARKS.md): against tansu, 20 ms sent
/// 4,326 produce requests where 5 ms sent 12,765 to 27,327, and ran 17 %
/// faster (medians of 4 rounds); 50 ms ran 6 % faster still there, but
/// 5 % slower than 5 ms on the embedded cluster, where 20 ms and 5 ms ran
/// alike. The cost is latency: a record may wait this long per hop before
/// it is sent, and a commit, which waits for the thread's output to be
/// acknowledged, up to this long more (librdkafka's flush does not reliably
/// cut the wait short; measured, commits took no longer).
const PRODUCER_LINGER_MS: &str = "20";

/// A stream thread's producer settings: the application's, with the
/// runtime's defaults for what it left unset (under either of a setting's
/// names: `queue.buffering.max.ms` is librdkafka's other `linger.ms`).
fn producer_defaults(config: ClientConfig, client_id: String) -> ClientConfig {
    config
        .set_default("client.id", client_id)
        .set_default("linger.ms", PRODUCER_LINGER_MS)
}

/// How long the restore consumer's fetches wait for records
/// (`fetch.wait.max.ms`) unless configured; librdkafka's default is 500.
///
/// A restore reads a changelog partition up to an end offset it asked for
/// first, so the records it waits for are there, and a fetch that waits
/// only delays what comes next: a broker answers one connection's requests
/// in order, and librdkafka keeps one fetch in flight per broker, so the
/// next partition's first fetch, and the offset requests of the next task's
/// restore, waited behind the last one. A stream thread took 1.5 to 2 s per
/// task it restored (measured on the embedded cluster: 13 s for 8 tasks
/// with a few hundred changelog records each, after a rebalance in the
/// word count benchmark).
const RESTORE_FETCH_WAIT_MS: &str = "10";

/// The restore consumer's settings: the application's, with the runtime's
/// defaults for what it left unset, and no group (it is assigned by hand).
fn restore_defaults(config: ClientConfig, client_id: String) -> ClientConfig {
    config
        .remove("group.id")
        .set("client.id", client_id)
        .set_default("fetch.wait.max.ms", RESTORE_FETCH_WAIT_MS)
}

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
    /// Whether output, changelogs and offsets commit in transactions.
    pub(crate) exactly_once: bool,
    /// Counts the partitions' departures, so that a lag refresh that
    /// started before one publishes nothing (see [`ThreadEnv::publish_lag`]).
    lag_epoch: Mutex<u64>,
}

impl ThreadEnv {
    pub(crate) fn new(app: Arc<AppContext>, thread: Arc<ThreadHandle>) -> Result<Self> {
        let id = app.application_id().to_string();
        let exactly_once =
            app.config.processing_guarantee_ref() == ProcessingGuarantee::ExactlyOnce;
        let mut producer_config = app.config.client_for(ClientRole::Producer);
        let mut consumer_config = restore_defaults(
            app.config.client_for(ClientRole::RestoreConsumer),
            format!("{id}-StreamThread-{}-restore-consumer", thread.index),
        );
        if exactly_once {
            producer_config = producer_config.set(
                "transactional.id",
                format!("{id}-{}-{}", app.process_id, thread.index),
            );
            consumer_config = consumer_config.set("isolation.level", "read_committed");
        }
        let producer = Producer::builder(&producer_defaults(
            producer_config,
            format!("{id}-StreamThread-{}-producer", thread.index),
        ))
        .key_serde(BytesSerde)
        .value_serde(BytesSerde)
        .build()
        .map_err(|e| Error::client("creating the stream thread's producer", e))?;
        let restore_consumer = Consumer::<Vec<u8>, Vec<u8>>::builder(&consumer_config)
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
            exactly_once,
            lag_epoch: Mutex::new(0),
        })
    }

    fn lag_epoch_lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.lag_epoch.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current lag epoch, to hand to [`publish_lag`](Self::publish_lag).
    pub(crate) fn lag_epoch(&self) -> u64 {
        *self.lag_epoch_lock()
    }

    /// Publishes lag figures taken in `epoch`, unless partitions left this
    /// thread since: their lag was removed then and must not come back.
    pub(crate) fn publish_lag(&self, epoch: u64, lag: Vec<(String, i64)>) {
        let current = self.lag_epoch_lock();
        if *current == epoch {
            self.app.metrics.set_lag(lag);
        }
    }

    /// Removes the lag of partitions that left this thread, and makes any
    /// refresh in flight publish nothing.
    pub(crate) fn forget_lag(&self, partitions: &[TopicPartition]) {
        let mut epoch = self.lag_epoch_lock();
        *epoch += 1;
        self.app
            .metrics
            .remove_lag(partitions.iter().map(TopicPartition::to_string));
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

    /// Enqueues `records` on this thread's producer (waiting while its
    /// queue is full). A record the producer refuses stops the application,
    /// unless the production handler says to log it and go on.
    pub(crate) async fn send(&self, records: impl IntoIterator<Item = SinkRecord>) -> Result<()> {
        let mut count = 0;
        // A few topics per call: a list is cheaper than a map.
        let mut by_topic: Vec<(TopicName, u64)> = Vec::new();
        // The id header of repartition records, rewritten for each record
        // that carries no other header (the usual case): one set of headers
        // per call, not three allocations per record.
        let mut id_only = Headers::new();
        for sink in records {
            count += 1;
            match by_topic.iter_mut().find(|(topic, _)| *topic == sink.topic) {
                Some((_, n)) => *n += 1,
                None => by_topic.push((sink.topic.clone(), 1)),
            }
            let SinkRecord {
                topic,
                partition,
                key,
                value,
                timestamp,
                mut headers,
                record_id,
            } = sink;
            let reuse = match record_id {
                Some(id) if headers.is_empty() => {
                    set_record_id(&mut id_only, &id);
                    headers = std::mem::take(&mut id_only);
                    true
                }
                Some(id) => {
                    headers.insert(ORIGIN_HEADER, id.to_vec());
                    false
                }
                None => false,
            };
            let mut record = ProducerRecord::from_parts(topic, key, value)
                .timestamp(timestamp)
                .headers(headers);
            if let Some(partition) = partition {
                record = record.partition(partition);
            }
            let sent = self.producer.enqueue_ref(&record).await;
            if reuse {
                id_only = record.into_parts().2;
            }
            if let Err(error) = sent {
                match self.app.config.production_handler_ref() {
                    ProductionHandler::Fail => {
                        return Err(Error::client("sending an output record", error));
                    }
                    ProductionHandler::LogAndContinue => {
                        tracing::error!(%error, "an output record was not sent; continuing as configured");
                        MetricsRecorder::add(&self.app.metrics.records_failed_to_produce, 1);
                    }
                }
            }
        }
        MetricsRecorder::add(&self.thread.counters.records_produced, count);
        if by_topic.is_empty() {
            return Ok(());
        }
        let mut set = self.thread.lock_tasks();
        for (topic, n) in by_topic {
            match set.produced_by_topic.get_mut(topic.as_str()) {
                Some(total) => *total += n,
                None => {
                    set.produced_by_topic.insert(topic.to_string(), n);
                }
            }
        }
        Ok(())
    }

    /// Flushes the output, then works out what to commit for the tasks
    /// owning `partitions` (all when `None`): offsets, with each task's
    /// changelog end offsets and repartition high-water marks as metadata.
    pub(crate) async fn prepare_commit(
        &self,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<Vec<CommitEntry>> {
        let held_back = self.thread.lock_tasks().flush(partitions)?;
        self.send(held_back).await?;
        self.flush_output().await?;
        // Exactly-once records no changelog marks: everything a
        // read_committed restore sees was committed with its offsets, and
        // aborted records stay invisible. (A mark read here would also be
        // wrong: under read_committed the end offset is the last stable
        // offset, which stops before this thread's own open transaction, so
        // a restore would take the records of the last committed
        // transaction for uncommitted ones and write corrections undoing
        // them.)
        let ends = if self.exactly_once {
            HashMap::new()
        } else {
            let changelogs = self.thread.lock_tasks().changelogs(partitions);
            // Ends are asked through the restore consumer: its connection
            // is idle, unlike the group consumer's, which has a fetch
            // waiting. One request for all of them (two per partition, as
            // watermarks, made about 30 ListOffsets a second per thread on
            // word count).
            self.restore_consumer
                .end_offsets(&changelogs)
                .await
                .map_err(|e| Error::client("reading the changelogs' end offsets", e))?
        };
        Ok(self.thread.lock_tasks().commit_entries(partitions, &ends))
    }

    /// Exactly-once: starts this thread's transactions.
    pub(crate) async fn begin_transactions(&self) -> Result<()> {
        self.producer
            .init_transactions()
            .await
            .map_err(|e| Error::client("initializing transactions", e))?;
        self.producer
            .begin_transaction()
            .map_err(|e| Error::client("beginning a transaction", e))
    }

    /// Exactly-once: adds `entries`' offsets to the open transaction,
    /// commits it (output, changelogs and offsets at once) and begins the
    /// next one.
    pub(crate) async fn commit_transaction(
        &self,
        entries: &[CommitEntry],
        group: Option<GroupMetadata>,
    ) -> std::result::Result<(), kafka_client::Error> {
        let offsets: Vec<(TopicPartition, i64)> =
            entries.iter().map(|(tp, o, _)| (tp.clone(), *o)).collect();
        if !offsets.is_empty() {
            let group = group.ok_or(kafka_client::Error::Closed(
                "consumer group (no group metadata)",
            ))?;
            self.producer
                .send_offsets_to_transaction(&offsets, &group)
                .await?;
        }
        self.producer.commit_transaction().await?;
        self.producer.begin_transaction()
    }

    /// Exactly-once: aborts the open transaction (its records are never
    /// visible to read_committed readers) and begins the next one.
    pub(crate) async fn abort_transaction(&self) -> Result<()> {
        self.producer
            .abort_transaction()
            .await
            .map_err(|e| Error::client("aborting a transaction", e))?;
        MetricsRecorder::add(&self.app.metrics.transactions_aborted, 1);
        self.producer
            .begin_transaction()
            .map_err(|e| Error::client("beginning a transaction", e))
    }
}

/// Makes `headers` exactly one `ks.o` header with value `id`, reusing what
/// it holds: after the first record, no allocation.
fn set_record_id(headers: &mut Headers, id: &[u8; 18]) {
    if headers.len() == 1 {
        for header in headers.iter_mut() {
            if let (true, Some(value)) = (header.key == ORIGIN_HEADER, header.value.as_mut()) {
                value.clear();
                value.extend_from_slice(id);
                return;
            }
        }
    }
    *headers = Headers::new();
    headers.insert(ORIGIN_HEADER, id.to_vec());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_header_is_rewritten_in_place() {
        let mut headers = Headers::new();
        set_record_id(&mut headers, &[1; 18]);
        assert_eq!(headers.len(), 1);
        assert_eq!(headers.last(ORIGIN_HEADER), Some(&[1u8; 18][..]));
        set_record_id(&mut headers, &[2; 18]);
        assert_eq!(headers.len(), 1);
        assert_eq!(headers.last(ORIGIN_HEADER), Some(&[2u8; 18][..]));
        // Anything else is replaced by the id alone.
        let mut other = Headers::new();
        other.insert("user", "x");
        set_record_id(&mut other, &[3; 18]);
        assert_eq!(other.len(), 1);
        assert_eq!(other.last("user"), None);
        assert_eq!(other.last(ORIGIN_HEADER), Some(&[3u8; 18][..]));
    }

    #[test]
    fn the_producer_lingers_20_ms_unless_told_otherwise_under_either_name() {
        let id = || "app-StreamThread-0-producer".to_string();
        let plain = producer_defaults(ClientConfig::new(), id());
        assert_eq!(plain.get("linger.ms"), Some("20"));
        assert_eq!(plain.get("client.id"), Some("app-StreamThread-0-producer"));
        let linger = producer_defaults(ClientConfig::new().set("linger.ms", "0"), id());
        assert_eq!(linger.get("linger.ms"), Some("0"));
        let alias = producer_defaults(
            ClientConfig::new().set("queue.buffering.max.ms", "50"),
            id(),
        );
        assert_eq!(alias.get("linger.ms"), None);
        assert_eq!(alias.get("queue.buffering.max.ms"), Some("50"));
        let named = producer_defaults(ClientConfig::new().client_id("mine"), id());
        assert_eq!(named.get("client.id"), Some("mine"));
    }

    #[test]
    fn the_restore_consumer_fetches_without_waiting_and_without_a_group() {
        let id = || "app-StreamThread-0-restore-consumer".to_string();
        let plain = restore_defaults(ClientConfig::new().set("group.id", "app"), id());
        assert_eq!(plain.get("fetch.wait.max.ms"), Some("10"));
        assert_eq!(plain.get("group.id"), None);
        assert_eq!(
            plain.get("client.id"),
            Some("app-StreamThread-0-restore-consumer")
        );
        let told = restore_defaults(ClientConfig::new().set("fetch.wait.max.ms", "200"), id());
        assert_eq!(told.get("fetch.wait.max.ms"), Some("200"));
    }
}
