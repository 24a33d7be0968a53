//! The driver's tasks and topics.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use kafka_client::{Headers, TopicName};

use crate::error::{Error, Result};
use crate::state::StoreSlot;
use crate::task::{OwnedSourceRecord, SinkRecord, StreamTask};
use crate::topology::{changelog_topic_name, repartition_topic_name, Topology};

/// Everything the driver's handles share.
#[derive(Debug)]
pub(crate) struct DriverState {
    topology: Arc<Topology>,
    application_id: String,
    wall_clock: i64,
    /// One task per sub-topology (index = id), all on partition 0.
    tasks: Vec<StreamTask>,
    /// The next offset per topic.
    offsets: HashMap<String, i64>,
    outputs: HashMap<String, VecDeque<SinkRecord>>,
    /// Changelog topic -> store.
    changelog_topics: HashMap<String, String>,
    /// Full names of the repartition topics.
    repartition_topics: HashSet<String>,
    changelogs: BTreeMap<String, Vec<SinkRecord>>,
}

impl DriverState {
    pub(crate) fn new(
        topology: Arc<Topology>,
        application_id: String,
        wall_clock: i64,
        tasks: Vec<StreamTask>,
    ) -> Self {
        let changelog_topics = topology
            .stores()
            .iter()
            .map(|s| {
                (
                    changelog_topic_name(&application_id, s.name()),
                    s.name().to_string(),
                )
            })
            .collect();
        let repartition_topics = topology
            .repartition_topics()
            .iter()
            .map(|name| repartition_topic_name(&application_id, name))
            .collect();
        DriverState {
            repartition_topics,
            topology,
            application_id,
            wall_clock,
            tasks,
            offsets: HashMap::new(),
            outputs: HashMap::new(),
            changelog_topics,
            changelogs: BTreeMap::new(),
        }
    }

    pub(crate) fn application_id(&self) -> &str {
        &self.application_id
    }

    pub(crate) fn wall_clock(&self) -> i64 {
        self.wall_clock
    }

    fn next_offset(&mut self, topic: &str) -> i64 {
        let next = self.offsets.entry(topic.to_string()).or_insert(0);
        let offset = *next;
        *next += 1;
        offset
    }

    /// Feeds one serialized record to the task reading `topic` and runs
    /// everything it causes, across repartition hops.
    pub(crate) fn pipe(
        &mut self,
        topic: &str,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        timestamp: i64,
        headers: Headers,
    ) -> Result<()> {
        let Some(sub) = self
            .topology
            .subtopology_reading(topic, &self.application_id)
        else {
            return Err(Error::TestDriver(format!(
                "topic `{topic}` is not read by the topology (it reads: {})",
                self.topology.source_topics().join(", ")
            )));
        };
        let offset = self.next_offset(topic);
        let mut queue = VecDeque::new();
        queue.push_back((
            sub,
            OwnedSourceRecord {
                topic: TopicName::from(topic),
                partition: 0,
                offset,
                timestamp,
                key,
                value,
                headers,
            },
        ));
        self.run(queue)
    }

    fn run(&mut self, mut queue: VecDeque<(usize, OwnedSourceRecord)>) -> Result<()> {
        while let Some((sub, mut record)) = queue.pop_front() {
            let task = self.task_mut(sub)?;
            task.process(record.lend())?;
            // Like Kafka's test driver, a commit after every record: the
            // record caches and changelogs are flushed at once.
            task.flush()?;
            let produced = task.drain_output();
            self.route(produced, &mut queue);
        }
        Ok(())
    }

    fn task_mut(&mut self, sub: usize) -> Result<&mut StreamTask> {
        self.tasks
            .get_mut(sub)
            .ok_or(Error::UnknownSubTopology(sub))
    }

    /// Sends produced records where the cluster would deliver them.
    fn route(
        &mut self,
        produced: Vec<SinkRecord>,
        queue: &mut VecDeque<(usize, OwnedSourceRecord)>,
    ) {
        for record in produced {
            if let Some(store) = self.changelog_topics.get(record.topic.as_str()) {
                self.changelogs
                    .entry(store.clone())
                    .or_default()
                    .push(record);
                continue;
            }
            let reader = self
                .topology
                .subtopology_reading(&record.topic, &self.application_id);
            let internal = self.repartition_topics.contains(record.topic.as_str());
            if let Some(sub) = reader {
                let offset = self.next_offset(&record.topic);
                queue.push_back((
                    sub,
                    OwnedSourceRecord {
                        topic: record.topic.clone(),
                        partition: 0,
                        offset,
                        timestamp: record.timestamp,
                        key: record.key.clone(),
                        value: record.value.clone(),
                        headers: record.headers.clone(),
                    },
                ));
            }
            if !internal {
                self.outputs
                    .entry(record.topic.to_string())
                    .or_default()
                    .push_back(record);
            }
        }
    }

    pub(crate) fn advance_wall_clock(&mut self, ms: i64) -> Result<()> {
        if ms < 0 {
            return Err(Error::TestDriver(format!(
                "wall-clock time cannot go back (advance by {ms} ms)"
            )));
        }
        self.wall_clock = self.wall_clock.saturating_add(ms);
        let now = self.wall_clock;
        for sub in 0..self.tasks.len() {
            let task = self.task_mut(sub)?;
            task.punctuate(now)?;
            task.flush()?;
            let produced = task.drain_output();
            let mut queue = VecDeque::new();
            self.route(produced, &mut queue);
            self.run(queue)?;
        }
        Ok(())
    }

    pub(crate) fn dropped_records(&self) -> u64 {
        self.tasks.iter().map(StreamTask::dropped_records).sum()
    }

    /// Takes the next record written to `topic`.
    pub(crate) fn pop_output(&mut self, topic: &str) -> Option<SinkRecord> {
        self.outputs.get_mut(topic).and_then(VecDeque::pop_front)
    }

    pub(crate) fn output_len(&self, topic: &str) -> usize {
        self.outputs.get(topic).map_or(0, VecDeque::len)
    }

    pub(crate) fn changelog(&self, store: &str) -> &[SinkRecord] {
        self.changelogs.get(store).map_or(&[], Vec::as_slice)
    }

    /// The task holding `store`.
    pub(crate) fn topology(&self) -> &Topology {
        &self.topology
    }

    pub(crate) fn store_task(&self, store: &str) -> Result<&StreamTask> {
        self.tasks
            .iter()
            .find(|t| t.store_names().any(|s| s == store))
            .ok_or_else(|| Error::UnknownStore {
                store: store.to_string(),
                available: self
                    .tasks
                    .iter()
                    .flat_map(|t| t.store_names().map(str::to_string))
                    .collect(),
            })
    }

    pub(crate) fn store_slot(&self, store: &str) -> Result<&StoreSlot> {
        self.store_task(store)?.store_slot(store)
    }
}
