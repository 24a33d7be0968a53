//! Rebuilding a task's stores from their changelog topics before it processes.
//!
//! When the task's last commit recorded a mark for a changelog partition
//! (see `commit_meta`), records before the mark are applied and records at
//! or after it (written by processing that was never committed, before a
//! crash) are not: their keys get a correction record instead, the value the
//! store holds at the mark, or a tombstone. The corrections are sent before
//! the task processes anything, so a later restore that reads the whole
//! changelog ends at the same state.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use kafka_client::consumer::{Consumer, Offset};
use kafka_client::{Headers, TopicPartition};

use crate::error::{Error, Result};
use crate::task::{SinkRecord, StreamTask};

/// How long a restore waits for the next changelog record before deciding
/// the broker lost the tail it advertised.
const RESTORE_STALL: Duration = Duration::from_secs(30);

/// How long a restore waits for a record before it looks whether the
/// consumer's position reached the end (past a final transaction marker).
const RESTORE_IDLE: Duration = Duration::from_millis(100);

/// Up to where a changelog partition describes committed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cutoff {
    /// Everything in it (no commit recorded a mark: an older commit, or a
    /// store without a known commit).
    Everything,
    /// Records before this offset; later ones are uncommitted.
    Before(i64),
}

/// What a restore did.
#[derive(Debug, Default)]
pub(crate) struct Restored {
    /// Changelog records applied.
    pub(crate) applied: u64,
    /// Correction records to send to the changelogs before processing.
    pub(crate) corrections: Vec<SinkRecord>,
}

/// Replays partition `task.partition()` of each of the task's changelog
/// topics (`(store, topic)`), up to the cutoff `cutoff_for` gives.
pub(crate) async fn restore_task(
    consumer: &Consumer<Vec<u8>, Vec<u8>>,
    task: &mut StreamTask,
    changelogs: &[(String, String)],
    cutoff_for: impl Fn(&TopicPartition) -> Cutoff,
) -> Result<Restored> {
    let mut restored = Restored::default();
    let partitions: Vec<TopicPartition> = changelogs
        .iter()
        .map(|(_, topic)| TopicPartition::new(topic.clone(), task.partition()))
        .collect();
    // One request each for all the task's changelogs (under read_committed
    // the ends are the last stable offsets).
    let lows = consumer
        .beginning_offsets(&partitions)
        .await
        .map_err(|e| Error::client("reading the changelogs' beginning offsets", e))?;
    let highs = consumer
        .end_offsets(&partitions)
        .await
        .map_err(|e| Error::client("reading the changelogs' end offsets", e))?;
    for ((store, topic), tp) in changelogs.iter().zip(&partitions) {
        let (Some(&low), Some(&high)) = (lows.get(tp), highs.get(tp)) else {
            return Err(Error::Restore {
                store: store.clone(),
                changelog: tp.to_string(),
                message: "the broker did not give its beginning and end offsets".into(),
            });
        };
        let cutoff = match cutoff_for(tp) {
            Cutoff::Everything => high,
            Cutoff::Before(mark) => {
                if mark < low {
                    tracing::warn!(changelog = %tp, mark, low, "the changelog no longer holds the records up to the last commit (retention); the store is restored from what is left");
                }
                mark.min(high)
            }
        };
        if high <= low {
            continue;
        }
        consumer
            .assign_at(&[(tp.clone(), Offset::At(low))])
            .await
            .map_err(|e| Error::client("assigning a changelog partition", e))?;
        let mut uncommitted_keys = BTreeSet::new();
        let mut last_record = Instant::now();
        loop {
            let record = match tokio::time::timeout(RESTORE_IDLE, consumer.recv()).await {
                Ok(record) => record.map_err(|e| Error::client("reading a changelog", e))?,
                Err(_) => {
                    // Nothing for a while. A changelog written in
                    // transactions may end in a marker, which is never
                    // handed out: the consumer's position moves past it.
                    if read_to(consumer, tp, high)? {
                        break;
                    }
                    if last_record.elapsed() >= RESTORE_STALL {
                        return Err(Error::Restore {
                            store: store.clone(),
                            changelog: tp.to_string(),
                            message: format!(
                                "no record arrived for {RESTORE_STALL:?} while restoring up to offset {high}"
                            ),
                        });
                    }
                    continue;
                }
            };
            last_record = Instant::now();
            if let Some(key) = record.key {
                if record.offset < cutoff {
                    task.restore(store, &key, record.value.as_deref())?;
                    restored.applied += 1;
                } else {
                    uncommitted_keys.insert(key);
                }
            }
            if record.offset + 1 >= high {
                break;
            }
        }
        if !uncommitted_keys.is_empty() {
            tracing::info!(%store, changelog = %tp, keys = uncommitted_keys.len(), cutoff, high, "correcting changelog records written after the last commit");
        }
        let now = super::now_ms();
        for key in uncommitted_keys {
            let value = task
                .store_slot(store)?
                .bytes()
                .get(&key)
                .map(<[u8]>::to_vec);
            restored.corrections.push(SinkRecord {
                topic: topic.clone().into(),
                partition: Some(task.partition()),
                key: Some(key),
                value,
                timestamp: now,
                headers: Headers::new(),
                record_id: None,
            });
        }
        tracing::debug!(%store, changelog = %tp, records = high - low, "store restored");
    }
    Ok(restored)
}

/// Whether the consumer's position in `tp` reached `end`.
fn read_to(consumer: &Consumer<Vec<u8>, Vec<u8>>, tp: &TopicPartition, end: i64) -> Result<bool> {
    let position = consumer
        .position(tp)
        .map_err(|e| Error::client("reading a changelog's position", e))?;
    Ok(position.is_some_and(|p| p >= end))
}
