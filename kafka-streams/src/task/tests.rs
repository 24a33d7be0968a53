//! The task boundary, exercised directly with bytes.

use std::sync::Arc;
use std::time::Duration;

use kafka_client::serde::{LongSerde, StringSerde};
use kafka_client::Headers;

use super::{OwnedSourceRecord, SinkRecord, StreamTask};
use crate::error::Error;
use crate::processor::{Processor, ProcessorContext, PunctuationId, PunctuationType, Record};
use crate::state::ReadOnlyKeyValueStore;
use crate::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, Topology};

const APP: &str = "app";

fn counting_topology() -> Arc<Topology> {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("words", Consumed::default())
        .group_by(|_k, w| w.clone(), Grouped::default())
        .count(Materialized::as_store("counts"))
        .to_stream()
        .to("out", Produced::with(StringSerde, LongSerde));
    Arc::new(builder.build().unwrap())
}

fn record(
    topic: &str,
    offset: i64,
    ts: i64,
    key: Option<&[u8]>,
    value: &[u8],
) -> OwnedSourceRecord {
    OwnedSourceRecord {
        topic: topic.into(),
        partition: 3,
        offset,
        timestamp: ts,
        key: key.map(<[u8]>::to_vec),
        value: Some(value.to_vec()),
        headers: Headers::new(),
    }
}

#[test]
fn tasks_are_send() {
    fn send<T: Send>() {}
    send::<StreamTask>();
}

#[test]
fn first_subtopology_writes_repartition_records_without_a_partition() {
    let topology = counting_topology();
    let mut task = StreamTask::new(topology, 0, 3, APP, 0).unwrap();
    task.process(record("words", 0, 10, None, b"hello").lend())
        .unwrap();
    assert_eq!(task.stream_time(), Some(10));
    assert_eq!(
        task.drain_output(),
        vec![SinkRecord {
            topic: "app-counts-repartition".into(),
            partition: None,
            key: Some(b"hello".to_vec()),
            value: Some(b"hello".to_vec()),
            timestamp: 10,
            headers: Headers::new(),
            record_id: None,
        }]
    );
    assert!(task.drain_output().is_empty());
    let err = task
        .process(record("other", 0, 0, None, b"x").lend())
        .unwrap_err();
    assert!(
        matches!(err, Error::UnknownTopic { subtopology: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn restored_state_is_continued_and_updates_wait_for_the_flush() {
    let topology = counting_topology();
    let mut task = StreamTask::new(topology, 1, 3, APP, 0).unwrap();
    assert_eq!((task.subtopology(), task.partition()), (1, 3));
    assert_eq!(
        task.store_for_changelog("app-counts-changelog"),
        Some("counts")
    );
    task.restore("counts", b"hello", Some(&5i64.to_be_bytes()))
        .unwrap();
    task.restore("counts", b"gone", Some(&1i64.to_be_bytes()))
        .unwrap();
    task.restore("counts", b"gone", None).unwrap();
    let err = task.restore("nope", b"k", None).unwrap_err();
    assert!(matches!(err, Error::UnknownStore { .. }), "{err:?}");
    // Restoring writes no changelog records.
    task.flush().unwrap();
    assert!(task.drain_output().is_empty());

    for (offset, ts) in [(7, 20), (8, 15)] {
        task.process(
            record(
                "app-counts-repartition",
                offset,
                ts,
                Some(b"hello"),
                b"hello",
            )
            .lend(),
        )
        .unwrap();
    }
    // The table update waits in the record cache, the changelog record in
    // the store, until the flush before a commit.
    assert!(task.drain_output().is_empty());
    let store = task.key_value_store::<String, i64>("counts").unwrap();
    assert_eq!(store.get(&"hello".to_string()).unwrap(), Some(7));

    task.flush().unwrap();
    let mut out = Vec::new();
    task.drain_into(&mut out);
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0].topic, "out");
    assert_eq!(out[0].partition, None);
    assert_eq!(out[0].key.as_deref(), Some(&b"hello"[..]));
    assert_eq!(out[0].value.as_deref(), Some(&7i64.to_be_bytes()[..]));
    assert_eq!(out[0].timestamp, 15, "the latest update's timestamp");
    assert_eq!(out[1].topic, "app-counts-changelog");
    assert_eq!(out[1].partition, Some(3));
    assert_eq!(out[1].value.as_deref(), Some(&7i64.to_be_bytes()[..]));
    assert_eq!(out[1].timestamp, 20, "stream time");
    task.flush().unwrap();
    assert!(task.drain_output().is_empty());

    let store = task.key_value_store::<String, i64>("counts").unwrap();
    assert_eq!(store.get(&"gone".to_string()).unwrap(), None);
    assert!(matches!(
        task.key_value_store::<i64, i64>("counts"),
        Err(Error::StoreTypeMismatch { .. })
    ));
}

#[test]
fn an_aggregation_feeding_a_repartition_topic_forwards_at_once() {
    // Table re-grouping: the first count's updates go through a repartition
    // topic to the second, so they are not cached (a record sent at a
    // commit could not carry the id that makes a re-sent copy known).
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("words", Consumed::default())
        .group_by(|_k, w| w.clone(), Grouped::default())
        .count(Materialized::as_store("counts"))
        .group_by(
            |word: &String, n: &i64| (n.to_string(), word.clone()),
            Grouped::with(StringSerde, StringSerde),
        )
        .count(Materialized::as_store("words-per-count"));
    let topology = Arc::new(builder.build().unwrap());
    let mut task = StreamTask::new(topology, 1, 0, APP, 0).unwrap();
    task.process(record("app-counts-repartition", 0, 5, Some(b"a"), b"a").lend())
        .unwrap();
    let out = task.drain_output();
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].topic.ends_with("-repartition"), "{out:?}");
}

/// Emits the stream time at every stream-time punctuation.
struct Clock;
impl Processor<String, String, String, i64> for Clock {
    fn init(&mut self, ctx: &mut ProcessorContext<'_, String, i64>) -> crate::Result<()> {
        ctx.schedule(Duration::from_millis(10), PunctuationType::StreamTime)?;
        Ok(())
    }
    fn process(
        &mut self,
        _: Record<String, String>,
        _: &mut ProcessorContext<'_, String, i64>,
    ) -> crate::Result<()> {
        Ok(())
    }
    fn punctuate(
        &mut self,
        _: PunctuationId,
        now: i64,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> crate::Result<()> {
        ctx.forward(Record::new(Some("tick".to_string()), Some(now), now));
        Ok(())
    }
}

#[test]
fn stream_time_punctuations_fire_inside_process() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .process(|| Clock, &[])
        .to("ticks", Produced::default());
    let mut task = StreamTask::new(Arc::new(builder.build().unwrap()), 0, 0, APP, 0).unwrap();
    let mut fired = Vec::new();
    // Stream time never goes back: the late record at 3 does not fire.
    for (offset, ts) in [0, 5, 10, 3, 25, 29, 30].into_iter().enumerate() {
        task.process(record("in", offset as i64, ts, None, b"x").lend())
            .unwrap();
        for r in task.drain_output() {
            let v = r.value.unwrap();
            fired.push(i64::from_be_bytes(v.try_into().unwrap()));
        }
    }
    assert_eq!(fired, vec![0, 10, 25, 30]);
    // Wall-clock punctuation of nothing scheduled is harmless.
    task.punctuate(1_000).unwrap();
    assert!(task.drain_output().is_empty());
}
