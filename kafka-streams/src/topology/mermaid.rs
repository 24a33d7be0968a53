//! The topology as a Mermaid flowchart.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{NodeKind, SinkTopic, Topology, TopologyTopic};

/// Mermaid ids may not contain `-` safely in every renderer: use indices.
fn node_id(id: usize) -> String {
    format!("n{id}")
}

fn topic_id(topic: &TopologyTopic) -> String {
    let raw = topic.to_string();
    let clean: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("t_{clean}")
}

fn label(text: &str) -> String {
    text.replace('"', "#quot;")
}

pub(crate) fn render(topology: &Topology) -> String {
    let mut out = String::from("flowchart TD\n");
    let mut topics: BTreeSet<TopologyTopic> = BTreeSet::new();
    let mut stores: BTreeSet<&str> = BTreeSet::new();
    for sub in topology.subtopologies() {
        let _ = writeln!(
            out,
            "    subgraph sub{}[\"Sub-topology {}\"]",
            sub.id(),
            sub.id()
        );
        for &id in &sub.nodes {
            let _ = writeln!(
                out,
                "        {}[\"{}\"]",
                node_id(id),
                label(topology.node(id).name())
            );
        }
        let _ = writeln!(out, "    end");
    }
    let mut edges = String::new();
    for (id, node) in topology.nodes().iter().enumerate() {
        for &child in &node.children {
            let _ = writeln!(edges, "    {} --> {}", node_id(id), node_id(child));
        }
        match &node.kind {
            NodeKind::Source { topic, .. } => {
                let _ = writeln!(edges, "    {} --> {}", topic_id(topic), node_id(id));
                topics.insert(topic.clone());
            }
            NodeKind::Sink {
                topic: SinkTopic::Fixed(topic),
                ..
            } => {
                let _ = writeln!(edges, "    {} --> {}", node_id(id), topic_id(topic));
                topics.insert(topic.clone());
            }
            NodeKind::Sink {
                topic: SinkTopic::Dynamic,
                ..
            }
            | NodeKind::Processor { .. } => {}
        }
        for store in &node.stores {
            let _ = writeln!(edges, "    {} -.- s_{}", node_id(id), store_id(store));
            stores.insert(store);
        }
    }
    for topic in &topics {
        let _ = writeln!(
            out,
            "    {}([\"{}\"])",
            topic_id(topic),
            label(&topic.to_string())
        );
    }
    for store in stores {
        let _ = writeln!(out, "    s_{}[(\"{}\")]", store_id(store), label(store));
    }
    out.push_str(&edges);
    out
}

fn store_id(store: &str) -> String {
    store
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
