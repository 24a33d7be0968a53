//! Taking one consumed record through its task: the synchronous part of a
//! stream thread's processing. It runs while librdkafka lends the record
//! ([`Consumer::try_recv_with`](kafka_client::Consumer::try_recv_with)), so
//! the source deserializes the key and value from librdkafka's buffer, and
//! nothing of the record is copied first.

use kafka_client::consumer::BorrowedRecord;
use kafka_client::Headers;

use super::app::AppContext;
use super::metrics::MetricsRecorder;
use super::origin::{Origin, ORIGIN_HEADER};
use super::source_partition::SourcePartition;
use super::task_id::TaskId;
use super::thread_env::ThreadEnv;
use crate::error::Result;
use crate::task::{SinkRecord, SourceRecord};

/// What became of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intake {
    /// Its task processed it (or skipped it as a duplicate).
    Processed,
    /// No task of this thread takes it (logged).
    Skipped,
}

/// Runs `record` through the task of its partition. What the task produced
/// is appended to `output`, records for repartition topics with their ids.
/// `last` is what the topology says of the previous record's partition,
/// kept across calls. A record that cannot be deserialized is
/// `Err(Error::Deserialization)`; the caller applies the handler.
pub(crate) fn take_record(
    env: &ThreadEnv,
    last: &mut SourcePartition,
    output: &mut Vec<SinkRecord>,
    record: BorrowedRecord<'_>,
) -> Result<Intake> {
    let app = &env.app;
    let (topic, partition) = (record.topic(), record.partition());
    // Records come in runs from one partition: what the topology says of
    // its topic is looked up once per run.
    // The names are shared: the same topic's compare by pointer first.
    if last.partition.partition() != partition || last.partition.topic_name() != topic {
        *last = SourcePartition::of(app, topic, partition);
    }
    let Some(subtopology) = last.subtopology else {
        tracing::warn!(%topic, "record from a topic no sub-topology reads; skipped");
        return Ok(Intake::Skipped);
    };
    let id = TaskId {
        subtopology,
        partition,
    };
    let offset = record.offset();
    // The id is the runtime's own: processors never see it, and it does
    // not travel on to output topics with the record.
    let (origin, headers) = split_headers(&record, last.from_repartition);
    let source = SourceRecord {
        topic,
        partition,
        offset,
        timestamp: record.timestamp().unwrap_or(-1),
        key: record.key(),
        value: record.value(),
        headers,
    };
    let mut set = env.thread.lock_tasks();
    let Some(owned) = set.active.get_mut(&id) else {
        tracing::warn!(task = %id, "record for a task this thread does not own; skipped");
        return Ok(Intake::Skipped);
    };
    let duplicate = origin.is_some_and(|o| owned.seen_before(&o));
    let first_output = output.len();
    let result = if duplicate {
        MetricsRecorder::add(&env.thread.counters.duplicates_skipped, 1);
        Ok(())
    } else {
        let dropped_before = owned.task.dropped_records();
        let result = owned.task.process(source);
        owned.task.drain_into(output);
        let dropped = owned.task.dropped_records() - dropped_before;
        MetricsRecorder::add(&env.thread.counters.records_dropped, dropped);
        result
    };
    if app.config.repartition_record_ids_ref() {
        set_record_ids(app, last, offset, &mut output[first_output..]);
    }
    let tp = &last.partition;
    match set.processed_by_topic.get_mut(tp.topic()) {
        Some(n) => *n += 1,
        None => {
            set.processed_by_topic.insert(tp.topic().to_string(), 1);
        }
    }
    match set.offsets.get_mut(tp) {
        Some(next) => *next = offset + 1,
        None => {
            set.offsets.insert(tp.clone(), offset + 1);
        }
    }
    result.map(|()| Intake::Processed)
}

/// Gives each of `outputs` (what one input record at `offset` of the
/// partition `last` produced) that goes to a repartition topic its id:
/// the same input yields the same ids.
fn set_record_ids(
    app: &AppContext,
    last: &SourcePartition,
    offset: i64,
    outputs: &mut [SinkRecord],
) {
    let mut origin = Origin {
        topic: last.topic_index,
        partition: last.partition.partition(),
        offset,
        index: 0,
    };
    // A record's outputs mostly go to one topic: the look-up is made once
    // per run of outputs to the same (shared) name.
    let mut last_topic: Option<(kafka_client::TopicName, bool)> = None;
    for sink in outputs {
        let to_repartition = match &last_topic {
            Some((topic, known)) if *topic == sink.topic => *known,
            _ => {
                let known = app.repartition_topics.contains(sink.topic.as_str());
                last_topic = Some((sink.topic.clone(), known));
                known
            }
        };
        if to_repartition {
            sink.record_id = Some(origin.encode());
            origin.index += 1;
        }
    }
}

/// The record's headers for the processors and, for a record from a
/// repartition topic, its id, taken out of them (the last `ks.o` header,
/// as `Headers::last` reads it). One pass; nothing is allocated when no
/// header is left.
fn split_headers(record: &BorrowedRecord<'_>, from_repartition: bool) -> (Option<Origin>, Headers) {
    let mut origin = None;
    let mut headers = Headers::new();
    for (key, value) in record.headers() {
        match value {
            _ if from_repartition && key == ORIGIN_HEADER => {
                origin = value.and_then(Origin::decode)
            }
            Some(value) => headers.insert(key, value),
            None => headers.insert_null(key),
        }
    }
    (origin, headers)
}
