//! Boundary cases of windows and joins: a record exactly at a window's
//! end, exactly at the grace limit, a session merge across three records,
//! join-window edges, and tombstones on either side of a table-table join.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::time::Duration;

use kafka_streams::dsl::{SessionWindowedSerde, TimeWindowedSerde};
use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::test_driver::{TestOutputTopic, TopologyTestDriver};
use kafka_streams::{
    Consumed, Grouped, JoinWindows, Materialized, Produced, SessionWindows, SlidingWindows,
    StreamJoined, StreamsBuilder, TimeWindows, Windowed,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn tumbling(size: u64, grace: u64) -> (TopologyTestDriver, TestOutputTopic<Windowed<String>, i64>) {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default())
        .windowed_by(TimeWindows::of_size_and_grace(ms(size), ms(grace)).unwrap())
        .count(Materialized::as_store("counts"))
        .to_stream()
        .to(
            "out",
            Produced::with(TimeWindowedSerde::new(StringSerde, size as i64), LongSerde),
        );
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let out = driver.create_output_topic(
        "out",
        TimeWindowedSerde::new(StringSerde, size as i64),
        LongSerde,
    );
    (driver, out)
}

fn starts(out: &TestOutputTopic<Windowed<String>, i64>) -> Vec<(i64, i64)> {
    out.read_key_values_to_list()
        .unwrap()
        .into_iter()
        .map(|(w, c)| (w.window().start(), c))
        .collect()
}

#[test]
fn a_record_exactly_at_the_window_end_belongs_to_the_next_window() {
    let (driver, out) = tumbling(10, 0);
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at("k".into(), "a".into(), 9).unwrap();
    input.pipe_input_at("k".into(), "b".into(), 10).unwrap();
    assert_eq!(starts(&out), vec![(0, 1), (10, 1)]);
}

#[test]
fn a_record_is_accepted_until_stream_time_reaches_end_plus_grace() {
    let (driver, out) = tumbling(10, 5);
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at("k".into(), "a".into(), 14).unwrap(); // stream time 14 < 10 + 5
    input.pipe_input_at("k".into(), "b".into(), 3).unwrap(); // [0, 10) still open
    assert_eq!(driver.dropped_records(), 0);
    input.pipe_input_at("k".into(), "c".into(), 15).unwrap(); // 10 + 5 <= 15: closed
    input.pipe_input_at("k".into(), "d".into(), 9).unwrap(); // dropped
    assert_eq!(driver.dropped_records(), 1);
    assert_eq!(starts(&out), vec![(10, 1), (0, 1), (10, 2)]);
}

#[test]
fn three_records_merge_into_one_session_and_the_grace_limit_is_inclusive() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default())
        .windowed_by_session(SessionWindows::with_inactivity_gap_and_grace(ms(10), ms(5)).unwrap())
        .count(Materialized::as_store("sessions"))
        .to_stream()
        .to(
            "out",
            Produced::with(SessionWindowedSerde::new(StringSerde), LongSerde),
        );
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    let out = driver.create_output_topic("out", SessionWindowedSerde::new(StringSerde), LongSerde);
    input.pipe_input_at("u".into(), "a".into(), 0).unwrap();
    input.pipe_input_at("u".into(), "b".into(), 20).unwrap(); // 20 - 0 > gap: second session
    input.pipe_input_at("u".into(), "c".into(), 10).unwrap(); // exactly gap from both: bridges
    let sessions = out.read_key_values_to_map().unwrap();
    let got: Vec<(i64, i64, i64)> = sessions
        .iter()
        .map(|(w, c)| (w.window().start(), w.window().end(), *c))
        .collect();
    assert_eq!(got, vec![(0, 20, 3)]);
    // [0, 20] closes when 20 + 5 < stream time.
    input.pipe_input_at("v".into(), "x".into(), 25).unwrap();
    input.pipe_input_at("u".into(), "d".into(), 15).unwrap(); // 25 is not > 25: still open
    assert_eq!(driver.dropped_records(), 0);
    input.pipe_input_at("v".into(), "y".into(), 26).unwrap();
    input.pipe_input_at("u".into(), "e".into(), 18).unwrap(); // closed now: dropped
    assert_eq!(driver.dropped_records(), 1);
    let last = out.read_key_values_to_map().unwrap();
    let u: Vec<(i64, i64, i64)> = last
        .iter()
        .filter(|(w, _)| w.key() == "u")
        .map(|(w, c)| (w.window().start(), w.window().end(), *c))
        .collect();
    assert_eq!(u, vec![(0, 20, 4)]);
}

#[test]
fn join_window_edges_are_inclusive_and_grace_is_respected() {
    let builder = StreamsBuilder::new();
    let l = builder.stream::<String, String>("l", Consumed::default());
    let r = builder.stream::<String, String>("r", Consumed::default());
    let windows = JoinWindows::of_time_difference_and_grace(ms(5), ms(2))
        .unwrap()
        .after(ms(3))
        .unwrap();
    l.join(
        &r,
        |a, b| format!("{a}{b}"),
        windows,
        StreamJoined::default(),
    )
    .to("out", Produced::default());
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let li = driver.create_input_topic("l", StringSerde, StringSerde);
    let ri = driver.create_input_topic("r", StringSerde, StringSerde);
    let out = driver.create_output_topic("out", StringSerde, StringSerde);
    li.pipe_input_at("k".into(), "L".into(), 100).unwrap();
    ri.pipe_input_at("k".into(), "a".into(), 95).unwrap(); // t - before: joins
    ri.pipe_input_at("k".into(), "b".into(), 94).unwrap(); // one more: no
    ri.pipe_input_at("k".into(), "c".into(), 103).unwrap(); // t + after: joins
    ri.pipe_input_at("k".into(), "d".into(), 104).unwrap(); // one more: no
    assert_eq!(
        out.read_values_to_list().unwrap(),
        vec!["La".to_string(), "Lc".to_string()]
    );
    // L's window closes when 100 + 3 + 2 < stream time: at 105 it is open.
    ri.pipe_input_at("z".into(), "_".into(), 105).unwrap();
    li.pipe_input_at("k".into(), "M".into(), 101).unwrap(); // 101 + 5 >= 105: accepted
    assert_eq!(driver.dropped_records(), 0);
    ri.pipe_input_at("z".into(), "_".into(), 107).unwrap();
    li.pipe_input_at("k".into(), "N".into(), 101).unwrap(); // 101 + 5 < 107: dropped
    assert_eq!(driver.dropped_records(), 1);
}

#[test]
fn tombstones_on_either_side_of_a_table_table_join() {
    let builder = StreamsBuilder::new();
    let a = builder.table::<String, String>("a", Consumed::default(), Materialized::as_store("a"));
    let b = builder.table::<String, String>("b", Consumed::default(), Materialized::as_store("b"));
    a.join(&b, |x, y| format!("{x}{y}"))
        .to_stream()
        .to("out", Produced::default());
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let ai = driver.create_input_topic("a", StringSerde, StringSerde);
    let bi = driver.create_input_topic("b", StringSerde, StringSerde);
    let out = driver.create_output_topic("out", StringSerde, StringSerde);
    let values = |o: &TestOutputTopic<String, String>| -> Vec<Option<String>> {
        o.read_records_to_list()
            .unwrap()
            .into_iter()
            .map(|r| r.value)
            .collect()
    };
    ai.pipe_input("k".into(), "x".into()).unwrap();
    bi.pipe_input("k".into(), "y".into()).unwrap();
    assert_eq!(values(&out), vec![Some("xy".to_string())]);
    ai.pipe_tombstone("k".into()).unwrap(); // left tombstone: the row goes
    assert_eq!(values(&out), vec![None]);
    ai.pipe_tombstone("k".into()).unwrap(); // again: nothing left to delete
    bi.pipe_tombstone("k".into()).unwrap(); // right tombstone, no row: nothing
    assert!(out.is_empty());
    ai.pipe_input("k".into(), "x".into()).unwrap(); // no right row: nothing
    bi.pipe_input("k".into(), "z".into()).unwrap();
    bi.pipe_tombstone("k".into()).unwrap(); // right tombstone: the row goes
    assert_eq!(values(&out), vec![Some("xz".to_string()), None]);
}

#[test]
fn windowed_state_is_change_logged_with_kafka_key_layout() {
    let (driver, _out) = tumbling(10, 0);
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at("k".into(), "a".into(), 12).unwrap();
    // Closes [10, 20), which is purged.
    input.pipe_input_at("k".into(), "b".into(), 25).unwrap();
    // The changelog key is `key ++ window start` (8 bytes big-endian); read
    // with the String serde it shows those bytes after "k". Each record's
    // changed keys are logged once, in key order.
    let log = driver.changelog::<String, i64>("counts").unwrap();
    let entries: Vec<(Vec<u8>, Option<i64>)> = log
        .into_iter()
        .map(|r| (r.key.unwrap().into_bytes(), r.value))
        .collect();
    let key = |start: i64| [b"k".as_slice(), &start.to_be_bytes()].concat();
    assert_eq!(
        entries,
        vec![(key(10), Some(1)), (key(10), None), (key(20), Some(1))]
    );
}

/// Every windowed aggregation drops a record with a null key or a null
/// value and counts it, as Kafka Streams does (`dropped-records`).
#[test]
fn windowed_aggregations_count_null_keys_and_values_as_dropped() {
    let builder = StreamsBuilder::new();
    let grouped = builder
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default());
    grouped
        .windowed_by(TimeWindows::of_size_and_grace(ms(10), ms(0)).unwrap())
        .count(Materialized::as_store("tumbling"));
    grouped
        .windowed_by_session(SessionWindows::with_inactivity_gap_and_grace(ms(10), ms(0)).unwrap())
        .count(Materialized::as_store("sessions"));
    grouped
        .windowed_by_sliding(SlidingWindows::of_time_difference_and_grace(ms(10), ms(0)).unwrap())
        .count(Materialized::as_store("sliding"));
    let driver = TopologyTestDriver::new(builder.build().unwrap()).unwrap();
    let input = driver.create_input_topic("in", StringSerde, StringSerde);
    input.pipe_input_at("k".into(), "a".into(), 1).unwrap();
    assert_eq!(driver.dropped_records(), 0);
    input.pipe_value_at("no key".into(), 2).unwrap();
    assert_eq!(driver.dropped_records(), 3, "one per aggregation");
    input.pipe_tombstone_at("k".into(), 3).unwrap();
    assert_eq!(driver.dropped_records(), 6, "one per aggregation");
}
