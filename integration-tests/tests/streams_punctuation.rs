//! Store writes made by wall-clock punctuations survive a restart even
//! when the task processed no input in the run that made them: its commits
//! carry its changelog marks with the offsets it started from, so the next
//! restore applies those writes instead of taking them for uncommitted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::time::Duration;

use integration_tests::support::{
    init_tracing, produce_lines, start_streams, streams_config, wait_until,
};
use integration_tests::{unique_name, Feature, TestBroker};
use kafka_streams::processor::{
    Processor, ProcessorContext, PunctuationId, PunctuationType, Record,
};
use kafka_streams::runtime::{KafkaStreams, StreamsConfig};
use kafka_streams::serde::StringSerde;
use kafka_streams::state::{KeyValueStore, ReadOnlyKeyValueStore, StoreBuilder};
use kafka_streams::{Consumed, StreamsBuilder, Topology};

const TIMEOUT: Duration = Duration::from_secs(60);
const PARTITIONS: i32 = 2;
const STORE: &str = "ticks";

/// Counts its task's wall-clock punctuations in the store, under the key
/// `ticks-<partition>`; input records only start the count at 0.
struct Ticker;

impl Ticker {
    fn add(ctx: &mut ProcessorContext<'_, String, String>, n: i64) -> kafka_streams::Result<()> {
        let key = format!("ticks-{}", ctx.partition());
        let mut store = ctx.key_value_store::<String, i64>(STORE)?;
        let ticks = store.get(&key)?.unwrap_or(0) + n;
        store.put(&key, &ticks)
    }
}

impl Processor<String, String, String, String> for Ticker {
    fn init(
        &mut self,
        ctx: &mut ProcessorContext<'_, String, String>,
    ) -> kafka_streams::Result<()> {
        ctx.schedule(Duration::from_millis(50), PunctuationType::WallClockTime)?;
        Ok(())
    }

    fn process(
        &mut self,
        _record: Record<String, String>,
        ctx: &mut ProcessorContext<'_, String, String>,
    ) -> kafka_streams::Result<()> {
        Ticker::add(ctx, 0)
    }

    fn punctuate(
        &mut self,
        _id: PunctuationId,
        _now: i64,
        ctx: &mut ProcessorContext<'_, String, String>,
    ) -> kafka_streams::Result<()> {
        Ticker::add(ctx, 1)
    }
}

fn ticker_topology(input: &str) -> Topology {
    let builder = StreamsBuilder::new();
    builder.add_state_store(StoreBuilder::<String, i64>::key_value(STORE));
    builder
        .stream::<String, String>(input, Consumed::with(StringSerde, StringSerde))
        .process(|| Ticker, &[STORE]);
    builder.build().unwrap()
}

fn ticks(streams: &KafkaStreams) -> BTreeMap<String, i64> {
    streams
        .store::<String, i64>(STORE)
        .unwrap()
        .all()
        .unwrap()
        .into_iter()
        .collect()
}

async fn start(input: &str, config: StreamsConfig) -> KafkaStreams {
    start_streams(ticker_topology(input), config, TIMEOUT)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn punctuation_writes_of_an_idle_task_survive_a_restart() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let scenario = "punctuation_writes_of_an_idle_task_survive_a_restart";
    if !broker.supports(Feature::ReliableGroupRestart, scenario)
        || !broker.supports(Feature::CorrectEndOffsets, scenario)
    {
        return;
    }
    let input = broker.fresh_topic("ticks-input", PARTITIONS).await.unwrap();
    let application_id = unique_name("ticker");
    let config = || streams_config(&broker, &application_id);

    // First run: input on every partition, so that every task commits.
    let lines: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
    let mut run1 = start(&input, config()).await;
    produce_lines(&broker, &input, &lines).await.unwrap();
    run1.wait_until_caught_up(TIMEOUT).await.unwrap();
    run1.close().await.unwrap();

    // Second run: no input at all, only punctuations writing the store.
    let mut run2 = start(&input, config()).await;
    let before = ticks(&run2);
    assert_eq!(before.len(), PARTITIONS as usize, "{before:?}");
    wait_until(
        "ten more punctuations in every task",
        &[&run2],
        TIMEOUT,
        || {
            let now = ticks(&run2);
            before
                .iter()
                .all(|(key, n)| now.get(key).is_some_and(|m| *m >= n + 10))
        },
    )
    .await
    .unwrap();
    assert_eq!(run2.metrics().records_processed, 0);
    // Read before the close; the punctuations may add more until then.
    let written = ticks(&run2);
    run2.close().await.unwrap();

    // Third run: the store is restored with the second run's writes.
    let mut run3 = start(&input, config()).await;
    let restored = ticks(&run3);
    for (key, n) in &written {
        assert!(
            restored.get(key).is_some_and(|m| m >= n),
            "{key}: {n} ticks before the restart, {:?} after (restored {restored:?})",
            restored.get(key)
        );
    }
    run3.close().await.unwrap();
}
