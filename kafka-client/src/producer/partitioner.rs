//! Choosing a partition for a record: the [`Partitioner`] trait and the
//! built-in Java-compatible and round-robin partitioners.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use super::murmur2::partition_for_key;

/// Picks the partition of a record that has no explicit partition.
///
/// Called on the sending task for every such record, with the topic's
/// current partition count (always at least 1). It must return a partition in
/// `0..partition_count`; anything else makes the send fail with
/// [`Error::UnknownPartition`](crate::Error::UnknownPartition). Keep it quick
/// and non-blocking.
///
/// Any `Fn(&str, Option<&[u8]>, i32) -> i32` closure is a partitioner:
///
/// ```
/// use kafka_client::producer::Partitioner;
/// // Everything to the last partition.
/// let last = |_topic: &str, _key: Option<&[u8]>, count: i32| count - 1;
/// assert_eq!(last.partition("t", None, 4), 3);
/// ```
pub trait Partitioner: Send + Sync + 'static {
    /// The partition for a record bound for `topic` whose serialized key is
    /// `key` (`None` for a null key), out of `partition_count` partitions.
    fn partition(&self, topic: &str, key: Option<&[u8]>, partition_count: i32) -> i32;
}

impl<F> Partitioner for F
where
    F: Fn(&str, Option<&[u8]>, i32) -> i32 + Send + Sync + 'static,
{
    fn partition(&self, topic: &str, key: Option<&[u8]>, partition_count: i32) -> i32 {
        self(topic, key, partition_count)
    }
}

/// The default: keyed records go where Java's default partitioner puts them,
/// `toPositive(murmur2(key)) % partitions`, so a Rust and a Java producer
/// (or Kafka Streams) agree on where each key lives. Keyless records go
/// round-robin, exactly evenly, with one counter per topic.
///
/// librdkafka's own default (`consistent_random`, CRC32) is not
/// Java-compatible; this partitioner is used instead of it.
#[derive(Debug, Default)]
pub struct DefaultPartitioner {
    keyless: RoundRobinPartitioner,
}

impl DefaultPartitioner {
    /// A new partitioner, its round-robin counters at zero.
    pub fn new() -> Self {
        DefaultPartitioner::default()
    }
}

impl Partitioner for DefaultPartitioner {
    fn partition(&self, topic: &str, key: Option<&[u8]>, partition_count: i32) -> i32 {
        match key {
            Some(key) => partition_for_key(key, partition_count),
            None => self.keyless.next(topic, partition_count),
        }
    }
}

/// Spreads all records, keyed or not, round-robin over a topic's
/// partitions: with N partitions, any N consecutive records of a topic land
/// on N different partitions. Like Java's `RoundRobinPartitioner`, it ignores
/// keys, so records of one key are not kept in order.
#[derive(Default)]
pub struct RoundRobinPartitioner {
    counters: RwLock<HashMap<String, AtomicU64>>,
}

impl RoundRobinPartitioner {
    /// A new partitioner, its counters at zero.
    pub fn new() -> Self {
        RoundRobinPartitioner::default()
    }

    /// The next partition of `topic` in turn.
    fn next(&self, topic: &str, partition_count: i32) -> i32 {
        let count = u64::try_from(partition_count.max(1)).unwrap_or(1);
        let turn = {
            let counters = self.counters.read().unwrap_or_else(|p| p.into_inner());
            counters
                .get(topic)
                .map(|counter| counter.fetch_add(1, Ordering::Relaxed))
        };
        let turn = match turn {
            Some(turn) => turn,
            None => {
                let mut counters = self.counters.write().unwrap_or_else(|p| p.into_inner());
                counters
                    .entry(topic.to_string())
                    .or_insert_with(|| AtomicU64::new(0))
                    .fetch_add(1, Ordering::Relaxed)
            }
        };
        // `turn % count` < count <= i32::MAX, so the conversion cannot fail.
        i32::try_from(turn % count).unwrap_or(0)
    }
}

impl Partitioner for RoundRobinPartitioner {
    fn partition(&self, topic: &str, _key: Option<&[u8]>, partition_count: i32) -> i32 {
        self.next(topic, partition_count)
    }
}

impl fmt::Debug for RoundRobinPartitioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let topics = self.counters.read().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("RoundRobinPartitioner")
            .field("topics", &topics)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_is_exactly_even_and_per_topic() {
        let p = RoundRobinPartitioner::new();
        let mut counts = [0; 3];
        for _ in 0..300 {
            counts[p.partition("a", Some(b"same key"), 3) as usize] += 1;
        }
        assert_eq!(counts, [100, 100, 100]);
        // Another topic starts from its own counter.
        assert_eq!(p.partition("b", None, 5), 0);
        assert_eq!(p.partition("b", None, 5), 1);
        assert_eq!(p.partition("a", None, 3), 0);
    }

    #[test]
    fn round_robin_stays_even_across_threads() {
        let p = std::sync::Arc::new(RoundRobinPartitioner::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || {
                    (0..1000)
                        .map(|_| p.partition("t", None, 4))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut counts = [0; 4];
        for t in threads {
            for partition in t.join().unwrap() {
                counts[partition as usize] += 1;
            }
        }
        assert_eq!(counts, [1000; 4]);
    }

    #[test]
    fn default_uses_murmur2_for_keys_and_round_robin_without() {
        let p = DefaultPartitioner::new();
        for (key, _, partitions) in super::super::murmur2::tests::VECTORS {
            assert_eq!(p.partition("t", Some(key), 6), partitions[1]);
        }
        let keyless: Vec<i32> = (0..6).map(|_| p.partition("t", None, 3)).collect();
        assert_eq!(keyless, [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn closures_are_partitioners() {
        let by_len =
            |_: &str, key: Option<&[u8]>, count: i32| key.map_or(0, |k| k.len() as i32 % count);
        assert_eq!(by_len.partition("t", Some(b"abcd"), 3), 1);
    }
}
