//! The text description of a topology.

use std::fmt::{self, Write as _};

use super::{NodeKind, SinkTopic, Topology};

/// A text description in the spirit of Kafka's `TopologyDescription`:
///
/// ```text
/// Topologies:
///    Sub-topology: 0
///     Source: KSTREAM-SOURCE-0000000000 (topics: [in])
///       --> KSTREAM-FILTER-0000000001
///     Processor: KSTREAM-FILTER-0000000001 (stores: [])
///       --> KSTREAM-SINK-0000000002
///       <-- KSTREAM-SOURCE-0000000000
///     Sink: KSTREAM-SINK-0000000002 (topic: out)
///       <-- KSTREAM-FILTER-0000000001
/// ```
///
/// Repartition topics appear as `<name>-repartition` (without the
/// application id, which is only known at run time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyDescription {
    text: String,
}

impl TopologyDescription {
    pub(crate) fn new(topology: &Topology) -> Self {
        let mut text = String::from("Topologies:\n");
        for sub in topology.subtopologies() {
            if sub.id() > 0 {
                text.push('\n');
            }
            let _ = writeln!(text, "   Sub-topology: {}", sub.id());
            for &id in &sub.nodes {
                let node = topology.node(id);
                let _ = match &node.kind {
                    NodeKind::Source { topic, .. } => {
                        writeln!(text, "    Source: {} (topics: [{topic}])", node.name)
                    }
                    NodeKind::Processor { .. } => writeln!(
                        text,
                        "    Processor: {} (stores: [{}])",
                        node.name,
                        node.stores.join(", ")
                    ),
                    NodeKind::Sink { topic, .. } => match topic {
                        SinkTopic::Fixed(t) => {
                            writeln!(text, "    Sink: {} (topic: {t})", node.name)
                        }
                        SinkTopic::Dynamic => writeln!(
                            text,
                            "    Sink: {} (extractor: chosen per record)",
                            node.name
                        ),
                    },
                };
                if !matches!(node.kind, NodeKind::Sink { .. }) {
                    let children: Vec<&str> = node
                        .children
                        .iter()
                        .map(|&c| topology.node(c).name())
                        .collect();
                    let children = if children.is_empty() {
                        "none".to_string()
                    } else {
                        children.join(", ")
                    };
                    let _ = writeln!(text, "      --> {children}");
                }
                if !node.parents.is_empty() {
                    let parents: Vec<&str> = node
                        .parents
                        .iter()
                        .map(|&p| topology.node(p).name())
                        .collect();
                    let _ = writeln!(text, "      <-- {}", parents.join(", "));
                }
            }
        }
        TopologyDescription { text }
    }

    /// The description as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for TopologyDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
