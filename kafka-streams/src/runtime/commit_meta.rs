//! What a task commits with its offsets, in the offset commit's metadata
//! string, so that its state after a crash matches its committed input.
//!
//! - `changelogs`: for each changelog partition of the task, its end offset
//!   when the commit was made. Changelog records at or after it were written
//!   by processing that was never committed: a restore applies the records
//!   before the mark, then writes corrections (the value at the mark, or a
//!   tombstone) for every key written after it, so the store equals the
//!   state the committed offsets describe, and so does any later restore.
//!   At-least-once only: exactly-once commits leave it empty, since a
//!   read_committed restore sees only committed records (and its end
//!   offset, the last stable offset, would stop before the open
//!   transaction's own records).
//! - `dedup`: for each upstream source partition (topic index, partition),
//!   the largest repartition record id applied (see `origin`).
//!
//! Text form, short enough for Kafka's default 4096-byte metadata limit in
//! ordinary topologies: `ks1|c=topic:p:offset,...|d=topic_index:p:offset:index,...`.
//! Topic names cannot hold `|`, `,`, `:` or `=`.

use std::collections::BTreeMap;

use kafka_client::TopicPartition;

const VERSION: &str = "ks1";

/// A task's commit metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CommitMeta {
    pub(crate) changelogs: BTreeMap<TopicPartition, i64>,
    pub(crate) dedup: BTreeMap<(u16, i32), (i64, u32)>,
}

impl CommitMeta {
    pub(crate) fn encode(&self) -> String {
        let changelogs: Vec<String> = self
            .changelogs
            .iter()
            .map(|(tp, o)| format!("{}:{}:{o}", tp.topic(), tp.partition()))
            .collect();
        let dedup: Vec<String> = self
            .dedup
            .iter()
            .map(|((t, p), (o, i))| format!("{t}:{p}:{o}:{i}"))
            .collect();
        format!("{VERSION}|c={}|d={}", changelogs.join(","), dedup.join(","))
    }

    /// Parses metadata written by [`encode`](Self::encode); anything else
    /// (empty, another application's format) is `None`.
    pub(crate) fn decode(text: &str) -> Option<CommitMeta> {
        let mut parts = text.split('|');
        if parts.next()? != VERSION {
            return None;
        }
        let mut meta = CommitMeta::default();
        for part in parts {
            let (kind, list) = part.split_once('=')?;
            for item in list.split(',').filter(|s| !s.is_empty()) {
                let fields: Vec<&str> = item.split(':').collect();
                match (kind, fields.as_slice()) {
                    ("c", [topic, p, o]) => {
                        meta.changelogs.insert(
                            TopicPartition::new(*topic, p.parse().ok()?),
                            o.parse().ok()?,
                        );
                    }
                    ("d", [topic, p, o, i]) => {
                        meta.dedup.insert(
                            (topic.parse().ok()?, p.parse().ok()?),
                            (o.parse().ok()?, i.parse().ok()?),
                        );
                    }
                    _ => return None,
                }
            }
        }
        Some(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_metadata() {
        let mut meta = CommitMeta::default();
        meta.changelogs
            .insert(TopicPartition::new("app-counts-changelog", 2), 1234);
        meta.dedup.insert((0, 0), (99, 3));
        meta.dedup.insert((3, 11), (0, 0));
        let text = meta.encode();
        assert_eq!(CommitMeta::decode(&text), Some(meta));
        assert_eq!(CommitMeta::decode(""), None);
        assert_eq!(CommitMeta::decode("something else"), None);
        assert_eq!(CommitMeta::decode("ks1|c=a:b:c"), None);
        assert_eq!(CommitMeta::decode("ks1|c=|d="), Some(CommitMeta::default()));
    }
}
