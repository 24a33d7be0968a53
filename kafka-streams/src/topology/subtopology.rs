//! Splitting the graph into sub-topologies at repartition topics.
//!
//! Nodes connected by an edge belong together, and so do nodes that share a
//! state store (a store lives in exactly one task). Repartition topics are
//! not edges: their sink ends one sub-topology and their source starts
//! another, so the records make a round trip through Kafka (or through the
//! test driver) and arrive at the task that owns their key's partition.

use std::collections::BTreeMap;

use super::naming::changelog_topic_name;
use super::node::{Node, NodeId, NodeKind, SinkTopic, TopologyTopic};

/// One sub-topology: a connected part of the topology, run as one task per
/// partition of its source topics.
#[derive(Debug, Clone)]
pub struct SubTopology {
    pub(crate) id: usize,
    pub(crate) nodes: Vec<NodeId>,
    pub(crate) sources: Vec<TopologyTopic>,
    pub(crate) sinks: Vec<TopologyTopic>,
    pub(crate) dynamic_sinks: bool,
    pub(crate) stores: Vec<(String, bool)>,
}

impl SubTopology {
    /// Its id, numbered in the order the sub-topologies' first nodes were added.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The topics it reads: user topics and the repartition topics it consumes.
    pub fn source_topics(&self) -> &[TopologyTopic] {
        &self.sources
    }

    /// The topics it writes with a fixed name: user topics and the
    /// repartition topics it feeds. Changelog topics are listed by
    /// [`changelog_topics`](Self::changelog_topics).
    pub fn sink_topics(&self) -> &[TopologyTopic] {
        &self.sinks
    }

    /// Whether some sink chooses its topic per record (not listed above).
    pub fn has_dynamic_sinks(&self) -> bool {
        self.dynamic_sinks
    }

    /// The names of its state stores.
    pub fn store_names(&self) -> impl Iterator<Item = &str> {
        self.stores.iter().map(|(s, _)| s.as_str())
    }

    /// `(store, changelog topic)` for each of its logged stores.
    pub fn changelog_topics(&self, application_id: &str) -> Vec<(String, String)> {
        self.stores
            .iter()
            .filter(|(_, logged)| *logged)
            .map(|(s, _)| (s.clone(), changelog_topic_name(application_id, s)))
            .collect()
    }

    /// Whether it reads `topic` (a full topic name) under this application id.
    pub fn reads(&self, topic: &str, application_id: &str) -> bool {
        self.sources
            .iter()
            .any(|t| t.full_name(application_id) == topic)
    }
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    // The smaller root wins, so components are named by their first node.
    if ra < rb {
        parent[rb] = ra;
    } else {
        parent[ra] = rb;
    }
}

/// Assigns `node.subtopology` and describes each sub-topology.
pub(crate) fn split(nodes: &mut [Node], logged: &BTreeMap<String, bool>) -> Vec<SubTopology> {
    let mut parent: Vec<usize> = (0..nodes.len()).collect();
    let mut store_owner: BTreeMap<&str, NodeId> = BTreeMap::new();
    for (id, node) in nodes.iter().enumerate() {
        for &p in &node.parents {
            union(&mut parent, id, p);
        }
        for store in &node.stores {
            match store_owner.get(store.as_str()) {
                Some(&other) => union(&mut parent, id, other),
                None => {
                    store_owner.insert(store, id);
                }
            }
        }
    }
    let mut ids: BTreeMap<usize, usize> = BTreeMap::new();
    let mut subs: Vec<SubTopology> = Vec::new();
    for (id, node) in nodes.iter_mut().enumerate() {
        let root = find(&mut parent, id);
        let next = ids.len();
        let sub_id = *ids.entry(root).or_insert(next);
        if sub_id == subs.len() {
            subs.push(SubTopology {
                id: sub_id,
                nodes: Vec::new(),
                sources: Vec::new(),
                sinks: Vec::new(),
                dynamic_sinks: false,
                stores: Vec::new(),
            });
        }
        node.subtopology = sub_id;
        let sub = &mut subs[sub_id];
        sub.nodes.push(id);
        match &node.kind {
            NodeKind::Source { topic, .. } => sub.sources.push(topic.clone()),
            NodeKind::Sink {
                topic: SinkTopic::Fixed(topic),
                ..
            } => {
                if !sub.sinks.contains(topic) {
                    sub.sinks.push(topic.clone());
                }
            }
            NodeKind::Sink {
                topic: SinkTopic::Dynamic,
                ..
            } => sub.dynamic_sinks = true,
            NodeKind::Processor { .. } => {}
        }
        for store in &node.stores {
            if !sub.stores.iter().any(|(s, _)| s == store) {
                let is_logged = logged.get(store).copied().unwrap_or(false);
                sub.stores.push((store.clone(), is_logged));
            }
        }
    }
    subs
}
