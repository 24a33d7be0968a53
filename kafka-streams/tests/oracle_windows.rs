//! Oracle tests for windowed aggregations: seeded random input with
//! out-of-order and late records, compared with a plain recomputation of
//! the documented semantics (time windows `[start, start + size)`, closed
//! when `end + grace <= stream time`; sessions `[first, last]`, merged when
//! a record is within the gap, closed when `end + grace < stream time`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kafka_streams::dsl::{SessionWindowedSerde, TimeWindowedSerde};
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::test_driver::TopologyTestDriver;
use kafka_streams::{
    BufferConfig, Consumed, Grouped, Materialized, Produced, SessionWindows, StreamsBuilder,
    Suppressed, TimeWindows,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEEDS: [u64; 4] = [3, 11, 99, 2025];

/// Records with mostly increasing timestamps, some out of order, some far
/// behind (late).
fn random_records(rng: &mut StdRng, n: usize) -> Vec<(String, i64)> {
    let mut t = 0i64;
    (0..n)
        .map(|_| {
            t += rng.random_range(0..6);
            let ts = match rng.random_range(0..10) {
                0 => (t - rng.random_range(0..60)).max(0), // far behind: often late
                1..=2 => (t - rng.random_range(0..8)).max(0), // a little out of order
                _ => t,
            };
            (format!("k{}", rng.random_range(0..4)), ts)
        })
        .collect()
}

/// The plain semantics of a windowed count: updates in order, dropped count.
fn time_window_oracle(
    records: &[(String, i64)],
    size: i64,
    advance: i64,
    grace: i64,
) -> (Vec<(String, i64, i64)>, u64) {
    let mut st = i64::MIN;
    let mut counts: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let mut updates = Vec::new();
    let mut dropped = 0;
    for (k, ts) in records {
        st = st.max(*ts);
        let mut missed = false;
        let mut start = 0;
        while start <= *ts {
            if *ts < start + size {
                if start + size + grace <= st {
                    missed = true;
                } else {
                    let c = counts.entry((k.clone(), start)).or_insert(0);
                    *c += 1;
                    updates.push((k.clone(), start, *c));
                }
            }
            start += advance;
        }
        dropped += u64::from(missed);
    }
    (updates, dropped)
}

fn run_time_windows(size: i64, advance: i64, grace: i64, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let records = random_records(&mut rng, 300);
    let windows = TimeWindows::of_size_and_grace(
        Duration::from_millis(size as u64),
        Duration::from_millis(grace as u64),
    )
    .unwrap()
    .advance_by(Duration::from_millis(advance as u64))
    .unwrap();
    let builder = StreamsBuilder::new();
    let counts = builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default())
        .windowed_by(windows)
        .count(Materialized::as_store("counts"));
    counts.to_stream().to(
        "updates",
        Produced::with(TimeWindowedSerde::new(StringSerde, size), LongSerde),
    );
    counts
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(
            "finals",
            Produced::with(TimeWindowedSerde::new(StringSerde, size), LongSerde),
        );
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    let updates = driver.create_output_topic(
        "updates",
        TimeWindowedSerde::new(StringSerde, size),
        LongSerde,
    );
    let finals = driver.create_output_topic(
        "finals",
        TimeWindowedSerde::new(StringSerde, size),
        LongSerde,
    );
    for (k, ts) in &records {
        input
            .pipe_input_at(k.clone(), "v".to_string(), *ts)
            .unwrap();
    }
    let (expected, dropped) = time_window_oracle(&records, size, advance, grace);
    let got: Vec<(String, i64, i64)> = updates
        .read_key_values_to_list()
        .unwrap()
        .into_iter()
        .map(|(w, c)| {
            assert_eq!(w.window().end(), w.window().start() + size);
            (w.key().clone(), w.window().start(), c)
        })
        .collect();
    assert_eq!(
        got, expected,
        "size {size} advance {advance} grace {grace} seed {seed}"
    );
    assert_eq!(driver.dropped_records(), dropped);
    assert!(dropped > 0, "the input should contain late records");

    // Suppression: every window closed at the suppression's stream time
    // (the largest timestamp among records that updated something) is
    // emitted exactly once, with its final count; nothing else is.
    let mut finals_expected = BTreeSet::new();
    let mut final_counts: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for (k, s, c) in &expected {
        final_counts.insert((k.clone(), *s), *c);
    }
    let mut st = i64::MIN;
    let mut suppress_time = i64::MIN;
    for (_, ts) in &records {
        st = st.max(*ts);
        let updated = (0..=*ts)
            .step_by(advance as usize)
            .any(|s| *ts < s + size && s + size + grace > st);
        if updated {
            suppress_time = suppress_time.max(*ts);
        }
    }
    for ((k, s), c) in &final_counts {
        if s + size + grace <= suppress_time {
            finals_expected.insert((k.clone(), *s, *c));
        }
    }
    let got_finals: Vec<(String, i64, i64)> = finals
        .read_key_values_to_list()
        .unwrap()
        .into_iter()
        .map(|(w, c)| (w.key().clone(), w.window().start(), c))
        .collect();
    let got_set: BTreeSet<_> = got_finals.iter().cloned().collect();
    assert_eq!(
        got_set.len(),
        got_finals.len(),
        "one final result per window"
    );
    assert_eq!(got_set, finals_expected);
}

#[test]
fn tumbling_windows_match_recomputation() {
    for seed in SEEDS {
        run_time_windows(10, 10, 0, seed);
        run_time_windows(20, 20, 7, seed);
    }
}

#[test]
fn hopping_windows_match_recomputation() {
    for seed in SEEDS {
        run_time_windows(20, 5, 3, seed);
        run_time_windows(9, 4, 0, seed);
    }
}

/// The plain semantics of a session count: the final sessions and the
/// dropped count.
fn session_oracle(
    records: &[(String, i64)],
    gap: i64,
    grace: i64,
) -> (BTreeMap<(String, i64, i64), i64>, u64) {
    let mut st = i64::MIN;
    let mut sessions: BTreeMap<(String, i64, i64), i64> = BTreeMap::new();
    let mut dropped = 0;
    for (k, ts) in records {
        st = st.max(*ts);
        let bridged: Vec<(String, i64, i64)> = sessions
            .keys()
            .filter(|(key, s, e)| key == k && *e >= ts - gap && *s <= ts + gap)
            .cloned()
            .collect();
        let start = bridged.iter().map(|b| b.1).fold(*ts, i64::min);
        let end = bridged.iter().map(|b| b.2).fold(*ts, i64::max);
        if end + grace < st {
            dropped += 1;
            continue;
        }
        let mut count = 1;
        for b in bridged {
            count += sessions.remove(&b).unwrap();
        }
        sessions.insert((k.clone(), start, end), count);
    }
    (sessions, dropped)
}

#[test]
fn session_windows_match_recomputation() {
    for seed in SEEDS {
        for (gap, grace) in [(5, 0), (8, 4)] {
            let mut rng = StdRng::seed_from_u64(seed);
            let records = random_records(&mut rng, 300);
            let builder = StreamsBuilder::new();
            builder
                .stream::<String, String>("in", Consumed::default())
                .group_by_key(Grouped::default())
                .windowed_by_session(
                    SessionWindows::with_inactivity_gap_and_grace(
                        Duration::from_millis(gap as u64),
                        Duration::from_millis(grace as u64),
                    )
                    .unwrap(),
                )
                .count(Materialized::as_store("sessions"))
                .to_stream()
                .to(
                    "out",
                    Produced::with(SessionWindowedSerde::new(StringSerde), LongSerde),
                );
            let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
            let input = driver.create_input_topic("in", StringSerde, StringSerde);
            let out = driver.create_output_topic(
                "out",
                SessionWindowedSerde::new(StringSerde),
                LongSerde,
            );
            for (k, ts) in &records {
                input
                    .pipe_input_at(k.clone(), "v".to_string(), *ts)
                    .unwrap();
            }
            let (expected, dropped) = session_oracle(&records, gap, grace);
            let got: BTreeMap<(String, i64, i64), i64> = out
                .read_key_values_to_map()
                .unwrap()
                .into_iter()
                .map(|(w, c)| ((w.key().clone(), w.window().start(), w.window().end()), c))
                .collect();
            assert_eq!(got, expected, "gap {gap} grace {grace} seed {seed}");
            assert_eq!(driver.dropped_records(), dropped);
            let total: i64 = expected.values().sum();
            assert_eq!(total as u64 + dropped, records.len() as u64);
        }
    }
}
