//! A table of offsets per topic and partition that the consumer updates
//! for every record it hands out, so it costs no allocation and no hashing
//! on that path: topics are few and searched by name (the last one used
//! first), partitions index a vector. It also keeps each topic's shared
//! name, which the consumer's records carry.

use crate::record::{TopicName, TopicPartition};

/// Offsets by topic and partition.
#[derive(Debug, Default)]
pub(crate) struct PositionTable {
    topics: Vec<TopicSlots>,
    /// The index in `topics` of the last topic set: records mostly come in
    /// runs from one topic.
    last: usize,
}

#[derive(Debug)]
struct TopicSlots {
    topic: TopicName,
    offsets: Vec<Option<i64>>,
}

impl PositionTable {
    #[inline]
    fn find(&self, topic: &str) -> Option<usize> {
        if self.topics.get(self.last).is_some_and(|t| t.topic == topic) {
            return Some(self.last);
        }
        self.topics.iter().position(|t| t.topic == topic)
    }

    /// Sets the offset of `partition` of `topic`, and gives the topic's
    /// shared name. A negative partition number (never one librdkafka hands
    /// out) sets nothing.
    #[inline]
    pub(crate) fn set(&mut self, topic: &str, partition: i32, offset: i64) -> &TopicName {
        let index = match self.find(topic) {
            Some(index) => index,
            None => {
                self.topics.push(TopicSlots {
                    topic: TopicName::from(topic),
                    offsets: Vec::new(),
                });
                self.topics.len() - 1
            }
        };
        self.last = index;
        let slots = &mut self.topics[index];
        if let Ok(slot) = usize::try_from(partition) {
            if slots.offsets.len() <= slot {
                slots.offsets.resize(slot + 1, None);
            }
            slots.offsets[slot] = Some(offset);
        }
        &slots.topic
    }

    /// The offset of `tp`, if one is set.
    pub(crate) fn get(&self, tp: &TopicPartition) -> Option<i64> {
        let slot = usize::try_from(tp.partition()).ok()?;
        let index = self.find(tp.topic())?;
        self.topics[index].offsets.get(slot).copied().flatten()
    }

    /// Removes the offset of `tp`, returning it.
    pub(crate) fn remove(&mut self, tp: &TopicPartition) -> Option<i64> {
        let slot = usize::try_from(tp.partition()).ok()?;
        let index = self.find(tp.topic())?;
        self.topics[index].offsets.get_mut(slot)?.take()
    }

    /// Every set offset, sorted by topic and partition.
    pub(crate) fn entries(&self) -> Vec<(TopicPartition, i64)> {
        let mut entries: Vec<(TopicPartition, i64)> = self
            .topics
            .iter()
            .flat_map(|t| {
                t.offsets.iter().enumerate().filter_map(|(slot, offset)| {
                    let partition = i32::try_from(slot).ok()?;
                    Some((TopicPartition::new(&t.topic, partition), (*offset)?))
                })
            })
            .collect();
        entries.sort();
        entries
    }

    /// Removes every offset, returning them sorted. Keeps the topics' slots
    /// for the next offsets (with auto-commit this runs for every record).
    pub(crate) fn drain(&mut self) -> Vec<(TopicPartition, i64)> {
        let entries = self.entries();
        for topic in &mut self.topics {
            topic.offsets.iter_mut().for_each(|offset| *offset = None);
        }
        entries
    }

    /// Removes every offset.
    pub(crate) fn clear(&mut self) {
        self.topics.clear();
        self.last = 0;
    }
}

impl FromIterator<(TopicPartition, i64)> for PositionTable {
    fn from_iter<I: IntoIterator<Item = (TopicPartition, i64)>>(entries: I) -> Self {
        let mut table = PositionTable::default();
        for (tp, offset) in entries {
            table.set(tp.topic(), tp.partition(), offset);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition::new(topic, partition)
    }

    #[test]
    fn keeps_the_latest_offset_per_partition_of_each_topic() {
        let mut table = PositionTable::default();
        table.set("a", 2, 10);
        table.set("b", 0, 5);
        table.set("a", 2, 11);
        table.set("a", 0, 1);
        assert_eq!(table.set("x", -1, 7), "x");
        assert_eq!(table.get(&tp("a", 2)), Some(11));
        assert_eq!(table.get(&tp("a", 1)), None);
        assert_eq!(table.get(&tp("c", 0)), None);
        assert_eq!(
            table.entries(),
            vec![(tp("a", 0), 1), (tp("a", 2), 11), (tp("b", 0), 5)]
        );
    }

    #[test]
    fn gives_one_shared_name_per_topic() {
        let mut table = PositionTable::default();
        let first = table.set("a", 0, 1).clone();
        table.set("b", 0, 1);
        let again = table.set("a", 1, 2).clone();
        assert_eq!(first, "a");
        assert!(
            std::ptr::eq(first.as_str(), again.as_str()),
            "the name is shared"
        );
    }

    #[test]
    fn remove_and_drain_take_offsets_out() {
        let mut table: PositionTable = [(tp("a", 0), 3), (tp("b", 4), 9)].into_iter().collect();
        assert_eq!(table.remove(&tp("a", 0)), Some(3));
        assert_eq!(table.remove(&tp("a", 0)), None);
        assert!(!table.entries().is_empty());
        assert_eq!(table.drain(), vec![(tp("b", 4), 9)]);
        assert!(table.entries().is_empty());
        assert_eq!(table.get(&tp("b", 4)), None);
    }
}
