//! Internal topics: how many partitions every source topic and task group
//! has, and creating the repartition and changelog topics before start.

use std::collections::BTreeMap;

use kafka_client::{Admin, NewTopic};

use crate::error::{Error, Result};
use crate::topology::{Topology, TopologyTopic};

/// Partition counts for one application id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopicPlan {
    /// Every source topic (full names: user and repartition) → partitions.
    pub(crate) source_partitions: BTreeMap<String, i32>,
    /// Tasks per sub-topology (its sources' largest partition count).
    pub(crate) tasks_per_subtopology: Vec<i32>,
    /// Repartition topics to create (full name, partitions).
    pub(crate) repartition_topics: Vec<(String, i32)>,
    /// Changelog topics to create (full name, partitions).
    pub(crate) changelog_topics: Vec<(String, i32)>,
}

/// Works out the partition counts from the user topics' counts, as Kafka
/// Streams does: a sub-topology runs one task per partition of its widest
/// source; a repartition topic gets as many partitions as the sub-topology
/// that writes it has tasks; a changelog as many as its store's sub-topology.
pub(crate) fn plan(
    topology: &Topology,
    application_id: &str,
    user_topic_partitions: &BTreeMap<String, i32>,
) -> Result<TopicPlan> {
    let subs = topology.subtopologies();
    let mut counts: BTreeMap<String, i32> = user_topic_partitions.clone();
    let mut tasks: Vec<Option<i32>> = vec![None; subs.len()];
    // A fixed point: each round resolves at least one more sub-topology
    // unless the graph has a cycle through repartition topics.
    for _ in 0..=subs.len() {
        let mut changed = false;
        for sub in subs {
            let known = sub
                .source_topics()
                .iter()
                .filter_map(|t| counts.get(&t.full_name(application_id)).copied())
                .max();
            if let Some(n) = known {
                if tasks[sub.id()] != Some(n) {
                    tasks[sub.id()] = Some(n);
                    changed = true;
                }
                for sink in sub.sink_topics() {
                    if sink.is_repartition() {
                        let full = sink.full_name(application_id);
                        let entry = counts.entry(full).or_insert(0);
                        if *entry < n {
                            *entry = n;
                            changed = true;
                        }
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut tasks_per_subtopology = Vec::with_capacity(subs.len());
    for (id, n) in tasks.iter().enumerate() {
        match n {
            Some(n) => tasks_per_subtopology.push(*n),
            None => {
                return Err(Error::Internal {
                    node: format!("sub-topology {id}"),
                    message: "its partition count could not be derived from its source topics"
                        .into(),
                })
            }
        }
    }
    for group in topology.copartition_groups() {
        let sized: Vec<(String, i32)> = group
            .iter()
            .map(|t| {
                let full = t.full_name(application_id);
                let n = counts.get(&full).copied().unwrap_or(0);
                (full, n)
            })
            .collect();
        if sized.windows(2).any(|w| w[0].1 != w[1].1) {
            return Err(Error::CoPartitioning { topics: sized });
        }
    }
    let mut repartition_topics = Vec::new();
    for name in topology.repartition_topics() {
        let full = TopologyTopic::Repartition(name.to_string()).full_name(application_id);
        let n = counts.get(&full).copied().unwrap_or(0);
        repartition_topics.push((full, n.max(1)));
    }
    let mut changelog_topics = Vec::new();
    for store in topology.stores() {
        if let (Some(topic), Some(sub)) =
            (store.changelog_topic(application_id), store.subtopology())
        {
            changelog_topics.push((topic, tasks_per_subtopology[sub]));
        }
    }
    let source_partitions = counts
        .into_iter()
        .filter(|(topic, _)| {
            topology
                .subtopology_reading(topic, application_id)
                .is_some()
        })
        .collect();
    Ok(TopicPlan {
        source_partitions,
        tasks_per_subtopology,
        repartition_topics,
        changelog_topics,
    })
}

/// Checks that the user's input topics exist, plans the internal topics and
/// creates the missing ones (changelogs compacted).
pub(crate) async fn prepare(
    topology: &Topology,
    application_id: &str,
    admin: &Admin,
    replication_factor: i32,
) -> Result<TopicPlan> {
    let mut user = BTreeMap::new();
    for topic in topology.source_topics() {
        let partitions = admin
            .partition_count(topic)
            .await
            .map_err(|source| Error::client("looking up input topic", source))?;
        user.insert(topic.to_string(), partitions);
    }
    let plan = plan(topology, application_id, &user)?;
    for (topic, partitions) in &plan.repartition_topics {
        let spec = NewTopic::new(topic.clone(), *partitions)
            .replication_factor(replication_factor)
            .config("cleanup.policy", "delete");
        admin
            .create_topic_if_missing(&spec)
            .await
            .map_err(|source| internal_topic_error(topic, *partitions, source))?;
    }
    for (topic, partitions) in &plan.changelog_topics {
        let spec = NewTopic::new(topic.clone(), *partitions)
            .replication_factor(replication_factor)
            .config("cleanup.policy", "compact");
        admin
            .create_topic_if_missing(&spec)
            .await
            .map_err(|source| internal_topic_error(topic, *partitions, source))?;
    }
    tracing::info!(
        repartition = ?plan.repartition_topics,
        changelogs = ?plan.changelog_topics,
        "internal topics ready"
    );
    Ok(plan)
}

fn internal_topic_error(topic: &str, partitions: i32, source: kafka_client::Error) -> Error {
    Error::InternalTopic {
        topic: topic.to_string(),
        partitions,
        source: Box::new(source),
    }
}
