//! Creating a task and restoring its stores to the state its last commit
//! describes (used when the group assigns a task, and after an aborted
//! transaction).

use std::collections::{BTreeMap, HashMap};

use kafka_client::TopicPartition;

use super::app::AppContext;
use super::commit_meta::CommitMeta;
use super::metrics::MetricsRecorder;
use super::restore::{restore_task, Cutoff};
use super::task_id::TaskId;
use super::task_set::OwnedTask;
use super::thread_env::ThreadEnv;
use crate::error::Result;
use crate::task::StreamTask;

/// What the group committed for some partitions: offset and metadata.
pub(crate) type Committed = BTreeMap<TopicPartition, Option<(i64, String)>>;

/// Reads what the group committed, retrying while the coordinator cannot
/// answer (it may be in the middle of a rebalance): a task's restore
/// depends on it, and "nothing committed" must never be guessed.
pub(crate) async fn read_committed<F, Fut>(mut fetch: F) -> Result<Committed>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = kafka_client::Result<Committed>>,
{
    const ATTEMPTS: u32 = 20;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match fetch().await {
            Ok(committed) => return Ok(committed),
            Err(error) if attempt < ATTEMPTS => {
                tracing::debug!(%error, attempt, "reading committed offsets failed; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            Err(error) => {
                return Err(crate::error::Error::client(
                    "reading committed offsets",
                    error,
                ))
            }
        }
    }
}

/// A task's source partitions (one per source topic), sorted.
pub(crate) fn source_partitions(app: &AppContext, id: TaskId) -> Vec<TopicPartition> {
    let application_id = app.application_id();
    let mut sources: Vec<TopicPartition> = app
        .topology
        .subtopology(id.subtopology)
        .map(|s| {
            s.source_topics()
                .iter()
                .map(|t| TopicPartition::new(t.full_name(application_id), id.partition))
                .collect()
        })
        .unwrap_or_default();
    sources.sort();
    sources
}

/// Creates task `id` and restores its stores up to its last commit
/// (`committed`: what the group holds for its source partitions). Sends the
/// changelog corrections the restore produced.
pub(crate) async fn build_task(
    env: &ThreadEnv,
    id: TaskId,
    committed: &Committed,
) -> Result<OwnedTask> {
    let app = &env.app;
    let application_id = app.application_id();
    let mut task = StreamTask::new(
        app.topology.clone(),
        id.subtopology,
        id.partition,
        application_id,
        super::now_ms(),
    )?;
    task.set_forward_cache_capacity(app.config.cache_max_keys_ref());
    let sources = source_partitions(app, id);
    let changelog_topics = app
        .topology
        .subtopology(id.subtopology)
        .map(|s| s.changelog_topics(application_id))
        .unwrap_or_default();
    let changelogs: Vec<TopicPartition> = changelog_topics
        .iter()
        .map(|(_, topic)| TopicPartition::new(topic.clone(), id.partition))
        .collect();
    let any_committed = sources
        .iter()
        .any(|tp| committed.get(tp).is_some_and(Option::is_some));
    let meta = sources
        .first()
        .and_then(|tp| committed.get(tp))
        .and_then(|c| c.as_ref())
        .and_then(|(_, text)| CommitMeta::decode(text))
        .unwrap_or_default();

    if !changelog_topics.is_empty() {
        let cutoff_for = |tp: &TopicPartition| match meta.changelogs.get(tp) {
            Some(&mark) => Cutoff::Before(mark),
            // Nothing committed yet: the input is processed again from the
            // start, so the store must start empty.
            None if !any_committed => Cutoff::Before(0),
            None => Cutoff::Everything,
        };
        let restored = restore_task(
            &env.restore_consumer,
            &mut task,
            &changelog_topics,
            cutoff_for,
        )
        .await?;
        MetricsRecorder::add(&app.metrics.records_restored, restored.applied);
        MetricsRecorder::add(&app.metrics.restores, changelog_topics.len() as u64);
        tracing::info!(task = %id, records = restored.applied, corrections = restored.corrections.len(), "task restored from its changelogs");
        env.send(restored.corrections).await?;
    }
    let start_offsets = sources
        .iter()
        .filter_map(|tp| Some((tp.clone(), committed.get(tp)?.as_ref()?.0)))
        .collect();
    Ok(OwnedTask {
        task,
        sources,
        changelogs,
        dedup: meta.dedup.into_iter().collect::<HashMap<_, _>>(),
        start_offsets,
    })
}
