//! The nodes of a topology: sources, processors and sinks.

use std::fmt;
use std::sync::Arc;

use crate::processor::erased::ProcessorFactory;
use crate::processor::sink::SinkEncoder;
use crate::processor::source::SourceDecoder;

use super::naming::repartition_topic_name;

/// The index of a node in its topology.
pub(crate) type NodeId = usize;

/// A topic a topology reads or writes: a user's topic, or one of the
/// application's repartition topics, whose full name depends on the
/// application id. (Not to be confused with `kafka_client::TopicName`, the
/// shared name a consumed or produced record carries.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TopologyTopic {
    /// A user topic, named as is.
    User(String),
    /// A repartition topic; this is the `<name>` part of
    /// `<application.id>-<name>-repartition`.
    Repartition(String),
}

impl TopologyTopic {
    /// The topic's name on the cluster for this application id.
    pub fn full_name(&self, application_id: &str) -> String {
        match self {
            TopologyTopic::User(t) => t.clone(),
            TopologyTopic::Repartition(name) => repartition_topic_name(application_id, name),
        }
    }

    /// Whether this is a repartition topic.
    pub fn is_repartition(&self) -> bool {
        matches!(self, TopologyTopic::Repartition(_))
    }
}

impl fmt::Display for TopologyTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyTopic::User(t) => f.write_str(t),
            TopologyTopic::Repartition(name) => write!(f, "{name}-repartition"),
        }
    }
}

/// Where a sink writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SinkTopic {
    Fixed(TopologyTopic),
    /// Chosen per record by a user function.
    Dynamic,
}

/// What a node does.
#[derive(Clone)]
pub(crate) enum NodeKind {
    Source {
        topic: TopologyTopic,
        decoder: Arc<dyn SourceDecoder>,
    },
    Processor {
        factory: ProcessorFactory,
        /// Whether it has effects outside the topology (foreach, peek,
        /// custom processors), which makes a topology useful without sinks.
        side_effect: bool,
    },
    Sink {
        topic: SinkTopic,
        encoder: Arc<dyn SinkEncoder>,
    },
}

impl fmt::Debug for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeKind::Source { topic, .. } => write!(f, "Source({topic})"),
            NodeKind::Processor { .. } => f.write_str("Processor"),
            NodeKind::Sink { topic, .. } => write!(f, "Sink({topic:?})"),
        }
    }
}

/// One node of the graph.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) kind: NodeKind,
    pub(crate) parents: Vec<NodeId>,
    pub(crate) children: Vec<NodeId>,
    pub(crate) stores: Vec<String>,
    pub(crate) subtopology: usize,
}

impl Node {
    pub(crate) fn new(name: String, kind: NodeKind, parents: Vec<NodeId>) -> Self {
        Node {
            name,
            kind,
            parents,
            children: Vec::new(),
            stores: Vec::new(),
            subtopology: 0,
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn children(&self) -> &[NodeId] {
        &self.children
    }

    pub(crate) fn stores(&self) -> &[String] {
        &self.stores
    }
}
