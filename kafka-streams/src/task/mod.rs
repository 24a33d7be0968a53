//! `StreamTask`: runs one sub-topology for one partition, bytes in, bytes out.
//!
//! This is the boundary between the topology and a runtime. A runtime
//! creates one task per (sub-topology, partition) and
//!
//! 1. restores the task's stores from their changelog topics
//!    ([`StreamTask::restore`]), before anything else;
//! 2. feeds it consumed records ([`StreamTask::process`]): the task
//!    deserializes them with the source's serdes, runs the processors
//!    synchronously (depth first, as Kafka Streams does), fires stream-time
//!    punctuations as stream time advances, and buffers what they produce;
//! 3. calls [`StreamTask::punctuate`] with the wall-clock time now and then;
//! 4. before each commit, calls [`StreamTask::flush`]: the processors
//!    forward what they held back (the KTable aggregations' record caches)
//!    and each store's changed keys become changelog records;
//! 5. collects the buffered [`SinkRecord`]s ([`StreamTask::drain_output`]):
//!    user sink records, repartition records (partition `None`: partition by
//!    murmur2 of the key) and changelog records (partition = task partition),
//!    sends them, and only then commits the input offsets.
//!
//! Errors: a record that cannot be deserialized comes back as
//! [`Error::Deserialization`] with its topic, partition, offset and raw
//! bytes, before any processor ran (a handler may skip it and go on). A
//! processor that fails or panics comes back as [`Error::Processor`] naming
//! the processor and the record's origin; what it had produced before
//! failing stays in the output buffer, and its stores keep the updates made
//! so far, so a runtime should treat such an error as fatal for the task
//! (close it without committing and restore it from the changelog), unless
//! a handler decides to continue.
//!
//! The test driver runs exactly these tasks.
#![cfg_attr(not(feature = "test-util"), allow(dead_code))]

mod core;
mod records;
mod stores;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use kafka_client::TopicName;
use rustc_hash::FxHashMap;

pub(crate) use self::core::TaskCore;
pub(crate) use records::{OwnedSourceRecord, SinkRecord, SourceRecord};

use crate::error::{Error, RecordOrigin, Result};
use crate::processor::erased::{AnyRecord, Env, ErasedProcessor, Outbox};
use crate::processor::sink::SinkEnv;
use crate::processor::{PunctuationType, Schedule};
use crate::state::{ReadOnlyKeyValueView, ReadOnlySessionView, ReadOnlyWindowView, StoreSlot};
use crate::topology::{changelog_topic_name, NodeId, NodeKind, SinkTopic, Topology};

/// How many keys a processor's record cache holds by default before it
/// forwards them all (see [`StreamTask::set_forward_cache_capacity`]).
pub(crate) const DEFAULT_FORWARD_CACHE_CAPACITY: usize = 10_000;

/// How many changed keys a store may collect before the task turns them
/// into changelog records without waiting for the commit: bounds the
/// memory of a long commit interval over many keys.
const MAX_PENDING_CHANGELOG: usize = 10_000;

/// One sub-topology running for one partition.
pub(crate) struct StreamTask {
    topology: Arc<Topology>,
    subtopology: usize,
    processors: FxHashMap<NodeId, Box<dyn ErasedProcessor>>,
    sources: FxHashMap<String, NodeId>,
    /// The full topic name of each sink with a fixed topic.
    sink_topics: FxHashMap<NodeId, TopicName>,
    changelogs: BTreeMap<String, TopicName>,
    core: TaskCore,
    output: Vec<SinkRecord>,
    /// Buffers for the records on their way through the processors, kept
    /// between records so that processing one allocates none.
    pending: Outbox,
    forwarded: Outbox,
    initialized: bool,
}

impl std::fmt::Debug for StreamTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamTask")
            .field("subtopology", &self.subtopology)
            .field("partition", &self.core.partition)
            .field("stores", &self.core.stores.names().collect::<Vec<_>>())
            .field("stream_time", &self.core.stream_time)
            .field("buffered_output", &self.output.len())
            .finish()
    }
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".to_string()
    }
}

/// Runs one processor callback, turning errors and panics into
/// [`Error::Processor`]. Takes the task's parts it needs, so that a caller
/// can hold other parts (the topology) borrowed meanwhile.
fn call_processor(
    topology: &Topology,
    processors: &mut FxHashMap<NodeId, Box<dyn ErasedProcessor>>,
    core: &mut TaskCore,
    node: NodeId,
    outbox: &mut Outbox,
    f: impl FnOnce(&mut dyn ErasedProcessor, Env<'_>) -> Result<()>,
) -> Result<()> {
    let Some(processor) = processors.get_mut(&node) else {
        return Err(Error::Internal {
            node: topology.node(node).name().to_string(),
            message: "no processor instance in this task".to_string(),
        });
    };
    let env = Env {
        core: &mut *core,
        topology,
        node,
        outbox,
    };
    let result = catch_unwind(AssertUnwindSafe(|| f(processor.as_mut(), env)));
    let (message, source) = match result {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(e)) => (e.to_string(), Some(Box::new(e))),
        Err(payload) => (panic_message(payload.as_ref()), None),
    };
    Err(Error::Processor {
        processor: topology.node(node).name().to_string(),
        origin: core.origin.clone(),
        message,
        source,
    })
}

impl StreamTask {
    /// A task for `partition` of sub-topology `subtopology`, with fresh
    /// processors and empty stores. `wall_clock_ms` is the current wall-clock
    /// time (wall-clock punctuations are scheduled from it).
    pub(crate) fn new(
        topology: Arc<Topology>,
        subtopology: usize,
        partition: i32,
        application_id: &str,
        wall_clock_ms: i64,
    ) -> Result<Self> {
        let sub = topology
            .subtopology(subtopology)
            .ok_or(Error::UnknownSubTopology(subtopology))?;
        let mut processors = FxHashMap::default();
        let mut sources = FxHashMap::default();
        let mut sink_topics = FxHashMap::default();
        for &id in &sub.nodes {
            match &topology.node(id).kind {
                NodeKind::Processor { factory, .. } => {
                    processors.insert(id, factory());
                }
                NodeKind::Source { topic, .. } => {
                    sources.insert(topic.full_name(application_id), id);
                }
                NodeKind::Sink {
                    topic: SinkTopic::Fixed(topic),
                    ..
                } => {
                    sink_topics.insert(id, topic.full_name(application_id).into());
                }
                NodeKind::Sink { .. } => {}
            }
        }
        let mut stores = stores::TaskStores::default();
        let mut changelogs = BTreeMap::new();
        for name in sub.store_names() {
            let spec = topology
                .store_spec(name)
                .ok_or_else(|| Error::UnknownStore {
                    store: name.to_string(),
                    available: Vec::new(),
                })?;
            if spec.logged {
                changelogs.insert(
                    name.to_string(),
                    changelog_topic_name(application_id, name).into(),
                );
            }
            stores.insert(name.to_string(), spec.create());
        }
        let core = TaskCore {
            application_id: application_id.to_string(),
            partition,
            stores,
            schedules: Vec::new(),
            next_schedule_id: 0,
            stream_time: None,
            wall_clock: wall_clock_ms,
            origin: RecordOrigin::Punctuation {
                timestamp: wall_clock_ms,
            },
            dropped_records: 0,
            forward_cache_capacity: DEFAULT_FORWARD_CACHE_CAPACITY,
            cacheable: cacheable_nodes(&topology),
        };
        Ok(StreamTask {
            topology,
            subtopology,
            processors,
            sources,
            sink_topics,
            changelogs,
            core,
            output: Vec::new(),
            pending: Outbox::new(),
            forwarded: Outbox::new(),
            initialized: false,
        })
    }

    /// How many keys each processor's record cache may hold before it
    /// forwards them all; 0 turns the caches off (every update is forwarded
    /// at once).
    pub(crate) fn set_forward_cache_capacity(&mut self, capacity: usize) {
        self.core.forward_cache_capacity = capacity;
    }

    /// The sub-topology this task runs.
    #[allow(
        dead_code,
        reason = "part of the runtime's task API; the test driver does not need it"
    )]
    pub(crate) fn subtopology(&self) -> usize {
        self.subtopology
    }

    /// The partition this task owns.
    #[allow(
        dead_code,
        reason = "part of the runtime's task API; the test driver does not need it"
    )]
    pub(crate) fn partition(&self) -> i32 {
        self.core.partition
    }

    /// The largest record timestamp seen, if any.
    #[allow(
        dead_code,
        reason = "part of the runtime's task API; the test driver does not need it"
    )]
    pub(crate) fn stream_time(&self) -> Option<i64> {
        self.core.stream_time
    }

    /// How many records this task dropped because they arrived after their
    /// window (or join window) had closed (`window end + grace` reached by
    /// stream time), or because a key-value or windowed aggregation got a
    /// null key or value, which it cannot group (as Kafka Streams does). Windowed aggregations, session aggregations and
    /// stream-stream joins count a record once, however many windows it
    /// missed; each drop is also logged at debug level. A runtime exposes
    /// this as the task's `dropped-records` metric.
    #[allow(
        dead_code,
        reason = "part of the runtime's task API; the test driver sums it over tasks"
    )]
    pub(crate) fn dropped_records(&self) -> u64 {
        self.core.dropped_records
    }

    /// The names of this task's stores.
    pub(crate) fn store_names(&self) -> impl Iterator<Item = &str> {
        self.core.stores.names()
    }

    /// The store a changelog topic (full name) belongs to.
    #[allow(
        dead_code,
        reason = "part of the runtime's task API; the test driver does not need it"
    )]
    pub(crate) fn store_for_changelog(&self, topic: &str) -> Option<&str> {
        self.changelogs
            .iter()
            .find(|(_, t)| t.as_str() == topic)
            .map(|(s, _)| s.as_str())
    }

    /// Rebuilds a store from one changelog record (before processing).
    #[allow(
        dead_code,
        reason = "part of the runtime's task API; the test driver does not need it"
    )]
    pub(crate) fn restore(&mut self, store: &str, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        self.core.store_mut(store)?.restore(key, value);
        Ok(())
    }

    /// Typed read access to a store, for interactive queries.
    pub(crate) fn key_value_store<K: 'static, V: 'static>(
        &self,
        name: &str,
    ) -> Result<ReadOnlyKeyValueView<'_, K, V>> {
        self.core.store(name)?.key_value::<K, V>()
    }

    pub(crate) fn window_store<K: 'static, V: 'static>(
        &self,
        name: &str,
    ) -> Result<ReadOnlyWindowView<'_, K, V>> {
        self.core.store(name)?.window::<K, V>()
    }

    pub(crate) fn session_store<K: 'static, V: 'static>(
        &self,
        name: &str,
    ) -> Result<ReadOnlySessionView<'_, K, V>> {
        self.core.store(name)?.session::<K, V>()
    }

    pub(crate) fn store_slot(&self, name: &str) -> Result<&StoreSlot> {
        self.core.store(name)
    }

    /// Processes one consumed record, buffering everything it produces.
    pub(crate) fn process(&mut self, record: SourceRecord<'_>) -> Result<()> {
        self.initialize()?;
        let Some(&node) = self.sources.get(record.topic.as_str()) else {
            return Err(Error::UnknownTopic {
                topic: record.topic.to_string(),
                subtopology: self.subtopology,
            });
        };
        let NodeKind::Source { decoder, .. } = &self.topology.node(node).kind else {
            return Err(Error::Internal {
                node: self.topology.node(node).name().to_string(),
                message: "not a source".to_string(),
            });
        };
        // Borrowed, not cloned: the topology is shared by every task of
        // every thread, and a reference count bumped per record makes its
        // cache line travel between the threads' cores.
        let origin = RecordOrigin::Input {
            topic: record.topic.clone(),
            partition: record.partition,
            offset: record.offset,
        };
        let (typed, timestamp) = decoder.decode(
            self.topology.node(node).name(),
            record,
            self.core.stream_time,
        )?;
        self.core.origin = origin;
        self.core.stream_time = Some(
            self.core
                .stream_time
                .map_or(timestamp, |t| t.max(timestamp)),
        );
        let mut outbox = std::mem::take(&mut self.pending);
        decoder.fan_out(typed, &self.topology, node, &mut outbox)?;
        self.run(outbox)?;
        if let Some(now) = self.core.stream_time {
            self.punctuate_due(PunctuationType::StreamTime, now)?;
        }
        if self
            .core
            .stores
            .slots()
            .any(|s| s.changelog_pending() >= MAX_PENDING_CHANGELOG)
        {
            self.flush_changelogs();
        }
        Ok(())
    }

    /// Before a commit: every processor forwards what it held back (in
    /// topology order, each forwarded record running downstream at once),
    /// then each store's changed keys become changelog records. All of it
    /// lands in the output buffer.
    pub(crate) fn flush(&mut self) -> Result<()> {
        if self.initialized {
            let mut ids: Vec<NodeId> = self.processors.keys().copied().collect();
            ids.sort_unstable();
            for node in ids {
                let mut outbox = Outbox::new();
                self.call(node, &mut outbox, |p, env| p.flush(env))?;
                self.run(outbox)?;
            }
        }
        self.flush_changelogs();
        Ok(())
    }

    /// Runs the wall-clock punctuations due at `wall_clock_ms`.
    pub(crate) fn punctuate(&mut self, wall_clock_ms: i64) -> Result<()> {
        self.initialize()?;
        self.core.wall_clock = self.core.wall_clock.max(wall_clock_ms);
        self.punctuate_due(PunctuationType::WallClockTime, self.core.wall_clock)
    }

    /// Takes every record produced since the last call, in production order.
    pub(crate) fn drain_output(&mut self) -> Vec<SinkRecord> {
        std::mem::take(&mut self.output)
    }

    /// Moves every record produced since the last call into `out`.
    #[allow(
        dead_code,
        reason = "part of the runtime's task API; the test driver does not need it"
    )]
    pub(crate) fn drain_into(&mut self, out: &mut Vec<SinkRecord>) {
        out.append(&mut self.output);
    }

    /// Calls every processor's `init` once, after restoration.
    fn initialize(&mut self) -> Result<()> {
        if self.initialized {
            return Ok(());
        }
        self.initialized = true;
        let topology = self.topology.clone();
        let mut ids: Vec<NodeId> = self.processors.keys().copied().collect();
        ids.sort_unstable();
        for node in ids {
            let mut outbox = Outbox::new();
            self.call(node, &mut outbox, |p, env| p.init(env))?;
            if !outbox.is_empty() {
                tracing::debug!(
                    processor = topology.node(node).name(),
                    "records forwarded in init are processed now"
                );
                self.run(outbox)?;
            }
        }
        Ok(())
    }

    fn punctuate_due(&mut self, kind: PunctuationType, now: i64) -> Result<()> {
        let due: Vec<Schedule> = self
            .core
            .schedules
            .iter_mut()
            .filter(|s| s.kind == kind)
            .filter_map(|s| s.due(now).then(|| s.clone()))
            .collect();
        for schedule in due {
            self.core.origin = RecordOrigin::Punctuation { timestamp: now };
            let mut outbox = Outbox::new();
            self.call(schedule.node, &mut outbox, |p, env| {
                p.punctuate(schedule.id, now, env)
            })?;
            self.run(outbox)?;
        }
        Ok(())
    }

    /// Runs one processor callback, turning errors and panics into
    /// [`Error::Processor`].
    fn call(
        &mut self,
        node: NodeId,
        outbox: &mut Outbox,
        f: impl FnOnce(&mut dyn ErasedProcessor, Env<'_>) -> Result<()>,
    ) -> Result<()> {
        call_processor(
            &self.topology,
            &mut self.processors,
            &mut self.core,
            node,
            outbox,
            f,
        )
    }

    /// Runs forwarded records depth first: a record and everything it
    /// causes downstream are processed before the next forwarded record.
    fn run(&mut self, outbox: Outbox) -> Result<()> {
        if outbox.is_empty() {
            self.pending = outbox;
            return Ok(());
        }
        let mut stack: Vec<(NodeId, AnyRecord)> = outbox;
        stack.reverse();
        // Reused for what each processor forwards.
        let mut forwarded = std::mem::take(&mut self.forwarded);
        // Borrowed field by field, not cloned (see `process`).
        let topology = &*self.topology;
        while let Some((node, record)) = stack.pop() {
            match &topology.node(node).kind {
                NodeKind::Processor { .. } => {
                    call_processor(
                        topology,
                        &mut self.processors,
                        &mut self.core,
                        node,
                        &mut forwarded,
                        move |p, env| p.process(record, env),
                    )?;
                    stack.extend(forwarded.drain(..).rev());
                }
                NodeKind::Sink { encoder, .. } => {
                    let out = encoder.encode(
                        record,
                        SinkEnv {
                            topology,
                            node,
                            application_id: &self.core.application_id,
                            topic: self.sink_topics.get(&node),
                            origin: &self.core.origin,
                        },
                    )?;
                    self.output.push(out);
                }
                NodeKind::Source { .. } => {
                    return Err(Error::Internal {
                        node: topology.node(node).name().to_string(),
                        message: "a record was forwarded to a source".to_string(),
                    })
                }
            }
        }
        // Both are empty now; keep their room for the next record.
        self.forwarded = forwarded;
        self.pending = stack;
        Ok(())
    }
    /// Turns the stores' changed keys into changelog records, stamped with
    /// stream time (wall-clock time before the first record).
    fn flush_changelogs(&mut self) {
        let partition = self.core.partition;
        let timestamp = self.core.stream_time.unwrap_or(self.core.wall_clock);
        for (name, slot) in self.core.stores.iter_mut() {
            let Some(topic) = self.changelogs.get(name) else {
                continue;
            };
            for entry in slot.drain_changelog() {
                self.output.push(SinkRecord {
                    topic: topic.clone(),
                    partition: Some(partition),
                    key: Some(entry.key),
                    value: entry.value,
                    timestamp,
                    headers: kafka_client::Headers::new(),
                    record_id: None,
                });
            }
        }
    }
}

/// Per node of `topology`: whether no repartition sink is downstream of it
/// (children never cross sub-topologies, so this stays in its own).
fn cacheable_nodes(topology: &Topology) -> Vec<bool> {
    let nodes = topology.nodes();
    let feeds_repartition = |start: NodeId| {
        let mut stack = vec![start];
        let mut seen = vec![false; nodes.len()];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            if let NodeKind::Sink {
                topic: SinkTopic::Fixed(topic),
                ..
            } = &nodes[id].kind
            {
                if topic.is_repartition() {
                    return true;
                }
            }
            stack.extend(nodes[id].children().iter().copied());
        }
        false
    };
    (0..nodes.len()).map(|id| !feeds_repartition(id)).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests;
