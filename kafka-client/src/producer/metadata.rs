//! How many partitions each topic has, as the producer's partitioners need
//! it: fetched once per topic, refreshed in the background when it gets old,
//! and dropped when a delivery says the topic is gone.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use rdkafka::client::{Client, ClientContext};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// What the cache knows about a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CachedCount {
    /// Known and recent.
    Fresh(i32),
    /// Known, but older than the maximum age: use it, and refresh it.
    Stale(i32),
    /// Not known: fetch it before sending.
    Missing,
}

struct Entry {
    count: AtomicI32,
    /// When it was fetched, in milliseconds since the cache was made.
    fetched_ms: AtomicU64,
    refreshing: AtomicBool,
}

/// Partition counts by topic.
pub(crate) struct PartitionCounts {
    epoch: Instant,
    /// Milliseconds since `epoch`, as of the last [`tick`](Self::tick): a
    /// coarse clock for the age check of every send, which then reads no
    /// clock of its own (a clock read is a system call on some virtual
    /// machines, and a send is about a microsecond).
    clock_ms: AtomicU64,
    max_age: Duration,
    topics: RwLock<FxHashMap<String, Entry>>,
}

impl PartitionCounts {
    /// An empty cache whose entries go stale after `max_age`.
    pub(crate) fn new(max_age: Duration) -> Self {
        PartitionCounts {
            epoch: Instant::now(),
            clock_ms: AtomicU64::new(0),
            max_age,
            topics: RwLock::new(FxHashMap::default()),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Moves the coarse clock to now. The producer's polling thread calls
    /// this after each poll (at least every 100 ms), so an entry is seen
    /// stale at most that late.
    pub(crate) fn tick(&self) {
        self.clock_ms.fetch_max(self.now_ms(), Ordering::Relaxed);
    }

    /// The cached count of `topic`.
    pub(crate) fn get(&self, topic: &str) -> CachedCount {
        let topics = self.topics.read().unwrap_or_else(|p| p.into_inner());
        match topics.get(topic) {
            None => CachedCount::Missing,
            Some(entry) => {
                let count = entry.count.load(Ordering::Relaxed);
                let age = self
                    .clock_ms
                    .load(Ordering::Relaxed)
                    .saturating_sub(entry.fetched_ms.load(Ordering::Relaxed));
                if u128::from(age) >= self.max_age.as_millis() {
                    CachedCount::Stale(count)
                } else {
                    CachedCount::Fresh(count)
                }
            }
        }
    }

    /// Records a freshly fetched count.
    pub(crate) fn store(&self, topic: &str, count: i32) {
        let now = self.now_ms();
        let mut topics = self.topics.write().unwrap_or_else(|p| p.into_inner());
        let entry = topics.entry(topic.to_string()).or_insert_with(|| Entry {
            count: AtomicI32::new(count),
            fetched_ms: AtomicU64::new(now),
            refreshing: AtomicBool::new(false),
        });
        entry.count.store(count, Ordering::Relaxed);
        entry.fetched_ms.store(now, Ordering::Relaxed);
        entry.refreshing.store(false, Ordering::Release);
    }

    /// Forgets a topic, so that the next send fetches it again.
    pub(crate) fn invalidate(&self, topic: &str) {
        let mut topics = self.topics.write().unwrap_or_else(|p| p.into_inner());
        topics.remove(topic);
    }

    /// Claims the background refresh of a stale topic; `false` if another
    /// refresh is already running (or the topic is not cached).
    pub(crate) fn begin_refresh(&self, topic: &str) -> bool {
        let topics = self.topics.read().unwrap_or_else(|p| p.into_inner());
        topics.get(topic).is_some_and(|entry| {
            entry
                .refreshing
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        })
    }

    /// Ends a background refresh that failed: the old count stays in use
    /// and the next send tries again.
    pub(crate) fn refresh_failed(&self, topic: &str) {
        let topics = self.topics.read().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = topics.get(topic) {
            entry.refreshing.store(false, Ordering::Release);
        }
    }
}

impl fmt::Debug for PartitionCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let topics = self.topics.read().map(|t| t.len()).unwrap_or(0);
        f.debug_struct("PartitionCounts")
            .field("topics", &topics)
            .field("max_age", &self.max_age)
            .finish()
    }
}

/// Asks the cluster how many partitions `topic` has. Blocks for at most
/// `timeout`.
///
/// Asks for this topic only; with `allow.auto.create.topics=false` (the
/// producer's default) that never creates it, and a missing topic is
/// [`Error::UnknownTopic`]. Transient topic errors (a leader being elected,
/// a topic being created) are retried until the timeout.
pub(crate) fn fetch_partition_count<C: ClientContext>(
    client: &Client<C>,
    topic: &str,
    timeout: Duration,
    bootstrap_servers: &str,
) -> Result<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let metadata = client.fetch_metadata(Some(topic), remaining).map_err(|e| {
            Error::BrokerUnreachable {
                bootstrap_servers: bootstrap_servers.to_string(),
                timeout,
                message: e.to_string(),
            }
        })?;
        let found = metadata.topics().iter().find(|t| t.name() == topic);
        let Some(found) = found else {
            return Err(Error::UnknownTopic {
                topic: topic.to_string(),
            });
        };
        let last_problem = match found.error().map(RDKafkaErrorCode::from) {
            None if !found.partitions().is_empty() => {
                return Ok(i32::try_from(found.partitions().len()).unwrap_or(i32::MAX));
            }
            None => "no partitions yet".to_string(),
            Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic) => {
                return Err(Error::UnknownTopic {
                    topic: topic.to_string(),
                });
            }
            Some(
                code @ (RDKafkaErrorCode::LeaderNotAvailable
                | RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::RequestTimedOut
                | RDKafkaErrorCode::BrokerNotAvailable),
            ) => code.to_string(),
            Some(code) => {
                return Err(Error::Delivery {
                    topic: topic.to_string(),
                    source: KafkaError::MetadataFetch(code),
                });
            }
        };
        let pause = Duration::from_millis(100);
        if Instant::now() + pause >= deadline {
            return Err(Error::Timeout {
                what: format!("the partitions of topic `{topic}` (last answer: {last_problem})"),
                timeout,
            });
        }
        tracing::debug!(topic, problem = %last_problem, "retrying the topic's metadata");
        std::thread::sleep(pause);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_fresh_until_their_maximum_age() {
        let cache = PartitionCounts::new(Duration::from_secs(3600));
        assert_eq!(cache.get("t"), CachedCount::Missing);
        assert!(
            !cache.begin_refresh("t"),
            "nothing to refresh before a fetch"
        );
        cache.store("t", 3);
        assert_eq!(cache.get("t"), CachedCount::Fresh(3));
    }

    #[test]
    fn stale_counts_are_refreshed_one_at_a_time() {
        // A maximum age of zero: every count is stale as soon as it is stored.
        let cache = PartitionCounts::new(Duration::ZERO);
        cache.store("t", 3);
        assert_eq!(cache.get("t"), CachedCount::Stale(3));
        assert!(cache.begin_refresh("t"));
        assert!(!cache.begin_refresh("t"), "one refresh at a time");
        cache.refresh_failed("t");
        assert_eq!(
            cache.get("t"),
            CachedCount::Stale(3),
            "the old count stays in use"
        );
        assert!(cache.begin_refresh("t"), "a failed refresh can be retried");
        cache.store("t", 5);
        assert_eq!(cache.get("t"), CachedCount::Stale(5));
        assert!(cache.begin_refresh("t"), "storing ends the refresh");
        assert!(!cache.begin_refresh("other"));
    }

    #[test]
    fn age_is_read_on_the_coarse_clock_that_polling_moves() {
        let cache = PartitionCounts::new(Duration::from_millis(50));
        cache.store("t", 4);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            cache.get("t"),
            CachedCount::Fresh(4),
            "no tick yet: the send reads no clock"
        );
        cache.tick();
        assert_eq!(cache.get("t"), CachedCount::Stale(4));
    }

    #[test]
    fn invalidating_forgets_the_topic() {
        let cache = PartitionCounts::new(Duration::from_secs(60));
        cache.store("t", 2);
        cache.invalidate("t");
        assert_eq!(cache.get("t"), CachedCount::Missing);
    }
}
