//! Oracle tests for sliding-window aggregations: seeded random input with
//! out-of-order and late records, compared with a from-scratch
//! recomputation of Kafka's sliding-window semantics, plus boundary cases.
//!
//! The recomputation: for the accepted records of a key, the windows are
//! each record's left window `[t - d, t]` (`[0, d]` when `t < d`) and, when
//! some record falls in `(t, t + 1 + d]`, its right window
//! `[t + 1, t + 1 + d]`; each window's aggregate covers the records with
//! timestamps in `[start, start + d]`. A record is dropped whole when
//! `t + 1 + d + grace <= stream time`. Records between the two zones
//! (some of their windows closed, others not) are left out of the random
//! input, since Kafka's result for them depends on which windows existed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kafka_streams::dsl::TimeWindowedSerde;
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::test_driver::TopologyTestDriver;
use kafka_streams::{
    BufferConfig, Consumed, Grouped, Materialized, Produced, SlidingWindows, StreamsBuilder,
    Suppressed,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEEDS: [u64; 5] = [1, 7, 42, 314, 2025];

/// `(key, timestamp, value)`.
type Input = (String, i64, i64);

/// Window start -> (count, sum), per key.
type Windows = BTreeMap<(String, i64), (i64, i64)>;

fn sliding(d: i64, grace: i64) -> SlidingWindows {
    SlidingWindows::of_time_difference_and_grace(
        Duration::from_millis(d as u64),
        Duration::from_millis(grace as u64),
    )
    .unwrap()
}

/// Records with mostly increasing timestamps (starting near 0, so early
/// records occur), some a little out of order, some far behind. Records
/// that Kafka would accept only in part are left out; returns the input
/// and how many records are dropped whole.
fn random_records(rng: &mut StdRng, n: usize, d: i64, grace: i64) -> (Vec<Input>, u64) {
    let mut t = 0i64;
    let mut now = i64::MIN;
    let mut out = Vec::new();
    let mut dropped = 0;
    while out.len() < n {
        t += rng.random_range(0..=d.max(2) / 2 + 1);
        let ts = match rng.random_range(0..10) {
            0 => (t - rng.random_range(0..4 * d + grace + 10)).max(0),
            1..=3 => (t - rng.random_range(0..=grace + 2)).max(0),
            _ => t,
        };
        let st = now.max(ts);
        let expired = ts + 1 + d + grace <= st;
        let fully_open = ts >= st - grace;
        if !expired && !fully_open {
            continue;
        }
        now = st;
        dropped += u64::from(expired);
        let key = format!("k{}", rng.random_range(0..3));
        out.push((key, ts, rng.random_range(1..1_000_000)));
    }
    (out, dropped)
}

/// The windows and their aggregates, from scratch.
fn oracle(records: &[Input], d: i64, grace: i64) -> Windows {
    let mut now = i64::MIN;
    let mut accepted: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (k, ts, v) in records {
        now = now.max(*ts);
        if ts + 1 + d + grace > now {
            accepted.entry(k.clone()).or_default().push((*ts, *v));
        }
    }
    let mut out = Windows::new();
    for (key, recs) in accepted {
        let mut starts = BTreeSet::new();
        for &(t, _) in &recs {
            starts.insert((t - d).max(0));
            if recs.iter().any(|&(u, _)| t < u && u <= t + 1 + d) {
                starts.insert(t + 1);
            }
        }
        for start in starts {
            let inside = recs.iter().filter(|&&(t, _)| start <= t && t <= start + d);
            let (count, sum) = inside.fold((0, 0), |(c, s), &(_, v)| (c + 1, s + v));
            out.insert((key.clone(), start), (count, sum));
        }
    }
    out
}

/// Runs count and sum on the driver; the latest result of every window.
fn run(records: &[Input], d: i64, grace: i64) -> (Windows, u64) {
    let builder = StreamsBuilder::new();
    let grouped = builder
        .stream::<String, i64>("in", Consumed::default())
        .group_by_key(Grouped::default());
    let windowed = grouped.windowed_by_sliding(sliding(d, grace));
    let serde = || TimeWindowedSerde::new(StringSerde, d);
    windowed
        .count(Materialized::as_store("counts"))
        .to_stream()
        .to("counts", Produced::with(serde(), LongSerde));
    windowed
        .aggregate(|| 0, |_k, v, s| s + v, Materialized::as_store("sums"))
        .to_stream()
        .to("sums", Produced::with(serde(), LongSerde));
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, LongSerde);
    let counts = driver.create_output_topic("counts", serde(), LongSerde);
    let sums = driver.create_output_topic("sums", serde(), LongSerde);
    for (k, ts, v) in records {
        input.pipe_input_at(k.clone(), *v, *ts).unwrap();
    }
    let mut out = Windows::new();
    for (w, c) in counts.read_key_values_to_list().unwrap() {
        assert_eq!(w.window().end() - w.window().start(), d);
        out.entry((w.key().clone(), w.window().start()))
            .or_default()
            .0 = c;
    }
    for (w, s) in sums.read_key_values_to_list().unwrap() {
        out.entry((w.key().clone(), w.window().start()))
            .or_default()
            .1 = s;
    }
    // Two aggregations, each counts its dropped records.
    (out, driver.dropped_records() / 2)
}

fn check(d: i64, grace: i64, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (records, dropped) = random_records(&mut rng, 400, d, grace);
    let (got, got_dropped) = run(&records, d, grace);
    let want = oracle(&records, d, grace);
    for (window, value) in &want {
        assert_eq!(
            got.get(window),
            Some(value),
            "window {window:?} (d={d}, grace={grace}, seed={seed})"
        );
    }
    assert_eq!(
        got.len(),
        want.len(),
        "extra windows (d={d}, grace={grace}, seed={seed})"
    );
    assert_eq!(
        got_dropped, dropped,
        "dropped (d={d}, grace={grace}, seed={seed})"
    );
    assert!(
        dropped > 0 || grace > 100,
        "the input has late records (seed={seed})"
    );
}

#[test]
fn sliding_windows_match_the_oracle_without_grace() {
    for seed in SEEDS {
        check(10, 0, seed);
    }
}

#[test]
fn sliding_windows_match_the_oracle_with_grace() {
    for seed in SEEDS {
        check(10, 15, seed);
        check(3, 6, seed);
        check(25, 4, seed);
    }
}

#[test]
fn sliding_windows_of_zero_difference_hold_one_timestamp() {
    for seed in SEEDS {
        check(0, 3, seed);
    }
}

/// The updates of a count on `(key, timestamp)` input, as
/// `(start, end, count)`.
fn counts(d: i64, grace: i64, input: &[(&str, i64)]) -> (Vec<(i64, i64, i64)>, u64) {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default())
        .windowed_by_sliding(sliding(d, grace))
        .count(Materialized::as_store("c"))
        .to_stream()
        .to(
            "out",
            Produced::with(TimeWindowedSerde::new(StringSerde, d), LongSerde),
        );
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let topic = driver.create_input_topic("in", StringSerde, StringSerde);
    let out = driver.create_output_topic("out", TimeWindowedSerde::new(StringSerde, d), LongSerde);
    for (k, ts) in input {
        topic
            .pipe_input_at(k.to_string(), "v".to_string(), *ts)
            .unwrap();
    }
    let updates = out
        .read_key_values_to_list()
        .unwrap()
        .into_iter()
        .map(|(w, c)| (w.window().start(), w.window().end(), c))
        .collect();
    (updates, driver.dropped_records())
}

#[test]
fn a_record_exactly_the_difference_later_shares_a_window() {
    // 100 and 110 are exactly 10 apart: both in [100, 110].
    let (updates, _) = counts(10, 0, &[("k", 100), ("k", 110)]);
    assert_eq!(updates, vec![(90, 100, 1), (101, 111, 1), (100, 110, 2)]);
    // 100 and 111 are 11 apart: no window holds both.
    let (updates, _) = counts(10, 0, &[("k", 100), ("k", 111)]);
    assert_eq!(updates, vec![(90, 100, 1), (101, 111, 1)]);
}

#[test]
fn early_records_share_the_first_window() {
    // Records before the difference all go to [0, 10].
    let (updates, _) = counts(10, 0, &[("k", 3), ("k", 7), ("k", 12)]);
    assert_eq!(
        updates,
        vec![
            (0, 10, 1), // 3
            (4, 14, 1), // 7: the right window of 3
            (0, 10, 2), // 7
            (4, 14, 2), // 12 joins 3's right window (7 and 12)
            (8, 18, 1), // the right window of 7, made by 12
            (2, 12, 3), // 12's left window: 3, 7 and 12
        ]
    );
}

#[test]
fn a_record_at_the_grace_limit_is_kept_and_one_past_it_dropped() {
    // d = 10, grace = 5; stream time 100 after the first record.
    // A record at 84: 84 + 1 + 10 + 5 = 100 <= 100, dropped whole.
    let (updates, dropped) = counts(10, 5, &[("k", 100), ("k", 84)]);
    assert_eq!(updates, vec![(90, 100, 1)]);
    assert_eq!(dropped, 1);
    // A record at 95: its left window [85, 95] ends at 95 = stream time -
    // grace, still open; it also lands in [90, 100].
    let (updates, dropped) = counts(10, 5, &[("k", 100), ("k", 95)]);
    assert_eq!(
        updates,
        vec![(90, 100, 1), (90, 100, 2), (85, 95, 1), (96, 106, 1)]
    );
    assert_eq!(dropped, 0);
    // A record at 94: its left window [84, 94] is closed (94 + 5 < 100),
    // the windows it shares with 100 are open: updated, and counted once.
    let (updates, dropped) = counts(10, 5, &[("k", 100), ("k", 94)]);
    assert_eq!(updates, vec![(90, 100, 1), (90, 100, 2), (95, 105, 1)]);
    assert_eq!(dropped, 1);
}

#[test]
fn suppress_emits_each_sliding_window_once_after_it_closes() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default())
        .windowed_by_sliding(sliding(10, 5))
        .count(Materialized::as_store("c"))
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(
            "out",
            Produced::with(TimeWindowedSerde::new(StringSerde, 10), LongSerde),
        );
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let topic = driver.create_input_topic("in", StringSerde, StringSerde);
    let out = driver.create_output_topic("out", TimeWindowedSerde::new(StringSerde, 10), LongSerde);
    for ts in [20, 25] {
        topic
            .pipe_input_at("k".to_string(), "v".to_string(), ts)
            .unwrap();
    }
    assert!(out.is_empty());
    // Stream time 25 closes nothing (20 + 5 is not < 25); stream time 31
    // closes [10, 20] and [15, 25] but not [21, 31] or [26, 36].
    topic
        .pipe_input_at("k".to_string(), "v".to_string(), 31)
        .unwrap();
    let finals: Vec<(i64, i64)> = out
        .read_key_values_to_list()
        .unwrap()
        .into_iter()
        .map(|(w, c)| (w.window().start(), c))
        .collect();
    assert_eq!(finals, vec![(10, 1), (15, 2)]);
}
