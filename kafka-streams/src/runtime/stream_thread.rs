//! A stream thread: one consumer in the application's group, one producer,
//! and the tasks of the partitions the group gives it.
//!
//! The loop: take the next record, run it through its task synchronously,
//! enqueue what the task produced (librdkafka batches it; a full queue makes
//! the loop wait, which is the backpressure that keeps memory bounded), and
//! every commit interval flush the output and then commit the processed
//! offsets (at-least-once: an offset is committed only once everything the
//! records before it caused is acknowledged by the broker).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_client::consumer::{Consumer, Offset, OffsetReset};
use kafka_client::serde::BytesSerde;
use kafka_client::TopicPartition;
use tokio::sync::watch;

use super::app::{AppContext, ThreadHandle, ThreadStatus};
use super::config::ClientRole;
use super::dead_letter::dead_letter_record;
use super::embedded_group::embedded_group_defaults;
use super::handlers::DeserializationHandler;
use super::intake::{take_record, Intake};
use super::listener::TaskListener;
use super::metrics::MetricsRecorder;
use super::source_partition::SourcePartition;
use super::task_builder::{build_task, read_committed, source_partitions};
use super::task_id::TaskId;
use super::thread_env::ThreadEnv;
use crate::error::{Error, Result};
use crate::task::SinkRecord;

/// How many times in a row an aborted transaction is retried before the
/// thread gives up.
const MAX_REWINDS: u32 = 5;
/// How many ready records a thread processes before it yields to the
/// runtime.
const BATCH: usize = 256;
/// While draining a batch, the commit and punctuation deadlines are looked
/// at after every this many records: a clock read per 16 records, and a
/// topology that takes 10 ms per record still commits within 160 ms of its
/// commit interval (not after the batch's 2.5 s).
const DEADLINE_CHECK_EVERY: usize = 16;
/// How often wall-clock punctuations are checked.
const PUNCTUATE_INTERVAL: Duration = Duration::from_millis(100);
/// The pause after a consumer error that is not fatal, so that a persistent
/// one (a deleted topic) does not spin.
const ERROR_BACKOFF: Duration = Duration::from_millis(100);
/// How long a thread shutting down waits for the others' final commits
/// before it leaves the group anyway.
const FINAL_COMMIT_WAIT: Duration = Duration::from_secs(10);

/// While the rebalance listener runs, how often a due commit or
/// punctuation looks again whether it may cut the wait for records short.
const REBALANCE_RECHECK: Duration = Duration::from_millis(50);

/// Runs stream thread `thread` until shutdown or a fatal error.
pub(crate) async fn run(
    app: Arc<AppContext>,
    thread: Arc<ThreadHandle>,
    shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let env = match ThreadEnv::new(app.clone(), thread.clone()) {
        Ok(env) => Arc::new(env),
        Err(e) => {
            thread.mark_done_committing();
            return Err(e);
        }
    };
    let result = match Worker::new(env.clone()) {
        Ok(worker) => worker.run(shutdown).await,
        Err(e) => Err(e),
    };
    thread.mark_done_committing();
    match &result {
        Ok(()) => app.set_thread_status(&thread, ThreadStatus::Stopped),
        Err(e) => {
            tracing::error!(thread = thread.index, error = %e, "stream thread failed");
            app.set_thread_status(&thread, ThreadStatus::Failed);
            app.fail(e.to_string());
        }
    }
    if let Err(e) = env.producer.close().await {
        if result.is_ok() {
            return Err(Error::client("closing the stream thread's producer", e));
        }
    }
    result
}

struct Worker {
    env: Arc<ThreadEnv>,
    consumer: Consumer<Vec<u8>, Vec<u8>>,
    output: Vec<SinkRecord>,
    /// The source partition of the last record processed.
    last: SourcePartition,
    next_commit: Instant,
    next_punctuate: Instant,
    /// The lag refresh in flight, if any (see `update_lag`).
    lag_refresh: Option<tokio::task::JoinHandle<()>>,
}

impl Worker {
    fn new(env: Arc<ThreadEnv>) -> Result<Self> {
        let app = &env.app;
        let id = app.application_id();
        let client = embedded_group_defaults(app.config.client_for(ClientRole::MainConsumer))
            .set_default(
                "client.id",
                format!("{id}-StreamThread-{}-consumer", env.thread.index),
            )
            // Range keeps partition p of co-partitioned topics together.
            .set_default("partition.assignment.strategy", "range")
            // Records cross a repartition topic on their way: don't let
            // each hop wait librdkafka's default 500 ms for a full fetch.
            .set_default("fetch.wait.max.ms", "100")
            // A thread reads what it wrote to repartition topics. Once its
            // local queue holds `queued.min.messages` (100,000 by default,
            // all partitions together), librdkafka stops fetching for
            // `fetch.queue.backoff.ms`, 1 s by default: long enough for the
            // thread to drain the queue and then wait for the rest of the
            // second (word count ran at half speed). 10 ms keeps the same
            // bound on the queue and fetches again soon after it drains.
            .set_default("fetch.queue.backoff.ms", "10");
        let consumer = Consumer::<Vec<u8>, Vec<u8>>::builder(&client)
            .key_deserializer(BytesSerde)
            .value_deserializer(BytesSerde)
            .group_id(id)
            .enable_auto_commit(false)
            .auto_offset_reset(OffsetReset::Earliest)
            .rebalance_listener(TaskListener { env: env.clone() })
            .build()
            .map_err(|e| Error::client("creating the stream thread's consumer", e))?;
        let now = Instant::now();
        Ok(Worker {
            next_commit: now + app.config.commit_interval_ref(),
            next_punctuate: now + PUNCTUATE_INTERVAL,
            env,
            consumer,
            output: Vec::new(),
            last: SourcePartition::none(),
            lag_refresh: None,
        })
    }

    async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<()> {
        let topics: Vec<&str> = self
            .env
            .app
            .subtopology_of
            .keys()
            .map(String::as_str)
            .collect();
        if self.env.exactly_once {
            self.env.begin_transactions().await?;
        }
        self.consumer
            .subscribe(&topics)
            .await
            .map_err(|e| Error::client("subscribing to the source topics", e))?;
        let result = self.process_until(&mut shutdown).await;
        match result {
            Ok(()) => {
                // Clean shutdown: commit what was processed, wait until the
                // other threads have committed too, then leave the group
                // (the listener's on_revoked commits again, harmlessly).
                let committed = self.commit().await;
                self.env.thread.mark_done_committing();
                self.env.app.wait_for_final_commits(FINAL_COMMIT_WAIT).await;
                committed?;
                self.consumer
                    .close()
                    .await
                    .map_err(|e| Error::client("leaving the group", e))
            }
            Err(e) => {
                self.env.failed.store(true, Ordering::Release);
                self.env.thread.mark_done_committing();
                if let Err(close) = self.consumer.close().await {
                    tracing::warn!(error = %close, "closing the consumer of a failed thread");
                }
                Err(e)
            }
        }
    }

    async fn process_until(&mut self, shutdown: &mut watch::Receiver<bool>) -> Result<()> {
        loop {
            if *shutdown.borrow() {
                return Ok(());
            }
            // First what is ready now, without a timer per record.
            let mut drained = 0;
            while drained < BATCH {
                let taken = {
                    let (env, last, output) = (&*self.env, &mut self.last, &mut self.output);
                    self.consumer
                        .try_recv_with(|record| take_record(env, last, output, record))
                        .await
                };
                match taken {
                    Ok(Some(intake)) => {
                        self.after_intake(intake).await?;
                        drained += 1;
                        // Slow processors must not hold up commits and
                        // punctuations for a whole batch.
                        if drained % DEADLINE_CHECK_EVERY == 0 && self.deadline_passed() {
                            self.on_deadlines().await?;
                        }
                    }
                    Ok(None) => break,
                    Err(error) => {
                        self.consumer_error(error).await?;
                        break;
                    }
                }
            }
            if drained > 0 {
                self.on_deadlines().await?;
                if drained == BATCH {
                    // Still busy: every await above was ready at once, so
                    // this task has not given its worker back since the
                    // last wait. Yield, so that the runtime's timers, I/O
                    // and other tasks (the application's, the other stream
                    // threads') get their turn.
                    tokio::task::yield_now().await;
                }
                continue;
            }
            let mut wake = self.next_deadline();
            let received = {
                let (env, last, output) = (&*self.env, &mut self.last, &mut self.output);
                let next = self
                    .consumer
                    .recv_with(|record| take_record(env, last, output, record));
                tokio::pin!(next);
                loop {
                    tokio::select! {
                        biased;
                        changed = shutdown.changed() => {
                            if changed.is_err() || *shutdown.borrow() {
                                return Ok(());
                            }
                            break None;
                        }
                        received = &mut next => break Some(received),
                        () = tokio::time::sleep_until(wake.into()) => {
                            // While the rebalance listener moves or restores
                            // tasks, `recv` must not be cut short by the
                            // commit timer: a cancelled listener starts
                            // over, and a restore longer than the commit
                            // interval would never finish. Once it is done,
                            // the deadlines count again (an idle restarted
                            // application still commits and punctuates).
                            if env.thread.status() == ThreadStatus::Rebalancing {
                                wake = Instant::now() + REBALANCE_RECHECK;
                                continue;
                            }
                            break None;
                        }
                    }
                }
            };
            match received {
                None => {}
                Some(Ok(intake)) => self.after_intake(intake).await?,
                Some(Err(error)) => self.consumer_error(error).await?,
            }
            self.on_deadlines().await?;
        }
    }

    /// When the next commit or punctuation is due.
    fn next_deadline(&self) -> Instant {
        self.next_commit.min(self.next_punctuate)
    }

    /// Whether a commit or a punctuation is due.
    fn deadline_passed(&self) -> bool {
        Instant::now() >= self.next_deadline()
    }

    /// Runs the punctuations and the commit that are due.
    async fn on_deadlines(&mut self) -> Result<()> {
        let now = Instant::now();
        if now >= self.next_punctuate {
            self.punctuate().await?;
            self.next_punctuate = now + PUNCTUATE_INTERVAL;
        }
        if now >= self.next_commit {
            self.commit().await?;
            self.next_commit = Instant::now() + self.env.app.config.commit_interval_ref();
        }
        Ok(())
    }

    async fn consumer_error(&mut self, error: kafka_client::Error) -> Result<()> {
        match error {
            kafka_client::Error::RebalanceListener { .. } => {
                Err(Error::client("moving tasks in a rebalance", error))
            }
            other => {
                tracing::warn!(error = %other, "consumer error; retrying");
                tokio::time::sleep(ERROR_BACKOFF).await;
                Ok(())
            }
        }
    }

    /// The asynchronous part of processing a record that
    /// [`take_record`] took: a record that could not be deserialized goes
    /// to the handler, and the output is sent.
    async fn after_intake(&mut self, intake: Result<Intake>) -> Result<()> {
        match intake {
            Ok(Intake::Skipped) => return Ok(()),
            Ok(Intake::Processed) => {
                MetricsRecorder::add(&self.env.thread.counters.records_processed, 1)
            }
            Err(Error::Deserialization(error)) => self.handle_bad_record(*error).await?,
            Err(other) => return Err(other),
        }
        self.send_output().await
    }

    async fn handle_bad_record(&mut self, error: kafka_client::DeserializationError) -> Result<()> {
        let app = &self.env.app;
        match app.config.deserialization_handler_ref() {
            DeserializationHandler::LogAndFail => Err(Error::Deserialization(Box::new(error))),
            DeserializationHandler::LogAndContinue => {
                tracing::warn!(%error, "skipping a record that cannot be deserialized");
                MetricsRecorder::add(&app.metrics.records_skipped, 1);
                Ok(())
            }
            DeserializationHandler::DeadLetter { topic } => {
                tracing::warn!(%error, dead_letter_topic = %topic, "sending a record that cannot be deserialized to the dead-letter topic");
                let record = dead_letter_record(topic, &error);
                self.env.producer.enqueue(record).await.map_err(|e| {
                    Error::client("sending to the dead-letter topic", e.into_error())
                })?;
                MetricsRecorder::add(&app.metrics.records_dead_lettered, 1);
                Ok(())
            }
        }
    }

    async fn send_output(&mut self) -> Result<()> {
        if self.output.is_empty() {
            return Ok(());
        }
        let sent = self.env.send(self.output.drain(..)).await;
        match sent {
            // Under exactly-once a refused send fails the transaction:
            // abort it and start again from the last commit.
            Err(error) if self.env.exactly_once && !error.is_fenced() => {
                tracing::warn!(%error, "send failed inside a transaction: aborting it and rewinding the tasks to their last commit");
                self.abort_and_rewind().await
            }
            other => other,
        }
    }

    async fn punctuate(&mut self) -> Result<()> {
        let now = super::now_ms();
        {
            let mut set = self.env.thread.lock_tasks();
            let mut result = Ok(());
            for owned in set.active.values_mut() {
                result = owned.task.punctuate(now);
                owned.task.drain_into(&mut self.output);
                if result.is_err() {
                    break;
                }
            }
            result?;
        }
        self.send_output().await
    }

    /// Flushes the output, then commits the processed offsets, then updates
    /// the lag metrics.
    async fn commit(&mut self) -> Result<()> {
        if self.env.exactly_once {
            return self.commit_transaction().await;
        }
        let started = Instant::now();
        let entries = self.env.prepare_commit(None).await?;
        if !entries.is_empty() {
            if let Err(error) = self.consumer.commit_offsets_with_metadata(&entries).await {
                // A rebalance in progress can refuse a commit; the records
                // are then processed again by the next owner (at-least-once).
                tracing::warn!(%error, "commit refused; the records since the last commit may be processed again");
                return Ok(());
            }
            self.env.thread.lock_tasks().mark_committed(&entries);
            self.env.app.metrics.record_commit(started.elapsed());
        }
        self.update_lag().await;
        Ok(())
    }

    /// Exactly-once: commits the open transaction with the processed
    /// offsets. An abortable failure aborts it and rewinds every task to its
    /// last committed state; a fenced producer stops the thread (another
    /// instance owns its tasks now).
    async fn commit_transaction(&mut self) -> Result<()> {
        let started = Instant::now();
        let entries = match self.env.prepare_commit(None).await {
            Ok(entries) => entries,
            // Output of this transaction was refused (or its end offsets
            // could not be read): nothing of it may count.
            Err(error) => {
                tracing::warn!(%error, "transaction could not be completed: aborting it and rewinding the tasks to their last commit");
                return self.abort_and_rewind().await;
            }
        };
        match self
            .env
            .commit_transaction(&entries, self.consumer.group_metadata())
            .await
        {
            Ok(()) => {
                self.env.thread.lock_tasks().mark_committed(&entries);
                self.env.app.metrics.record_commit(started.elapsed());
                self.update_lag().await;
                Ok(())
            }
            Err(error) if error.is_fenced() => Err(Error::client(
                "committing a transaction (fenced: another instance took over)",
                error,
            )),
            Err(error) => {
                tracing::warn!(%error, "transaction failed: aborting it and rewinding the tasks to their last commit");
                self.abort_and_rewind().await
            }
        }
    }

    /// Aborts the open transaction, rebuilds every task from its changelogs
    /// (read committed) and moves the consumer back to the committed offsets.
    async fn abort_and_rewind(&mut self) -> Result<()> {
        // Rebuilding sends changelog corrections inside the new
        // transaction, which can fail the same way: abort and try again, a
        // bounded number of times.
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.output.clear();
            self.env.abort_transaction().await?;
            match self.rewind_tasks().await {
                Ok(()) => return Ok(()),
                Err(error) if attempt < MAX_REWINDS && !error.is_fenced() => {
                    tracing::warn!(%error, attempt, "rewinding after an aborted transaction failed; aborting again");
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Rebuilds every task from its changelogs up to its last commit and
    /// moves the consumer back to the committed offsets.
    async fn rewind_tasks(&mut self) -> Result<()> {
        let ids: Vec<TaskId> = self
            .env
            .thread
            .lock_tasks()
            .active
            .keys()
            .copied()
            .collect();
        for id in ids {
            let sources = source_partitions(&self.env.app, id);
            let consumer = &self.consumer;
            let committed = read_committed(|| consumer.committed_with_metadata(&sources)).await?;
            let task = build_task(&self.env, id, &committed).await?;
            for tp in &sources {
                let to = match committed.get(tp).and_then(|c| c.as_ref()) {
                    Some((offset, _)) => Offset::At(*offset),
                    None => Offset::Beginning,
                };
                self.consumer
                    .seek(tp, to)
                    .await
                    .map_err(|e| Error::client("rewinding to the committed offset", e))?;
            }
            let mut set = self.env.thread.lock_tasks();
            for tp in &sources {
                set.forget(tp);
            }
            set.active.insert(id, task);
        }
        if let Err(e) = self.env.restore_consumer.assign(&[]).await {
            tracing::debug!(error = %e, "could not clear the restore consumer's assignment");
        }
        Ok(())
    }

    /// Refreshes this thread's lag metrics: per assigned partition, the
    /// high watermark minus the next offset to process. The positions are
    /// read here; the first and end offsets (one ListOffsets request each,
    /// for all partitions) are asked in the background, so that records go
    /// on being processed meanwhile (waiting for them held a thread up 5 to
    /// 23 ms per commit on tansu: a tenth of its time with exactly-once's
    /// 100 ms commits). One refresh at a time. They are asked through the
    /// restore consumer, whose connection is idle: on the group consumer's
    /// connection they would queue behind its long-polling fetch.
    async fn update_lag(&mut self) {
        if self.lag_refresh.as_ref().is_some_and(|r| !r.is_finished()) {
            return;
        }
        // The assignment and the consumer's positions in one call. The
        // position counts the transaction markers the consumer passed (an
        // input written in transactions, or this application's own
        // repartition topics under exactly-once, ends in one), which the
        // processed offsets never reach.
        let Ok(consumed) = self.consumer.positions() else {
            return;
        };
        let epoch = self.env.lag_epoch();
        let mut positions: Vec<(TopicPartition, Option<i64>)> = {
            let set = self.env.thread.lock_tasks();
            consumed
                .into_iter()
                .map(|(tp, position)| {
                    // `None` orders first: the later of the two known ones.
                    let processed = set.offsets.get(&tp).copied();
                    (tp, processed.max(position))
                })
                .collect()
        };
        let unknown: Vec<TopicPartition> = positions
            .iter()
            .filter(|(_, position)| position.is_none())
            .map(|(tp, _)| tp.clone())
            .collect();
        // Nothing read from them yet: from the committed offsets (one
        // request for all).
        if !unknown.is_empty() {
            if let Ok(committed) = self.consumer.committed(&unknown).await {
                for (tp, position) in &mut positions {
                    if position.is_none() {
                        *position = committed.get(tp).copied().flatten();
                    }
                }
            }
        }
        let env = self.env.clone();
        self.lag_refresh = Some(tokio::spawn(async move {
            let started = Instant::now();
            let partitions: Vec<TopicPartition> =
                positions.iter().map(|(tp, _)| tp.clone()).collect();
            let (lows, highs) = futures::join!(
                env.restore_consumer.beginning_offsets(&partitions),
                env.restore_consumer.end_offsets(&partitions)
            );
            let (lows, highs) = match (lows, highs) {
                (Ok(lows), Ok(highs)) => (lows, highs),
                (Err(error), _) | (_, Err(error)) => {
                    tracing::debug!(%error, "lag not refreshed");
                    return;
                }
            };
            let lag: Vec<(String, i64)> = positions
                .into_iter()
                .filter_map(|(tp, position)| {
                    let (low, high) = (*lows.get(&tp)?, *highs.get(&tp)?);
                    let from = position.unwrap_or(low).max(low);
                    Some((tp.to_string(), (high - from).max(0)))
                })
                .collect();
            env.publish_lag(epoch, lag);
            tracing::trace!(thread = env.thread.index, took = ?started.elapsed(), "lag refreshed");
        }));
    }
}
