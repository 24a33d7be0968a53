//! Topic specifications and descriptions.

use std::collections::BTreeMap;

use rdkafka::admin::TopicReplication;

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    pub(crate) name: String,
    pub(crate) partitions: i32,
    pub(crate) replication_factor: i32,
    pub(crate) configs: BTreeMap<String, String>,
}

impl NewTopic {
    /// A topic with `partitions` partitions and replication factor 1.
    pub fn new(name: impl Into<String>, partitions: i32) -> Self {
        NewTopic {
            name: name.into(),
            partitions,
            replication_factor: 1,
            configs: BTreeMap::new(),
        }
    }

    /// Sets the replication factor.
    pub fn replication_factor(mut self, factor: i32) -> Self {
        self.replication_factor = factor;
        self
    }

    /// Sets a topic configuration (`cleanup.policy`, `retention.ms`, ...).
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.insert(key.into(), value.into());
        self
    }

    /// The topic's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The partition count.
    pub fn partitions(&self) -> i32 {
        self.partitions
    }

    pub(crate) fn to_rdkafka(&self) -> rdkafka::admin::NewTopic<'_> {
        let mut topic = rdkafka::admin::NewTopic::new(
            &self.name,
            self.partitions,
            TopicReplication::Fixed(self.replication_factor),
        );
        for (k, v) in &self.configs {
            topic = topic.set(k, v);
        }
        topic
    }
}

/// One partition of a described topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionDescription {
    /// The partition number.
    pub id: i32,
    /// The leader broker's id.
    pub leader: i32,
    /// The replicas' broker ids.
    pub replicas: Vec<i32>,
    /// The in-sync replicas' broker ids.
    pub isr: Vec<i32>,
}

/// A topic as the cluster describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDescription {
    /// The topic's name.
    pub name: String,
    /// Its partitions, by id.
    pub partitions: Vec<PartitionDescription>,
}

impl TopicDescription {
    pub(crate) fn from_metadata(topic: &rdkafka::metadata::MetadataTopic) -> Self {
        let mut partitions: Vec<_> = topic
            .partitions()
            .iter()
            .map(|p| PartitionDescription {
                id: p.id(),
                leader: p.leader(),
                replicas: p.replicas().to_vec(),
                isr: p.isr().to_vec(),
            })
            .collect();
        partitions.sort_by_key(|p| p.id);
        TopicDescription {
            name: topic.name().to_string(),
            partitions,
        }
    }
}
