//! A busy stream thread shares its async runtime: while it works through a
//! backlog, the application's other tasks (here, a task that samples the
//! progress on a timer) still get their turns.
//!
//! A stream thread is a task on the application's runtime. When records are
//! ready, every await in its loop completes at once, so without yielding it
//! would keep its worker until the backlog ran dry, and on a runtime with
//! one worker nothing else (timers, I/O, the application's own tasks) would
//! run in the meantime.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use integration_tests::support::{init_tracing, produce_lines, streams_config};
use integration_tests::{unique_name, TestBroker};
use kafka_client::serde::StringSerde;
use kafka_streams::runtime::KafkaStreams;
use kafka_streams::{Consumed, Produced, StreamsBuilder};

const TIMEOUT: Duration = Duration::from_secs(120);
/// Records waiting before the application starts.
const BACKLOG: usize = 60_000;

/// One worker thread: the stream thread and the sampling task share it.
#[tokio::test(flavor = "current_thread")]
async fn a_stream_thread_working_through_a_backlog_lets_other_tasks_run() {
    init_tracing();
    let broker = TestBroker::start(1).unwrap();
    let input = broker.fresh_topic("fairness-input", 1).await.unwrap();
    let output = broker.fresh_topic("fairness-output", 1).await.unwrap();
    let lines: Vec<String> = (0..BACKLOG).map(|i| format!("line {i}")).collect();
    produce_lines(&broker, &input, &lines).await.unwrap();

    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(&input, Consumed::with(StringSerde, StringSerde))
        .map_values(|line| line.to_uppercase())
        .to(&output, Produced::with(StringSerde, StringSerde));
    let config = streams_config(&broker, &unique_name("fairness"));
    let mut streams = KafkaStreams::new(builder.build().unwrap(), config).unwrap();
    streams.start().await.unwrap();

    // Every 2 ms, note how far the application is. Each note is a turn this
    // task got while the stream thread had work.
    let started = Instant::now();
    let mut seen = BTreeSet::new();
    loop {
        let processed = streams.metrics().records_processed;
        seen.insert(processed);
        if processed >= BACKLOG as u64 {
            break;
        }
        assert!(
            started.elapsed() < TIMEOUT,
            "{processed} of {BACKLOG} records processed in {TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let between: Vec<u64> = seen
        .iter()
        .copied()
        .filter(|&n| n > 0 && n < BACKLOG as u64)
        .collect();
    // The stream thread yields every 256 records it finds ready: the
    // sampler gets a turn at least that often, so it sees the count move
    // through many values on the way. A thread that kept the worker would
    // be seen only where its backlog ran dry (between fetches).
    assert!(
        between.len() >= 20,
        "the sampling task saw only {} values between 0 and {BACKLOG}: {between:?}",
        between.len()
    );
    streams.close().await.unwrap();
}
