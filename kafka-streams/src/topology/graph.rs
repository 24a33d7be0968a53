//! The graph under construction, as the DSL records it, and its validation
//! into an immutable [`Topology`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::naming::NameGenerator;
use super::node::{Node, NodeId, NodeKind, SinkTopic, TopologyTopic};
use super::subtopology::split;
use super::Topology;
use crate::error::{Error, Result};
use crate::processor::erased::ProcessorFactory;
use crate::processor::sink::SinkEncoder;
use crate::processor::source::SourceDecoder;
use crate::state::StoreSpec;

/// Nodes and stores recorded by the DSL. Recording does no work: factories
/// are only called when a task is created.
#[derive(Debug, Default)]
pub(crate) struct GraphBuilder {
    nodes: Vec<Node>,
    stores: Vec<StoreSpec>,
    names: NameGenerator,
    /// The grace period of the windowed aggregation that produced a node
    /// (for `suppress(until window closes)` downstream).
    /// (grace in ms, whether window ends are inclusive as for sessions).
    window_grace: HashMap<NodeId, (i64, bool)>,
    /// Mistakes found while recording, reported by `build()`.
    invalid: Vec<String>,
}

impl GraphBuilder {
    /// A generated name such as `KSTREAM-FILTER-0000000003`.
    pub(crate) fn generate(&mut self, prefix: &str) -> String {
        self.names.generate(prefix)
    }

    /// The user's name, or a generated one.
    pub(crate) fn name_or(&mut self, name: Option<String>, prefix: &str) -> String {
        name.unwrap_or_else(|| self.generate(prefix))
    }

    pub(crate) fn add_source(
        &mut self,
        name: String,
        topic: TopologyTopic,
        decoder: Arc<dyn SourceDecoder>,
    ) -> NodeId {
        self.push(Node::new(
            name,
            NodeKind::Source { topic, decoder },
            Vec::new(),
        ))
    }

    pub(crate) fn add_processor(
        &mut self,
        name: String,
        parents: Vec<NodeId>,
        factory: ProcessorFactory,
    ) -> NodeId {
        self.push(Node::new(
            name,
            NodeKind::Processor {
                factory,
                side_effect: false,
            },
            parents,
        ))
    }

    pub(crate) fn add_sink(
        &mut self,
        name: String,
        parent: NodeId,
        topic: SinkTopic,
        encoder: Arc<dyn SinkEncoder>,
    ) -> NodeId {
        self.push(Node::new(
            name,
            NodeKind::Sink { topic, encoder },
            vec![parent],
        ))
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Marks a processor as having effects outside the topology.
    pub(crate) fn mark_side_effect(&mut self, node: NodeId) {
        if let Some(Node {
            kind: NodeKind::Processor { side_effect, .. },
            ..
        }) = self.nodes.get_mut(node)
        {
            *side_effect = true;
        }
    }

    /// Connects a processor to a store (by name; checked at build time).
    pub(crate) fn connect_store(&mut self, node: NodeId, store: String) {
        if let Some(n) = self.nodes.get_mut(node) {
            if !n.stores.contains(&store) {
                n.stores.push(store);
            }
        }
    }

    /// Replaces a processor's factory (a split gains branches one by one).
    pub(crate) fn set_factory(&mut self, node: NodeId, new: ProcessorFactory) {
        if let Some(Node {
            kind: NodeKind::Processor { factory, .. },
            ..
        }) = self.nodes.get_mut(node)
        {
            *factory = new;
        }
    }

    pub(crate) fn node_name(&self, node: NodeId) -> String {
        self.nodes
            .get(node)
            .map(|n| n.name.clone())
            .unwrap_or_default()
    }

    pub(crate) fn rename(&mut self, node: NodeId, name: String) {
        if let Some(n) = self.nodes.get_mut(node) {
            n.name = name;
        }
    }

    /// Records that `node` produces windowed results with this grace period.
    pub(crate) fn set_window_grace(&mut self, node: NodeId, grace_ms: i64, end_inclusive: bool) {
        self.window_grace.insert(node, (grace_ms, end_inclusive));
    }

    /// The grace period of the windowed aggregation upstream of `node`
    /// (following first parents), if any.
    pub(crate) fn window_grace(&self, node: NodeId) -> Option<(i64, bool)> {
        let mut current = Some(node);
        while let Some(id) = current {
            if let Some(&grace) = self.window_grace.get(&id) {
                return Some(grace);
            }
            current = self.nodes.get(id).and_then(|n| n.parents.first().copied());
        }
        None
    }

    /// Records a mistake that `build()` reports as [`Error::InvalidTopology`].
    pub(crate) fn invalid(&mut self, message: String) {
        self.invalid.push(message);
    }

    pub(crate) fn add_store(&mut self, store: StoreSpec) {
        self.stores.push(store);
    }

    /// Validates the graph and freezes it.
    pub(crate) fn build(&self) -> Result<Topology> {
        if let Some(message) = self.invalid.first() {
            return Err(Error::InvalidTopology(message.clone()));
        }
        let mut nodes = self.nodes.clone();
        if !nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Source { .. }))
        {
            return Err(Error::NoSource);
        }
        unique(nodes.iter().map(|n| n.name.as_str()), "processor")?;
        unique(self.stores.iter().map(|s| s.name.as_str()), "store")?;
        let mut readers: HashMap<&TopologyTopic, &str> = HashMap::new();
        for node in &nodes {
            if let NodeKind::Source { topic, .. } = &node.kind {
                if let Some(first) = readers.insert(topic, &node.name) {
                    return Err(match topic {
                        TopologyTopic::Repartition(name) => Error::DuplicateName {
                            kind: "repartition topic",
                            name: name.clone(),
                        },
                        TopologyTopic::User(t) => Error::TopicAlreadyRegistered {
                            topic: t.clone(),
                            first: first.to_string(),
                            second: node.name.clone(),
                        },
                    });
                }
            }
        }
        let stores: BTreeMap<String, StoreSpec> = self
            .stores
            .iter()
            .map(|s| (s.name.clone(), s.clone()))
            .collect();
        for node in &nodes {
            for store in &node.stores {
                if !stores.contains_key(store) {
                    return Err(Error::MissingStore {
                        processor: node.name.clone(),
                        store: store.clone(),
                    });
                }
            }
        }
        let connected: BTreeSet<&str> = nodes
            .iter()
            .flat_map(|n| n.stores.iter().map(String::as_str))
            .collect();
        for store in stores.keys() {
            if !connected.contains(store.as_str()) {
                tracing::warn!(
                    store,
                    "state store is not connected to any processor and will not be created"
                );
            }
        }
        let useful = nodes.iter().any(|n| match &n.kind {
            NodeKind::Sink { .. } => true,
            NodeKind::Processor { side_effect, .. } => *side_effect || !n.stores.is_empty(),
            NodeKind::Source { .. } => false,
        });
        if !useful {
            return Err(Error::NoOutput);
        }
        for id in 0..nodes.len() {
            for p in nodes[id].parents.clone() {
                nodes[p].children.push(id);
            }
        }
        let logged = stores
            .iter()
            .map(|(name, spec)| (name.clone(), spec.logged))
            .collect();
        let subtopologies = split(&mut nodes, &logged);
        // A sink must not feed a repartition topic nobody reads.
        Ok(Topology::new(nodes, subtopologies, stores))
    }
}

fn unique<'a>(names: impl Iterator<Item = &'a str>, kind: &'static str) -> Result<()> {
    let mut seen = BTreeSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(Error::DuplicateName {
                kind,
                name: name.to_string(),
            });
        }
    }
    Ok(())
}

/// Shortcut for sinks writing to a fixed topic.
pub(crate) fn fixed(topic: TopologyTopic) -> SinkTopic {
    SinkTopic::Fixed(topic)
}
