//! State store operations per second: the in-memory key-value store, alone
//! and under the change-logging layer, against a plain `BTreeMap` on the
//! same bytes (what the store is built on, so the ratio is its overhead).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::ops::Bound;
use std::time::{Duration, Instant};

use kafka_streams::state::{ChangeLoggingKeyValueStore, InMemoryKeyValueStore, KeyValueBytesStore};

use crate::stats::Measured;
use crate::Plan;

/// Entries each range scan reads.
const SCAN_LEN: usize = 100;
/// Changelog entries gathered before they are drained, like a task that
/// drains after each input record's burst of updates.
const DRAIN_EVERY: usize = 64;

fn key(i: u64) -> Vec<u8> {
    format!("key-{i:010}").into_bytes()
}

/// A fixed pseudo-random order over `0..n` (a multiplicative walk).
fn shuffled(n: u64) -> impl Iterator<Item = u64> {
    let n = n.max(1);
    // A step coprime with n visits every index once.
    let mut step = 2_654_435_761u64 % n;
    while gcd(step, n) != 1 {
        step += 1;
    }
    (0..n).map(move |i| (i * step) % n)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

pub(crate) fn run(plan: &Plan) -> Vec<Measured> {
    let n = plan.store_entries;
    let put_name = format!("store put ({n} keys, 8 B values)");
    let get_name = format!("store get ({n} keys, random order)");
    let range_name = format!("store range ({SCAN_LEN}-entry scans)");
    let mut rows = vec![
        Measured::new(&put_name, "std BTreeMap<Vec<u8>, Vec<u8>>", "ops/s", true),
        Measured::new(&put_name, "InMemoryKeyValueStore", "ops/s", false),
        Measured::new(&put_name, "ChangeLogging(InMemory)", "ops/s", false),
        Measured::new(&get_name, "std BTreeMap<Vec<u8>, Vec<u8>>", "ops/s", true),
        Measured::new(&get_name, "InMemoryKeyValueStore", "ops/s", false),
        Measured::new(
            &range_name,
            "std BTreeMap<Vec<u8>, Vec<u8>>",
            "scans/s",
            true,
        ),
        Measured::new(&range_name, "InMemoryKeyValueStore", "scans/s", false),
    ];
    let scans = (n / 10).max(1);
    for _ in 0..plan.rounds {
        let (map, took) = timed(|| {
            let mut map = BTreeMap::new();
            for i in shuffled(n) {
                map.insert(key(i), (i as i64).to_be_bytes().to_vec());
            }
            map
        });
        rows[0].push(n, took);
        let (store, took) = timed(|| {
            let mut store = InMemoryKeyValueStore::new();
            for i in shuffled(n) {
                store.put(key(i), (i as i64).to_be_bytes().to_vec());
            }
            store
        });
        rows[1].push(n, took);
        let ((), took) = timed(|| {
            let mut store = ChangeLoggingKeyValueStore::new(Box::new(InMemoryKeyValueStore::new()));
            for (j, i) in shuffled(n).enumerate() {
                store.put(key(i), (i as i64).to_be_bytes().to_vec());
                if j % DRAIN_EVERY == DRAIN_EVERY - 1 {
                    black_box(store.drain());
                }
            }
            black_box(store.drain());
        });
        rows[2].push(n, took);

        let keys: Vec<Vec<u8>> = shuffled(n).map(key).collect();
        let ((), took) = timed(|| {
            for k in &keys {
                black_box(map.get(k.as_slice()));
            }
        });
        rows[3].push(n, took);
        let ((), took) = timed(|| {
            for k in &keys {
                black_box(store.get(k));
            }
        });
        rows[4].push(n, took);

        let ((), took) = timed(|| {
            for k in keys.iter().take(scans as usize) {
                let read = map
                    .range::<[u8], _>((Bound::Included(k.as_slice()), Bound::Unbounded))
                    .take(SCAN_LEN)
                    .count();
                black_box(read);
            }
        });
        rows[5].push(scans, took);
        let ((), took) = timed(|| {
            for k in keys.iter().take(scans as usize) {
                let read = store
                    .range(Bound::Included(k.as_slice()), Bound::Unbounded)
                    .take(SCAN_LEN)
                    .count();
                black_box(read);
            }
        });
        rows[6].push(scans, took);
    }
    rows
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffled_visits_every_index_once() {
        for n in [1000, 1024, 200_000] {
            let mut seen: Vec<u64> = shuffled(n).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
        }
    }
}
