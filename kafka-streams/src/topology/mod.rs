//! The topology: an immutable graph of named nodes, split into
//! sub-topologies at repartition topics.
//!
//! `StreamsBuilder::build` validates what the DSL recorded and freezes it
//! into a [`Topology`]. Nothing runs yet: a runtime (or the test driver)
//! creates one task per (sub-topology, partition), each with fresh processor
//! instances and stores.
//!
//! Internal topic names depend on the application id, which is only known
//! at run time: the topology keeps the `<name>` part, and
//! [`repartition_topic_name`] / [`changelog_topic_name`] make full names.

mod describe;
mod graph;
mod mermaid;
mod naming;
mod node;
mod subtopology;

use std::collections::{BTreeMap, BTreeSet};

pub use describe::TopologyDescription;
pub(crate) use graph::{fixed, GraphBuilder};
pub use naming::{changelog_topic_name, repartition_topic_name};
pub use node::TopologyTopic;
pub(crate) use node::{Node, NodeId, NodeKind, SinkTopic};
pub use subtopology::SubTopology;

use crate::state::{StoreKind, StoreSpec};

/// A state store as the topology knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    name: String,
    kind: StoreKind,
    logged: bool,
    subtopology: Option<usize>,
}

impl StoreInfo {
    /// The store's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kind of store.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// Whether it is backed by a changelog topic.
    pub fn is_logged(&self) -> bool {
        self.logged
    }

    /// The sub-topology that owns it (`None` if no processor uses it).
    pub fn subtopology(&self) -> Option<usize> {
        self.subtopology
    }

    /// Its changelog topic under this application id, if logged.
    pub fn changelog_topic(&self, application_id: &str) -> Option<String> {
        self.logged
            .then(|| changelog_topic_name(application_id, &self.name))
    }
}

/// An immutable, shareable (`Send + Sync`, wrap it in an `Arc`) description
/// of a stream-processing application.
///
/// ```
/// use kafka_streams::{Consumed, Produced, StreamsBuilder};
/// let builder = StreamsBuilder::new();
/// builder
///     .stream::<String, String>("in", Consumed::default())
///     .filter(|_k, v| !v.is_empty())
///     .to("out", Produced::default());
/// let topology = builder.build()?;
/// assert_eq!(topology.subtopologies().len(), 1);
/// assert_eq!(topology.source_topics(), vec!["in"]);
/// println!("{}", topology.describe());
/// # Ok::<(), kafka_streams::Error>(())
/// ```
#[derive(Debug)]
pub struct Topology {
    nodes: Vec<Node>,
    subtopologies: Vec<SubTopology>,
    stores: BTreeMap<String, StoreSpec>,
}

impl Topology {
    pub(crate) fn new(
        nodes: Vec<Node>,
        subtopologies: Vec<SubTopology>,
        stores: BTreeMap<String, StoreSpec>,
    ) -> Self {
        Topology {
            nodes,
            subtopologies,
            stores,
        }
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub(crate) fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub(crate) fn store_spec(&self, name: &str) -> Option<&StoreSpec> {
        self.stores.get(name)
    }

    /// The sub-topologies, by id (index = id).
    pub fn subtopologies(&self) -> &[SubTopology] {
        &self.subtopologies
    }

    /// The sub-topology with this id.
    pub fn subtopology(&self, id: usize) -> Option<&SubTopology> {
        self.subtopologies.get(id)
    }

    /// The id of the sub-topology that reads `topic` (a full topic name).
    pub fn subtopology_reading(&self, topic: &str, application_id: &str) -> Option<usize> {
        self.subtopologies
            .iter()
            .find(|s| s.reads(topic, application_id))
            .map(SubTopology::id)
    }

    /// The user topics the application reads, sorted.
    pub fn source_topics(&self) -> Vec<&str> {
        let topics: BTreeSet<&str> = self
            .subtopologies
            .iter()
            .flat_map(|s| s.sources.iter())
            .filter_map(|t| match t {
                TopologyTopic::User(t) => Some(t.as_str()),
                TopologyTopic::Repartition(_) => None,
            })
            .collect();
        topics.into_iter().collect()
    }

    /// The user topics the application writes with a fixed name, sorted.
    pub fn sink_topics(&self) -> Vec<&str> {
        let topics: BTreeSet<&str> = self
            .subtopologies
            .iter()
            .flat_map(|s| s.sinks.iter())
            .filter_map(|t| match t {
                TopologyTopic::User(t) => Some(t.as_str()),
                TopologyTopic::Repartition(_) => None,
            })
            .collect();
        topics.into_iter().collect()
    }

    /// The `<name>` parts of the repartition topics, sorted; see
    /// [`repartition_topic_name`] for the full names.
    pub fn repartition_topics(&self) -> Vec<&str> {
        let topics: BTreeSet<&str> = self
            .subtopologies
            .iter()
            .flat_map(|s| s.sources.iter())
            .filter_map(|t| match t {
                TopologyTopic::Repartition(n) => Some(n.as_str()),
                TopologyTopic::User(_) => None,
            })
            .collect();
        topics.into_iter().collect()
    }

    /// The state stores, by name.
    pub fn stores(&self) -> Vec<StoreInfo> {
        self.stores
            .values()
            .map(|s| StoreInfo {
                name: s.name.clone(),
                kind: s.kind,
                logged: s.logged,
                subtopology: self
                    .subtopologies
                    .iter()
                    .find(|sub| sub.store_names().any(|n| n == s.name))
                    .map(SubTopology::id),
            })
            .collect()
    }

    /// Checks that `name` is a store of `wanted`'s kind (its retention
    /// aside), for the store queries: an unknown name or another kind is
    /// an error naming the store.
    pub(crate) fn check_store_kind(&self, name: &str, wanted: StoreKind) -> crate::Result<()> {
        let Some(store) = self.stores.values().find(|s| s.name == name) else {
            return Err(crate::Error::UnknownStore {
                store: name.to_string(),
                available: self.stores.values().map(|s| s.name.clone()).collect(),
            });
        };
        if std::mem::discriminant(&store.kind) != std::mem::discriminant(&wanted) {
            return Err(crate::Error::StoreKindMismatch {
                store: name.to_string(),
                expected: wanted.describe(),
                actual: store.kind.describe(),
            });
        }
        Ok(())
    }

    /// The changelog topics of all logged stores under this application id.
    pub fn changelog_topics(&self, application_id: &str) -> Vec<String> {
        self.stores()
            .iter()
            .filter_map(|s| s.changelog_topic(application_id))
            .collect()
    }

    /// Groups of source topics that must have the same number of partitions
    /// (co-partitioning): the sources of a sub-topology that holds state
    /// stores, when it has more than one. Partition `p` of each of them is
    /// processed by the same task, so a key must land on the same partition
    /// number in all of them. Repartition topics in a group should be
    /// created with the partition count of the group's user topics.
    pub fn copartition_groups(&self) -> Vec<BTreeSet<TopologyTopic>> {
        self.subtopologies
            .iter()
            .filter(|s| s.sources.len() > 1 && !s.stores.is_empty())
            .map(|s| s.sources.iter().cloned().collect())
            .collect()
    }

    /// A text description in the spirit of Kafka's `TopologyDescription`.
    pub fn describe(&self) -> TopologyDescription {
        TopologyDescription::new(self)
    }

    /// The topology as a Mermaid flowchart: one subgraph per sub-topology,
    /// topics as stadiums, stores as cylinders.
    pub fn to_mermaid(&self) -> String {
        mermaid::render(self)
    }
}
