//! Oracle tests: seeded random input through aggregations, compared with a
//! plain recomputation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::{BTreeMap, BTreeSet};

use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::test_driver::TopologyTestDriver;
use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEEDS: [u64; 4] = [1, 7, 42, 2024];

fn random_stream(rng: &mut StdRng, n: usize) -> Vec<(String, i64)> {
    (0..n)
        .map(|_| {
            (
                format!("user-{}", rng.random_range(0..12)),
                rng.random_range(-50..100),
            )
        })
        .collect()
}

/// The group of a stream record: chosen from the value, so the key changes.
fn group_of(value: i64) -> String {
    format!("g{}", value.rem_euclid(5))
}

#[test]
fn stream_group_by_count_reduce_aggregate_match_recomputation() {
    for seed in SEEDS {
        let mut rng = StdRng::seed_from_u64(seed);
        let records = random_stream(&mut rng, 400);

        let builder = StreamsBuilder::new();
        let grouped = builder
            .stream::<String, i64>("in", Consumed::default())
            .group_by(
                |_k, v| group_of(*v),
                Grouped::default().with_name("by-group"),
            );
        grouped
            .count(Materialized::as_store("count"))
            .to_stream()
            .to("count-out", Produced::default());
        grouped
            .reduce(|a, b| a + b, Materialized::as_store("sum"))
            .to_stream()
            .to("sum-out", Produced::default());
        // min, max and count in one string aggregate
        grouped.aggregate(
            || "none".to_string(),
            |_k, v, agg| match agg.as_str() {
                "none" => format!("{v}:{v}:1"),
                _ => {
                    let p: Vec<i64> = agg.split(':').map(|s| s.parse().unwrap()).collect();
                    format!("{}:{}:{}", p[0].min(*v), p[1].max(*v), p[2] + 1)
                }
            },
            Materialized::as_store("minmax"),
        );
        let topology = builder.build().unwrap();
        // The three aggregations share one repartition topic and sub-topology.
        assert_eq!(topology.repartition_topics(), vec!["by-group"]);
        assert_eq!(topology.subtopologies().len(), 2);
        let driver = TopologyTestDriver::new(topology).unwrap();
        let input = driver.create_input_topic("in", StringSerde, LongSerde);
        let count_out = driver.create_output_topic("count-out", StringSerde, LongSerde);
        let sum_out = driver.create_output_topic("sum-out", StringSerde, LongSerde);
        for (i, (k, v)) in records.iter().enumerate() {
            input.pipe_input_at(k.clone(), *v, i as i64).unwrap();
        }

        // The oracle.
        let mut count: BTreeMap<String, i64> = BTreeMap::new();
        let mut sum: BTreeMap<String, i64> = BTreeMap::new();
        let mut minmax: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
        let mut count_updates = Vec::new();
        for (_, v) in &records {
            let g = group_of(*v);
            let c = count.entry(g.clone()).or_default();
            *c += 1;
            count_updates.push((g.clone(), *c));
            *sum.entry(g.clone()).or_default() += v;
            let e = minmax.entry(g).or_insert((*v, *v, 0));
            *e = (e.0.min(*v), e.1.max(*v), e.2 + 1);
        }

        assert_eq!(
            count_out.read_key_values_to_list().unwrap(),
            count_updates,
            "seed {seed}"
        );
        assert_eq!(
            sum_out.read_key_values_to_map().unwrap(),
            sum,
            "seed {seed}"
        );
        let store = |name: &str| {
            driver
                .key_value_store::<String, i64>(name)
                .unwrap()
                .all()
                .unwrap()
                .into_iter()
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(store("count"), count, "seed {seed}");
        assert_eq!(store("sum"), sum, "seed {seed}");
        let minmax_store: BTreeMap<String, String> = driver
            .key_value_store::<String, String>("minmax")
            .unwrap()
            .all()
            .unwrap()
            .into_iter()
            .collect();
        let expected: BTreeMap<String, String> = minmax
            .into_iter()
            .map(|(g, (lo, hi, n))| (g, format!("{lo}:{hi}:{n}")))
            .collect();
        assert_eq!(minmax_store, expected, "seed {seed}");
    }
}

/// A random table: upserts (that may move a row between groups) and
/// tombstones (some for absent keys).
fn random_table_ops(rng: &mut StdRng, n: usize) -> Vec<(String, Option<i64>)> {
    (0..n)
        .map(|_| {
            let key = format!("row-{}", rng.random_range(0..25));
            let value = if rng.random_bool(0.2) {
                None
            } else {
                Some(rng.random_range(0..60))
            };
            (key, value)
        })
        .collect()
}

fn table_group(value: i64) -> String {
    format!("t{}", value % 4)
}

#[test]
fn table_regrouping_subtracts_and_adds_like_recomputation() {
    for seed in SEEDS {
        let mut rng = StdRng::seed_from_u64(seed);
        let ops = random_table_ops(&mut rng, 500);

        let builder = StreamsBuilder::new();
        let table = builder.table::<String, i64>(
            "rows",
            Consumed::default(),
            Materialized::as_store("rows"),
        );
        let regrouped = table.group_by(|_k, v| (table_group(*v), *v), Grouped::default());
        regrouped
            .count(Materialized::as_store("t-count"))
            .to_stream()
            .to("t-count-out", Produced::default());
        regrouped.reduce(|a, b| a + b, |a, b| a - b, Materialized::as_store("t-sum"));
        regrouped.aggregate(
            || 0i64,
            |_g, v, agg| agg + v * v,
            |_g, v, agg| agg - v * v,
            Materialized::as_store("t-squares"),
        );
        let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
        let input = driver.create_input_topic("rows", StringSerde, LongSerde);
        let count_out = driver.create_output_topic("t-count-out", StringSerde, LongSerde);

        let mut rows: BTreeMap<String, i64> = BTreeMap::new();
        let mut touched: BTreeSet<String> = BTreeSet::new();
        for (i, (k, v)) in ops.iter().enumerate() {
            match v {
                Some(v) => {
                    input.pipe_input_at(k.clone(), *v, i as i64).unwrap();
                    rows.insert(k.clone(), *v);
                    touched.insert(table_group(*v));
                }
                None => {
                    input.pipe_tombstone_at(k.clone(), i as i64).unwrap();
                    rows.remove(k);
                }
            }
        }
        let recompute = |f: &dyn Fn(i64) -> i64| -> BTreeMap<String, i64> {
            let mut out: BTreeMap<String, i64> = touched.iter().map(|g| (g.clone(), 0)).collect();
            for v in rows.values() {
                *out.entry(table_group(*v)).or_default() += f(*v);
            }
            out
        };
        let read = |name: &str| -> BTreeMap<String, i64> {
            driver
                .key_value_store::<String, i64>(name)
                .unwrap()
                .all()
                .unwrap()
                .into_iter()
                .collect()
        };
        assert_eq!(read("t-count"), recompute(&|_| 1), "seed {seed}");
        assert_eq!(read("t-sum"), recompute(&|v| v), "seed {seed}");
        assert_eq!(read("t-squares"), recompute(&|v| v * v), "seed {seed}");
        assert_eq!(read("rows"), rows, "seed {seed}");
        assert_eq!(
            count_out.read_key_values_to_map().unwrap(),
            recompute(&|_| 1),
            "seed {seed}"
        );
    }
}

#[test]
fn a_row_moving_between_groups_updates_both_in_order() {
    let builder = StreamsBuilder::new();
    builder
        .table::<String, String>(
            "user-city",
            Consumed::default(),
            Materialized::as_store("users"),
        )
        .group_by(|_u, city| (city.clone(), city.clone()), Grouped::default())
        .count(Materialized::as_store("per-city"))
        .to_stream()
        .to("out", Produced::default());
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("user-city", StringSerde, StringSerde);
    let output = driver.create_output_topic("out", StringSerde, LongSerde);
    input.pipe_input("ann".into(), "서울".into()).unwrap();
    input.pipe_input("ann".into(), "서울".into()).unwrap(); // same group: one update
    input.pipe_input("ann".into(), "Paris".into()).unwrap(); // moves: subtract, then add
    input.pipe_tombstone("ann".into()).unwrap();
    input.pipe_tombstone("nobody".into()).unwrap(); // absent key: nothing
    assert_eq!(
        output.read_key_values_to_list().unwrap(),
        vec![
            ("서울".to_string(), 1),
            ("서울".to_string(), 1),
            ("서울".to_string(), 0),
            ("Paris".to_string(), 1),
            ("Paris".to_string(), 0),
        ]
    );
}
