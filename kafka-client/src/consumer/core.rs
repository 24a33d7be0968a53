//! The untyped heart of a consumer, shared by [`Consumer`](super::Consumer)
//! and the [`RebalanceHandle`](super::RebalanceHandle) given to listeners:
//! librdkafka's consumer, the positions handed out so far, offset lookups,
//! seeks and commits.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer as _};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::topic_partition_list::TopicPartitionListElem;
use rdkafka::{Offset as RdOffset, TopicPartitionList};

use super::context::{list_of, partitions_of, ConsumerCtx};
use super::list_offsets::{list_offsets, End};
use super::offsets::Offset;
use super::positions::PositionTable;
use crate::error::{Error, Result};
use crate::record::{TopicName, TopicPartition};

/// How long `recv` waits for librdkafka's wakeup before polling anyway. The
/// wakeup normally comes first; the tick keeps `max.poll.interval.ms`
/// satisfied while the application waits on an idle consumer.
const FALLBACK_TICK: Duration = Duration::from_secs(1);

/// How often a seek is retried while librdkafka is still starting the
/// partition's fetcher (it refuses seeks until then).
const SEEK_RETRY: Duration = Duration::from_millis(20);

/// How the consumer gets its partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Neither subscribed nor assigned yet.
    Idle,
    /// A member of a group, subscribed to these topics.
    Subscribed(Vec<String>),
    /// Partitions assigned by hand.
    Assigned,
}

#[derive(Debug, Default)]
struct Tracking {
    /// The next offset to read per partition: a handed-out record's offset
    /// + 1, or the target of the last seek. What `commit()` commits.
    positions: PositionTable,
    /// Positions not yet given to librdkafka's offset store (auto-commit).
    unstored: PositionTable,
}

pub(crate) struct Core {
    base: Arc<BaseConsumer<ConsumerCtx>>,
    group_id: Option<String>,
    bootstrap_servers: String,
    timeout: Duration,
    auto_commit: bool,
    tracking: Mutex<Tracking>,
    mode: Mutex<Mode>,
    closed: AtomicBool,
}

impl Core {
    pub(crate) fn new(
        base: BaseConsumer<ConsumerCtx>,
        group_id: Option<String>,
        bootstrap_servers: String,
        timeout: Duration,
        auto_commit: bool,
    ) -> Self {
        Core {
            base: Arc::new(base),
            group_id,
            bootstrap_servers,
            timeout,
            auto_commit,
            tracking: Mutex::new(Tracking::default()),
            mode: Mutex::new(Mode::Idle),
            closed: AtomicBool::new(false),
        }
    }

    #[inline]
    pub(crate) fn base(&self) -> &BaseConsumer<ConsumerCtx> {
        &self.base
    }

    /// Another owner of librdkafka's consumer (dropping the last one closes it).
    pub(crate) fn base_arc(&self) -> Arc<BaseConsumer<ConsumerCtx>> {
        self.base.clone()
    }

    #[inline]
    pub(crate) fn ctx(&self) -> &ConsumerCtx {
        self.base.context()
    }

    pub(crate) fn group_id(&self) -> Option<&str> {
        self.group_id.as_deref()
    }

    pub(crate) fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn auto_commit(&self) -> bool {
        self.auto_commit
    }

    #[inline]
    fn tracking(&self) -> MutexGuard<'_, Tracking> {
        self.tracking.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn mode(&self) -> Mode {
        self.mode.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub(crate) fn mark_closed(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub(crate) fn require_group(&self, operation: &'static str) -> Result<()> {
        if self.group_id.is_some() {
            Ok(())
        } else {
            Err(Error::InvalidState {
                operation,
                reason: "the consumer has no group.id; set one with ConsumerBuilder::group_id \
                         to subscribe, commit or read committed offsets"
                    .into(),
            })
        }
    }

    /// Runs a blocking librdkafka call on tokio's blocking pool, bounded by
    /// the request timeout.
    pub(crate) async fn blocking<T, F>(&self, what: &'static str, call: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&BaseConsumer<ConsumerCtx>) -> T + Send + 'static,
    {
        let base = self.base.clone();
        let task = tokio::task::spawn_blocking(move || call(&base));
        let limit = self.timeout + Duration::from_secs(1);
        match tokio::time::timeout(limit, task).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(join)) => {
                tracing::error!(error = %join, what, "a blocking consumer call failed");
                Err(Error::Kafka {
                    operation: what,
                    source: KafkaError::Canceled,
                })
            }
            Err(_) => Err(Error::Timeout {
                what: what.to_string(),
                timeout: limit,
            }),
        }
    }

    /// Waits until librdkafka signals new events, or the fallback tick.
    pub(crate) async fn wait_for_events(&self, tick: Option<Duration>) {
        let tick = tick.unwrap_or(FALLBACK_TICK);
        tokio::select! {
            _ = self.ctx().wakeup().notified() => {}
            _ = tokio::time::sleep(tick) => {}
        }
    }

    /// Partition counts of every topic in the cluster. Asking for all topics
    /// never auto-creates one.
    pub(crate) async fn partition_counts(&self) -> Result<HashMap<String, i32>> {
        let timeout = self.timeout;
        let fetched = self
            .blocking("fetching metadata", move |base| {
                base.fetch_metadata(None, timeout).map(|metadata| {
                    metadata
                        .topics()
                        .iter()
                        .filter(|t| t.error().is_none())
                        .map(|t| (t.name().to_string(), t.partitions().len() as i32))
                        .collect::<HashMap<_, _>>()
                })
            })
            .await?;
        fetched.map_err(|e| Error::BrokerUnreachable {
            bootstrap_servers: self.bootstrap_servers.clone(),
            timeout,
            message: e.to_string(),
        })
    }

    /// Fails with [`Error::UnknownTopic`] for the first topic that does not
    /// exist. Regex subscriptions (`^...`) are not checked.
    pub(crate) async fn check_topics(&self, topics: &[&str]) -> Result<()> {
        let counts = self.partition_counts().await?;
        for topic in topics {
            if !topic.starts_with('^') && !counts.contains_key(*topic) {
                return Err(Error::UnknownTopic {
                    topic: topic.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Fails for the first partition whose topic or number does not exist.
    pub(crate) async fn check_partitions(&self, partitions: &[TopicPartition]) -> Result<()> {
        let counts = self.partition_counts().await?;
        for tp in partitions {
            let Some(&count) = counts.get(tp.topic()) else {
                return Err(Error::UnknownTopic {
                    topic: tp.topic().to_string(),
                });
            };
            if tp.partition() < 0 || tp.partition() >= count {
                return Err(Error::UnknownPartition {
                    topic: tp.topic().to_string(),
                    partition: tp.partition(),
                    partition_count: count,
                });
            }
        }
        Ok(())
    }

    pub(crate) async fn partitions_for(&self, topic: &str) -> Result<Vec<TopicPartition>> {
        let counts = self.partition_counts().await?;
        let count = counts
            .get(topic)
            .copied()
            .ok_or_else(|| Error::UnknownTopic {
                topic: topic.to_string(),
            })?;
        Ok((0..count).map(|p| TopicPartition::new(topic, p)).collect())
    }

    pub(crate) fn assignment(&self) -> Result<Vec<TopicPartition>> {
        self.base
            .assignment()
            .map(|list| partitions_of(&list))
            .map_err(|e| Error::kafka("reading the assignment", e))
    }

    pub(crate) fn ensure_assigned(
        &self,
        tp: &TopicPartition,
        operation: &'static str,
    ) -> Result<()> {
        if self.assignment()?.contains(tp) {
            Ok(())
        } else {
            Err(Error::InvalidState {
                operation,
                reason: format!("{tp} is not assigned to this consumer"),
            })
        }
    }

    /// The low and high watermarks (first offset, offset after the last).
    pub(crate) async fn watermarks(&self, tp: &TopicPartition) -> Result<(i64, i64)> {
        let (topic, partition, timeout) = (tp.topic().to_string(), tp.partition(), self.timeout);
        self.blocking("fetching watermarks", move |base| {
            base.fetch_watermarks(&topic, partition, timeout)
        })
        .await?
        .map_err(|source| Error::Partition {
            operation: "fetching watermarks",
            partition: tp.clone(),
            source,
        })
    }

    /// The offset of the first record at or after `timestamp`.
    pub(crate) async fn offset_for_timestamp(
        &self,
        tp: &TopicPartition,
        timestamp: i64,
    ) -> Result<i64> {
        let mut query = TopicPartitionList::new();
        query
            .add_partition_offset(tp.topic(), tp.partition(), RdOffset::Offset(timestamp))
            .map_err(|source| Error::Partition {
                operation: "looking up an offset by timestamp",
                partition: tp.clone(),
                source,
            })?;
        let timeout = self.timeout;
        let answer = self
            .blocking("looking up offsets by timestamp", move |base| {
                base.offsets_for_times(query, timeout)
                    .map(|list| list.elements().first().map(|e| (e.error(), e.offset())))
            })
            .await?
            .map_err(|source| Error::Partition {
                operation: "looking up an offset by timestamp",
                partition: tp.clone(),
                source,
            })?;
        match answer {
            Some((Err(source), _)) => Err(Error::Partition {
                operation: "looking up an offset by timestamp",
                partition: tp.clone(),
                source,
            }),
            Some((Ok(()), RdOffset::Offset(offset))) if offset >= 0 => Ok(offset),
            _ => Err(Error::NoOffsetForTimestamp {
                partition: tp.clone(),
                timestamp,
            }),
        }
    }

    /// The first or next offset of one partition, in one request.
    async fn list_offset(&self, tp: &TopicPartition, end: End) -> Result<i64> {
        list_offsets(self, std::slice::from_ref(tp), end)
            .await?
            .remove(tp)
            .ok_or_else(|| Error::InvalidState {
                operation: "resolve an offset",
                reason: format!("the broker's answer left out {tp}"),
            })
    }

    /// Turns a seek target into an exact offset: `End` is the end offset
    /// (under `read_committed`, the last stable offset, as Java's
    /// `seekToEnd`).
    pub(crate) async fn resolve(&self, tp: &TopicPartition, offset: Offset) -> Result<i64> {
        match offset {
            Offset::At(n) if n >= 0 => Ok(n),
            Offset::At(n) => Err(Error::InvalidState {
                operation: "seek",
                reason: format!(
                    "offset {n} for {tp} is negative; use Offset::Beginning or Offset::End"
                ),
            }),
            Offset::Beginning => self.list_offset(tp, End::Beginning).await,
            Offset::End => self.list_offset(tp, End::End).await,
            Offset::Timestamp(ts) => self.offset_for_timestamp(tp, ts).await,
        }
    }

    /// Moves an assigned partition to `offset`. Records fetched before the
    /// seek are discarded by librdkafka (its fetch version barrier), so the
    /// next record of this partition is the one at the target.
    pub(crate) async fn seek(&self, tp: &TopicPartition, offset: Offset) -> Result<i64> {
        self.ensure_assigned(tp, "seek")?;
        let target = self.resolve(tp, offset).await?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let mut list = TopicPartitionList::new();
            list.add_partition_offset(tp.topic(), tp.partition(), RdOffset::Offset(target))
                .map_err(|source| Error::Partition {
                    operation: "seek",
                    partition: tp.clone(),
                    source,
                })?;
            let timeout = self.timeout;
            let outcome = self
                .blocking("seek", move |base| {
                    base.seek_partitions(list, timeout)
                        .map(|done| done.elements().first().and_then(|e| e.error().err()))
                })
                .await?;
            let error = match outcome {
                Ok(None) => break,
                Ok(Some(error)) | Err(error) => error,
            };
            // librdkafka refuses to seek a partition whose fetcher has not
            // started yet (just assigned, committed offset still being read).
            let starting = matches!(error.rdkafka_error_code(), Some(RDKafkaErrorCode::State));
            if !starting || Instant::now() >= deadline {
                return Err(Error::Partition {
                    operation: "seek",
                    partition: tp.clone(),
                    source: error,
                });
            }
            tokio::time::sleep(SEEK_RETRY).await;
        }
        self.tracking()
            .positions
            .set(tp.topic(), tp.partition(), target);
        tracing::debug!(partition = %tp, offset = target, "seeked");
        Ok(target)
    }

    /// The next offset to read in an assigned partition, if known: the
    /// later of the offset after the last record handed out (or the last
    /// seek target) and librdkafka's own position. librdkafka moves its
    /// position past the transaction markers it never hands out (as Java's
    /// consumer does), so a partition that ends in a marker is read to its
    /// end offset once the marker was fetched.
    ///
    /// librdkafka forgets a partition's position when it stops fetching it;
    /// that happens on its own thread, so for a moment after a partition is
    /// unassigned and assigned again its old position may still show.
    pub(crate) fn position(&self, tp: &TopicPartition) -> Result<Option<i64>> {
        let ours = self.tracking().positions.get(tp);
        // One call gives librdkafka's positions of the whole assignment,
        // which also says whether `tp` is assigned.
        let theirs = self.library_positions()?;
        match theirs.get(tp) {
            Some(theirs) => Ok(ours.max(*theirs)),
            None if ours.is_some() => Ok(ours),
            None => Err(Error::InvalidState {
                operation: "read the position",
                reason: format!("{tp} is not assigned to this consumer"),
            }),
        }
    }

    /// [`position`](Core::position) of every assigned partition, with one
    /// call into librdkafka.
    pub(crate) fn positions(&self) -> Result<BTreeMap<TopicPartition, Option<i64>>> {
        let theirs = self.library_positions()?;
        let tracking = self.tracking();
        Ok(theirs
            .into_iter()
            .map(|(tp, theirs)| {
                let ours = tracking.positions.get(&tp);
                (tp, ours.max(theirs))
            })
            .collect())
    }

    /// librdkafka's position of each assigned partition (`None` before its
    /// first record, or right after a seek).
    fn library_positions(&self) -> Result<BTreeMap<TopicPartition, Option<i64>>> {
        let list = self
            .base
            .position()
            .map_err(|e| Error::kafka("reading positions", e))?;
        Ok(list.elements().iter().map(exact_offset).collect())
    }

    /// The committed offsets of `partitions` (`None`: nothing committed).
    pub(crate) async fn committed(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, Option<i64>>> {
        self.require_group("read committed offsets")?;
        let query = list_of(partitions);
        let timeout = self.timeout;
        let answer = self
            .blocking("reading committed offsets", move |base| {
                base.committed_offsets(query, timeout).map(|list| {
                    list.elements()
                        .iter()
                        .map(exact_offset)
                        .collect::<BTreeMap<_, _>>()
                })
            })
            .await?;
        answer.map_err(|e| Error::kafka("reading committed offsets", e))
    }

    /// Commits `offsets` (each the next offset to read: last processed + 1)
    /// and waits for the broker's answer.
    pub(crate) async fn commit_offsets(&self, offsets: Vec<(TopicPartition, i64)>) -> Result<()> {
        let Some(list) = self.commit_list(&offsets)? else {
            return Ok(());
        };
        tracing::debug!(?offsets, "committing");
        self.commit_sync(list).await
    }

    /// Commits `list` and waits for the broker's answer, at most the
    /// request timeout (+1 s).
    ///
    /// librdkafka's synchronous commit has no timeout of its own, and can
    /// wait forever for an answer that never comes (a coordinator gone
    /// while the member leaves; seen with the embedded cluster's KIP-848
    /// groups). It runs on a thread of its own rather than tokio's blocking
    /// pool, whose threads a runtime waits for when it shuts down: a
    /// commit that never returns costs that thread and the consumer it
    /// holds, not a hang of the application's shutdown.
    pub(crate) async fn commit_sync(&self, list: TopicPartitionList) -> Result<()> {
        let base = self.base.clone();
        let (done, answer) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("kafka-commit".into())
            .spawn(move || {
                let _ = done.send(base.commit(&list, CommitMode::Sync));
            })
            .map_err(|e| Error::InvalidState {
                operation: "commit",
                reason: format!("could not start the commit's thread: {e}"),
            })?;
        let limit = self.timeout + Duration::from_secs(1);
        match tokio::time::timeout(limit, answer).await {
            Ok(Ok(result)) => result.map_err(|e| Error::kafka("commit", e)),
            Ok(Err(_)) => Err(Error::Kafka {
                operation: "commit",
                source: KafkaError::Canceled,
            }),
            Err(_) => {
                tracing::warn!(
                    ?limit,
                    "an offset commit got no answer in time; its thread is left waiting"
                );
                Err(Error::Timeout {
                    what: "committing offsets".to_string(),
                    timeout: limit,
                })
            }
        }
    }

    /// Sends a commit of `offsets` without waiting; a failure is logged and
    /// kept as the last client error.
    pub(crate) fn commit_offsets_async(&self, offsets: Vec<(TopicPartition, i64)>) -> Result<()> {
        let Some(list) = self.commit_list(&offsets)? else {
            return Ok(());
        };
        tracing::debug!(?offsets, "committing asynchronously");
        self.base
            .commit(&list, CommitMode::Async)
            .map_err(|e| Error::kafka("commit", e))
    }

    fn commit_list(&self, offsets: &[(TopicPartition, i64)]) -> Result<Option<TopicPartitionList>> {
        self.require_group("commit")?;
        if offsets.is_empty() {
            return Ok(None);
        }
        let list = super::commit_metadata::offsets_list(
            offsets.iter().map(|(tp, offset)| (tp, *offset, None)),
        )?;
        Ok(Some(list))
    }

    /// The position of every partition that has one: what `commit()` commits.
    pub(crate) fn consumed_offsets(&self) -> Vec<(TopicPartition, i64)> {
        self.tracking().positions.entries()
    }

    /// Notes that the record at `offset` was handed to the application,
    /// and gives the topic's shared name for the record. It costs no
    /// allocation: this runs for every record.
    #[inline]
    pub(crate) fn record_consumed(&self, topic: &str, partition: i32, offset: i64) -> TopicName {
        let mut tracking = self.tracking();
        if self.auto_commit {
            tracking.unstored.set(topic, partition, offset + 1);
        }
        tracking.positions.set(topic, partition, offset + 1).clone()
    }

    /// With auto-commit on, gives the positions of records handed out so far
    /// (the application asked for more, so it is done with them) to
    /// librdkafka's offset store, which the auto-commit timer commits.
    #[inline]
    pub(crate) fn store_processed(&self, only: Option<&[TopicPartition]>) {
        if self.auto_commit {
            self.store_unstored(only);
        }
    }

    fn store_unstored(&self, only: Option<&[TopicPartition]>) {
        let unstored: Vec<(TopicPartition, i64)> = {
            let mut tracking = self.tracking();
            match only {
                None => tracking.unstored.drain(),
                Some(partitions) => partitions
                    .iter()
                    .filter_map(|tp| Some((tp.clone(), tracking.unstored.remove(tp)?)))
                    .collect(),
            }
        };
        if unstored.is_empty() {
            return;
        }
        let mut list = TopicPartitionList::with_capacity(unstored.len());
        for (tp, offset) in &unstored {
            if list
                .add_partition_offset(tp.topic(), tp.partition(), RdOffset::Offset(*offset))
                .is_err()
            {
                continue;
            }
        }
        if let Err(error) = self.base.store_offsets(&list) {
            tracing::debug!(%error, ?unstored, "could not store offsets for auto-commit");
        }
    }

    /// Forgets the positions of partitions no longer assigned.
    pub(crate) fn forget(&self, partitions: &[TopicPartition]) {
        let mut tracking = self.tracking();
        for tp in partitions {
            tracking.positions.remove(tp);
            tracking.unstored.remove(tp);
        }
    }

    /// Replaces every position (a new manual assignment).
    pub(crate) fn reset_positions(
        &self,
        positions: impl IntoIterator<Item = (TopicPartition, i64)>,
    ) {
        let mut tracking = self.tracking();
        tracking.positions = positions.into_iter().collect();
        tracking.unstored.clear();
    }

    /// Turns an error from librdkafka's consumer queue into one for the
    /// application, or `None` when librdkafka recovers by itself (it is then
    /// logged and kept in [`ConsumerCtx::last_error`]).
    pub(crate) fn consumption_error(&self, error: KafkaError) -> Option<Error> {
        use RDKafkaErrorCode as C;
        match &error {
            KafkaError::PartitionEOF(_) => None,
            KafkaError::MessageConsumptionFatal(_) => {
                tracing::error!(%error, "fatal consumer error: this consumer cannot go on");
                self.ctx().record_error(error.clone(), "fatal");
                Some(Error::Kafka {
                    operation: "consuming (fatal: create a new consumer)",
                    source: error,
                })
            }
            KafkaError::MessageConsumption(
                C::BrokerTransportFailure
                | C::AllBrokersDown
                | C::Resolve
                | C::BrokerNotAvailable
                | C::RequestTimedOut
                | C::NetworkException
                | C::LeaderNotAvailable
                | C::NotLeaderForPartition
                | C::CoordinatorNotAvailable
                | C::NotCoordinator
                | C::CoordinatorLoadInProgress
                | C::RebalanceInProgress
                | C::OperationTimedOut
                | C::TimedOutQueue,
            ) => {
                // Already logged and kept by the context's error callback.
                tracing::debug!(%error, "connection problem; librdkafka keeps retrying");
                None
            }
            _ => {
                tracing::warn!(%error, "consumer error");
                self.ctx().record_error(error.clone(), "consumer error");
                Some(Error::Kafka {
                    operation: "consuming",
                    source: error,
                })
            }
        }
    }
}

/// A partition list entry as its partition and exact offset (`None` for
/// librdkafka's logical offsets: invalid, beginning, end, stored).
fn exact_offset(entry: &TopicPartitionListElem<'_>) -> (TopicPartition, Option<i64>) {
    let offset = match entry.offset() {
        RdOffset::Offset(n) if n >= 0 => Some(n),
        _ => None,
    };
    (
        TopicPartition::new(entry.topic(), entry.partition()),
        offset,
    )
}
