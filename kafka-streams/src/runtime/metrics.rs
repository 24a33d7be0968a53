//! Numbers a user can read while the application runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// A snapshot of the application's metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamsMetrics {
    /// Input records processed (user topics and repartition topics).
    pub records_processed: u64,
    /// Records that could not be deserialized and were skipped.
    pub records_skipped: u64,
    /// Records that could not be deserialized and went to the dead-letter topic.
    pub records_dead_lettered: u64,
    /// Output records the broker refused and that were dropped by a
    /// `LogAndContinue` production handler.
    pub records_failed_to_produce: u64,
    /// Records produced (sinks, repartition topics, changelogs).
    pub records_produced: u64,
    /// Records processed but dropped by an operator, as Kafka Streams'
    /// `dropped-records`: late for their window, or a null key or value
    /// reaching an aggregation.
    pub records_dropped: u64,
    /// Repartition records skipped because their upstream result was
    /// applied already (the upstream task processed its input again after
    /// a crash or a failed commit).
    pub duplicates_skipped: u64,
    /// Commits done (offset commits, or committed transactions).
    pub commits: u64,
    /// Transactions aborted (exactly-once).
    pub transactions_aborted: u64,
    /// The last commit's latency (flush of output plus offset commit).
    pub last_commit_latency: Duration,
    /// The longest commit latency seen.
    pub max_commit_latency: Duration,
    /// Changelog records replayed into stores.
    pub records_restored: u64,
    /// Store restorations done (one per store per task arrival).
    pub restores: u64,
    /// Rebalances this instance took part in.
    pub rebalances: u64,
    /// Per source partition (`topic[partition]`): records not yet processed
    /// (high watermark minus position), as of the last commit.
    pub lag: BTreeMap<String, i64>,
    /// Tasks currently owned by this instance, as `subtopology_partition`.
    pub active_tasks: Vec<String>,
    /// Records processed per source topic since start (live, not only at
    /// commits).
    pub processed_by_topic: BTreeMap<String, u64>,
    /// Records sent per topic since start (live; sent, not yet necessarily
    /// acknowledged).
    pub produced_by_topic: BTreeMap<String, u64>,
}

impl StreamsMetrics {
    /// The sum of all partitions' lag.
    pub fn total_lag(&self) -> i64 {
        self.lag.values().copied().sum()
    }
}

/// The counters a stream thread moves for every record, kept apart from
/// the other threads' (and from everything else: the struct fills its own
/// cache lines). A counter that two threads bump per record makes its cache
/// line travel between their cores at every update. `KafkaStreams::metrics`
/// adds the threads' counters up.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct ThreadCounters {
    pub(crate) records_processed: AtomicU64,
    pub(crate) records_produced: AtomicU64,
    pub(crate) records_dropped: AtomicU64,
    pub(crate) duplicates_skipped: AtomicU64,
}

impl ThreadCounters {
    /// Adds this thread's counts to `metrics`.
    pub(crate) fn add_to(&self, metrics: &mut StreamsMetrics) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        metrics.records_processed += get(&self.records_processed);
        metrics.records_produced += get(&self.records_produced);
        metrics.records_dropped += get(&self.records_dropped);
        metrics.duplicates_skipped += get(&self.duplicates_skipped);
    }
}

/// The live counters behind [`StreamsMetrics`] that are not per record,
/// shared by the stream threads.
#[derive(Debug, Default)]
pub(crate) struct MetricsRecorder {
    pub(crate) records_skipped: AtomicU64,
    pub(crate) records_dead_lettered: AtomicU64,
    pub(crate) records_failed_to_produce: AtomicU64,
    pub(crate) commits: AtomicU64,
    pub(crate) transactions_aborted: AtomicU64,
    pub(crate) last_commit_latency_us: AtomicU64,
    pub(crate) max_commit_latency_us: AtomicU64,
    pub(crate) records_restored: AtomicU64,
    pub(crate) restores: AtomicU64,
    pub(crate) rebalances: AtomicU64,
    pub(crate) lag: Mutex<BTreeMap<String, i64>>,
    /// How many times any thread refreshed its lag (after every commit round).
    pub(crate) lag_refreshes: AtomicU64,
    pub(crate) active_tasks: Mutex<BTreeMap<usize, Vec<String>>>,
}

impl MetricsRecorder {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn record_commit(&self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.last_commit_latency_us.store(us, Ordering::Relaxed);
        self.max_commit_latency_us.fetch_max(us, Ordering::Relaxed);
    }

    pub(crate) fn set_lag(&self, entries: impl IntoIterator<Item = (String, i64)>) {
        let mut lag = self.lag.lock().unwrap_or_else(|p| p.into_inner());
        for (key, value) in entries {
            lag.insert(key, value);
        }
        self.lag_refreshes.fetch_add(1, Ordering::Release);
    }

    pub(crate) fn remove_lag(&self, keys: impl IntoIterator<Item = String>) {
        let mut lag = self.lag.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            lag.remove(&key);
        }
    }

    pub(crate) fn set_active_tasks(&self, thread: usize, tasks: Vec<String>) {
        let mut all = self.active_tasks.lock().unwrap_or_else(|p| p.into_inner());
        all.insert(thread, tasks);
    }

    pub(crate) fn lag_refreshes(&self) -> u64 {
        self.lag_refreshes.load(Ordering::Acquire)
    }

    pub(crate) fn snapshot(&self) -> StreamsMetrics {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut active_tasks: Vec<String> = self
            .active_tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .flatten()
            .cloned()
            .collect();
        active_tasks.sort();
        StreamsMetrics {
            // Added up from the threads' own counters by `KafkaStreams::metrics`.
            records_processed: 0,
            records_produced: 0,
            records_dropped: 0,
            duplicates_skipped: 0,
            records_skipped: get(&self.records_skipped),
            records_dead_lettered: get(&self.records_dead_lettered),
            records_failed_to_produce: get(&self.records_failed_to_produce),
            commits: get(&self.commits),
            transactions_aborted: get(&self.transactions_aborted),
            last_commit_latency: Duration::from_micros(get(&self.last_commit_latency_us)),
            max_commit_latency: Duration::from_micros(get(&self.max_commit_latency_us)),
            records_restored: get(&self.records_restored),
            restores: get(&self.restores),
            rebalances: get(&self.rebalances),
            lag: self.lag.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            active_tasks,
            processed_by_topic: BTreeMap::new(),
            produced_by_topic: BTreeMap::new(),
        }
    }
}
