//! What the topology says of the partition a stream thread's last record
//! came from. Records come in runs from one partition, so the thread looks
//! these up once per run instead of hashing the topic name for each record.

use kafka_client::{TopicName, TopicPartition};

use super::app::AppContext;

/// A source partition and what the topology says of its topic.
#[derive(Debug, Clone)]
pub(crate) struct SourcePartition {
    pub(crate) partition: TopicPartition,
    /// The sub-topology reading the topic; `None` if none does.
    pub(crate) subtopology: Option<usize>,
    /// The topic's index among the source topics (`u16::MAX` if it has
    /// none), as record ids carry it.
    pub(crate) topic_index: u16,
    /// Whether the topic is one of the application's repartition topics.
    pub(crate) from_repartition: bool,
}

impl SourcePartition {
    /// No partition yet: matches no record.
    pub(crate) fn none() -> Self {
        SourcePartition {
            partition: TopicPartition::new("", -1),
            subtopology: None,
            topic_index: u16::MAX,
            from_repartition: false,
        }
    }

    /// Looks `topic` up in the application's topology. The partition
    /// shares the consumer's name of the topic.
    pub(crate) fn of(app: &AppContext, topic: &TopicName, partition: i32) -> Self {
        let topic_name = topic.clone();
        let topic = topic.as_str();
        SourcePartition {
            partition: TopicPartition::new(topic_name, partition),
            subtopology: app.subtopology_of.get(topic).copied(),
            topic_index: app
                .source_topic_index
                .get(topic)
                .copied()
                .unwrap_or(u16::MAX),
            from_repartition: app.repartition_topics.contains(topic),
        }
    }
}
