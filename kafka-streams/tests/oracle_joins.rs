//! Oracle tests for joins: seeded random input (out of order, late), each
//! join type compared with a plain recomputation of the documented
//! semantics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use kafka_streams::serde::StringSerde;
use kafka_streams::test_driver::TopologyTestDriver;
use kafka_streams::{
    Consumed, JoinWindows, Joined, Materialized, Produced, StreamJoined, StreamsBuilder,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEEDS: [u64; 4] = [5, 13, 77, 4096];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Inner,
    Left,
    Outer,
}

fn show(l: Option<&String>, r: Option<&String>) -> String {
    format!(
        "{}+{}",
        l.map_or("null", |s| s.as_str()),
        r.map_or("null", |s| s.as_str())
    )
}

/// `(left side?, key, timestamp, value)` in arrival order.
fn random_two_sided(rng: &mut StdRng, n: usize) -> Vec<(bool, String, i64, String)> {
    let mut t = 0i64;
    (0..n)
        .map(|i| {
            t += rng.random_range(0..4);
            let ts = match rng.random_range(0..10) {
                0 => (t - rng.random_range(0..40)).max(0),
                1..=3 => (t - rng.random_range(0..6)).max(0),
                _ => t,
            };
            let left = rng.random_bool(0.5);
            let value = format!("{}{i}", if left { "L" } else { "R" });
            (left, format!("k{}", rng.random_range(0..3)), ts, value)
        })
        .collect()
}

/// The documented stream-stream join semantics, recomputed plainly: a pair
/// joins when the second record arrives (not late) while the first one's
/// window is still open; unjoined records of the outer side(s) are emitted
/// once their window closed (by the final stream time).
fn stream_join_oracle(
    records: &[(bool, String, i64, String)],
    before: i64,
    after: i64,
    grace: i64,
    kind: Kind,
) -> (Vec<(String, String, i64)>, u64) {
    let look = |left: bool| if left { after } else { before };
    let open = |left: bool, ts: i64, st: i64| ts + look(left) + grace >= st;
    let mut st = i64::MIN;
    let mut accepted: Vec<(bool, String, i64, String, bool)> = Vec::new();
    let mut out = Vec::new();
    let mut dropped = 0;
    for (left, key, ts, value) in records {
        st = st.max(*ts);
        if !open(*left, *ts, st) {
            dropped += 1;
            continue;
        }
        let mut joined = false;
        for other in accepted.iter_mut() {
            let (o_left, o_key, o_ts, o_value, o_joined) = other;
            if *o_left == *left || o_key != key || !open(*o_left, *o_ts, st) {
                continue;
            }
            let in_window = if *left {
                *o_ts >= ts - before && *o_ts <= ts + after
            } else {
                *o_ts >= ts - after && *o_ts <= ts + before
            };
            if in_window {
                let v = if *left {
                    show(Some(value), Some(o_value))
                } else {
                    show(Some(o_value), Some(value))
                };
                out.push((key.clone(), v, (*ts).max(*o_ts)));
                *o_joined = true;
                joined = true;
            }
        }
        accepted.push((*left, key.clone(), *ts, value.clone(), joined));
    }
    for (left, key, ts, value, joined) in &accepted {
        let emits = match kind {
            Kind::Inner => false,
            Kind::Left => *left,
            Kind::Outer => true,
        };
        if emits && !joined && !open(*left, *ts, st) {
            let v = if *left {
                show(Some(value), None)
            } else {
                show(None, Some(value))
            };
            out.push((key.clone(), v, *ts));
        }
    }
    out.sort();
    (out, dropped)
}

#[test]
fn stream_stream_joins_match_recomputation() {
    for seed in SEEDS {
        for kind in [Kind::Inner, Kind::Left, Kind::Outer] {
            for (before, after, grace) in [(5, 5, 0), (3, 8, 4), (0, 6, 2)] {
                let mut rng = StdRng::seed_from_u64(seed);
                let records = random_two_sided(&mut rng, 250);
                let windows = JoinWindows::of_time_difference_and_grace(
                    Duration::from_millis(before as u64),
                    Duration::from_millis(grace as u64),
                )
                .unwrap()
                .after(Duration::from_millis(after as u64))
                .unwrap();
                let builder = StreamsBuilder::new();
                let l = builder.stream::<String, String>("left", Consumed::default());
                let r = builder.stream::<String, String>("right", Consumed::default());
                let joined = match kind {
                    Kind::Inner => l.join(
                        &r,
                        |a, b| show(Some(a), Some(b)),
                        windows,
                        StreamJoined::default(),
                    ),
                    Kind::Left => l.left_join(
                        &r,
                        |a, b| show(Some(a), b),
                        windows,
                        StreamJoined::default(),
                    ),
                    Kind::Outer => l.outer_join(&r, show, windows, StreamJoined::default()),
                };
                joined.to("out", Produced::default());
                let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
                let li = driver.create_input_topic("left", StringSerde, StringSerde);
                let ri = driver.create_input_topic("right", StringSerde, StringSerde);
                let out = driver.create_output_topic("out", StringSerde, StringSerde);
                for (left, key, ts, value) in &records {
                    let input = if *left { &li } else { &ri };
                    input
                        .pipe_input_at(key.clone(), value.clone(), *ts)
                        .unwrap();
                }
                let mut got: Vec<(String, String, i64)> = out
                    .read_records_to_list()
                    .unwrap()
                    .into_iter()
                    .map(|r| (r.key.unwrap(), r.value.unwrap(), r.timestamp))
                    .collect();
                got.sort();
                let (expected, dropped) = stream_join_oracle(&records, before, after, grace, kind);
                assert_eq!(
                    got, expected,
                    "{kind:?} before {before} after {after} grace {grace} seed {seed}"
                );
                assert_eq!(driver.dropped_records(), dropped);
                assert!(!expected.is_empty());
            }
        }
    }
}

/// `(table update?, key, value or tombstone)` in arrival order.
fn random_table_and_stream(rng: &mut StdRng, n: usize) -> Vec<(bool, String, Option<String>)> {
    (0..n)
        .map(|i| {
            let table = rng.random_bool(0.4);
            let value = (!table || rng.random_range(0..5) > 0).then(|| format!("v{i}"));
            (table, format!("k{}", rng.random_range(0..5)), value)
        })
        .collect()
}

#[test]
fn stream_table_joins_match_recomputation() {
    for seed in SEEDS {
        for left in [false, true] {
            let mut rng = StdRng::seed_from_u64(seed);
            let records = random_table_and_stream(&mut rng, 300);
            let builder = StreamsBuilder::new();
            let table = builder.table::<String, String>(
                "table",
                Consumed::default(),
                Materialized::as_store("t"),
            );
            let stream = builder.stream::<String, String>("stream", Consumed::default());
            let joined = if left {
                stream.left_join_table(&table, |s, t| show(Some(s), t), Joined::default())
            } else {
                stream.join_table(&table, |s, t| show(Some(s), Some(t)), Joined::default())
            };
            joined.to("out", Produced::default());
            let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
            let ti = driver.create_input_topic("table", StringSerde, StringSerde);
            let si = driver.create_input_topic("stream", StringSerde, StringSerde);
            let out = driver.create_output_topic("out", StringSerde, StringSerde);
            let mut state = std::collections::BTreeMap::new();
            let mut expected = Vec::new();
            for (i, (is_table, key, value)) in records.iter().enumerate() {
                let ts = i as i64;
                if *is_table {
                    match value {
                        Some(v) => {
                            ti.pipe_input_at(key.clone(), v.clone(), ts).unwrap();
                            state.insert(key.clone(), v.clone());
                        }
                        None => {
                            ti.pipe_tombstone_at(key.clone(), ts).unwrap();
                            state.remove(key);
                        }
                    }
                } else {
                    let v = value.clone().unwrap();
                    si.pipe_input_at(key.clone(), v.clone(), ts).unwrap();
                    match (state.get(key), left) {
                        (Some(t), _) => expected.push((key.clone(), show(Some(&v), Some(t)))),
                        (None, true) => expected.push((key.clone(), show(Some(&v), None))),
                        (None, false) => {}
                    }
                }
            }
            assert_eq!(
                out.read_key_values_to_list().unwrap(),
                expected,
                "left {left} seed {seed}"
            );
        }
    }
}

#[test]
fn table_table_joins_match_recomputation() {
    for seed in SEEDS {
        for kind in [Kind::Inner, Kind::Left, Kind::Outer] {
            let mut rng = StdRng::seed_from_u64(seed);
            // (left table?, key, value or tombstone)
            let records: Vec<(bool, String, Option<String>)> = (0..300)
                .map(|i| {
                    let value = (rng.random_range(0..4) > 0).then(|| format!("v{i}"));
                    (
                        rng.random_bool(0.5),
                        format!("k{}", rng.random_range(0..4)),
                        value,
                    )
                })
                .collect();
            let builder = StreamsBuilder::new();
            let a = builder.table::<String, String>(
                "a",
                Consumed::default(),
                Materialized::as_store("a"),
            );
            let b = builder.table::<String, String>(
                "b",
                Consumed::default(),
                Materialized::as_store("b"),
            );
            let joined = match kind {
                Kind::Inner => a.join(&b, |x, y| show(Some(x), Some(y))),
                Kind::Left => a.left_join(&b, |x, y| show(Some(x), y)),
                Kind::Outer => a.outer_join(&b, show),
            };
            joined.to_stream().to("out", Produced::default());
            let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
            let ai = driver.create_input_topic("a", StringSerde, StringSerde);
            let bi = driver.create_input_topic("b", StringSerde, StringSerde);
            let out = driver.create_output_topic("out", StringSerde, StringSerde);
            let mut left = std::collections::BTreeMap::new();
            let mut right = std::collections::BTreeMap::new();
            let row = |l: Option<&String>, r: Option<&String>| match kind {
                Kind::Inner => (l.is_some() && r.is_some()).then(|| show(l, r)),
                Kind::Left => l.is_some().then(|| show(l, r)),
                Kind::Outer => (l.is_some() || r.is_some()).then(|| show(l, r)),
            };
            let mut expected = Vec::new();
            for (is_left, key, value) in &records {
                let (input, map) = if *is_left {
                    (&ai, &mut left)
                } else {
                    (&bi, &mut right)
                };
                let changed = match value {
                    Some(v) => {
                        input.pipe_input(key.clone(), v.clone()).unwrap();
                        map.insert(key.clone(), v.clone());
                        true
                    }
                    None => {
                        input.pipe_tombstone(key.clone()).unwrap();
                        map.remove(key).is_some()
                    }
                };
                if !changed {
                    continue; // a tombstone for a missing key changes nothing
                }
                expected.push((key.clone(), row(left.get(key), right.get(key))));
            }
            // An update forwards nothing when the joined row neither exists
            // now nor existed before it.
            let mut filtered = Vec::new();
            let mut current: std::collections::BTreeMap<String, Option<String>> =
                Default::default();
            for (key, new) in expected {
                let old = current.get(&key).cloned().flatten();
                if new.is_some() || old.is_some() {
                    filtered.push((key.clone(), new.clone()));
                }
                current.insert(key, new);
            }
            let got: Vec<(String, Option<String>)> = out
                .read_records_to_list()
                .unwrap()
                .into_iter()
                .map(|r| (r.key.unwrap(), r.value))
                .collect();
            assert_eq!(got, filtered, "{kind:?} seed {seed}");
            assert!(
                got.iter().any(|(_, v)| v.is_none()),
                "tombstones are part of the test"
            );
        }
    }
}
