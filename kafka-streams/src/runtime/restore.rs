//! Rebuilding a task's stores from their changelog topics before it processes.

use std::time::Duration;

use kafka_client::consumer::{Consumer, Offset};
use kafka_client::TopicPartition;

use crate::error::{Error, Result};
use crate::task::StreamTask;

/// How long a restore waits for the next changelog record before deciding
/// the broker lost the tail it advertised.
const RESTORE_STALL: Duration = Duration::from_secs(30);

/// Replays partition `task.partition()` of each of the task's changelog
/// topics, from the beginning to the high watermark read at the start.
/// Returns how many records were applied.
pub(crate) async fn restore_task(
    consumer: &Consumer<Vec<u8>, Vec<u8>>,
    task: &mut StreamTask,
    changelogs: &[(String, String)],
) -> Result<u64> {
    let mut applied = 0;
    for (store, topic) in changelogs {
        let tp = TopicPartition::new(topic.clone(), task.partition());
        let (low, high) = consumer
            .watermarks(&tp)
            .await
            .map_err(|e| Error::client("reading a changelog's watermarks", e))?;
        if high <= low {
            continue;
        }
        consumer
            .assign_at(&[(tp.clone(), Offset::Beginning)])
            .await
            .map_err(|e| Error::client("assigning a changelog partition", e))?;
        loop {
            let record = tokio::time::timeout(RESTORE_STALL, consumer.recv())
                .await
                .map_err(|_| Error::Restore {
                    store: store.clone(),
                    changelog: tp.to_string(),
                    message: format!(
                        "no record arrived for {RESTORE_STALL:?} while restoring up to offset {high}"
                    ),
                })?
                .map_err(|e| Error::client("reading a changelog", e))?;
            if let Some(key) = &record.key {
                task.restore(store, key, record.value.as_deref())?;
                applied += 1;
            }
            if record.offset + 1 >= high {
                break;
            }
        }
        tracing::debug!(%store, changelog = %tp, records = high - low, "store restored");
    }
    Ok(applied)
}
