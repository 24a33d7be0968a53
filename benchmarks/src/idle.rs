//! What a client costs while it has nothing to do: the benchmark process's
//! CPU time over a quiet window, as a share of one core, with only that
//! client (and the embedded cluster, when it is the broker) alive.
//!
//! rdkafka's `poll` hands librdkafka the time left in whole milliseconds,
//! rounded down, and polls again with a zero timeout until its deadline has
//! passed: a thread that polls in a loop spins through the last millisecond
//! of every poll. rdkafka's own `ThreadedProducer` polls every 100 ms (1 %
//! of a core); the typed producer used to poll every 10 ms (9.4 %), and a
//! stream application, with a producer per stream thread, took 19 % of a
//! core doing nothing.

use std::time::{Duration, Instant};

use kafka_client::Producer;
use kafka_streams::runtime::{KafkaStreams, StreamsConfig, StreamsState};
use kafka_streams::serde::StringSerde;
use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder, Topology};
use rdkafka::producer::{DefaultProducerContext, ThreadedProducer};

use crate::cluster::BenchCluster;
use crate::cpu::process_cpu;
use crate::stats::{turns, Measured};
use crate::{Failure, Plan};

/// The unit of every row.
const UNIT: &str = "% of a core";
/// Time for a new client to connect and settle before the window opens.
const SETTLE: Duration = Duration::from_secs(1);
/// Partitions of the stream application's topics.
const PARTITIONS: i32 = 4;

/// One system measured idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idler {
    Nothing,
    ThreadedProducer,
    Producer,
    Streams,
}

impl Idler {
    fn label(self, cluster: &BenchCluster) -> &'static str {
        match self {
            Idler::Nothing if cluster.is_embedded() => "embedded cluster alone",
            Idler::Nothing => "no client",
            Idler::ThreadedProducer => "rdkafka ThreadedProducer",
            Idler::Producer => "kafka-client Producer",
            Idler::Streams => "kafka-streams application (2 stream threads)",
        }
    }
}

/// Every system once per round, in a rotating order; each alive only for
/// its own window.
pub(crate) async fn run(cluster: &BenchCluster, plan: &Plan) -> Result<Vec<Measured>, Failure> {
    let window = plan.idle_window;
    let benchmark = format!("idle CPU ({} s windows)", window.as_secs());
    let idlers = [
        Idler::ThreadedProducer,
        Idler::Nothing,
        Idler::Producer,
        Idler::Streams,
    ];
    let mut rows: Vec<Measured> = idlers
        .iter()
        .map(|&i| {
            Measured::new(
                &benchmark,
                i.label(cluster),
                UNIT,
                i == Idler::ThreadedProducer,
            )
        })
        .collect();
    for round in 0..plan.idle_rounds {
        for at in turns(idlers.len(), round) {
            let share = measure(idlers[at], cluster, window, round).await?;
            eprintln!(
                "  idle round {round}: {:<45} {share:>6.2} {UNIT}",
                idlers[at].label(cluster)
            );
            rows[at].push_value(share);
        }
    }
    Ok(rows)
}

/// Starts `idler`, lets it settle, and returns the process's CPU over
/// `window` as a percentage of one core.
async fn measure(
    idler: Idler,
    cluster: &BenchCluster,
    window: Duration,
    round: usize,
) -> Result<f64, Failure> {
    match idler {
        Idler::Nothing => quiet_share(window).await,
        Idler::ThreadedProducer => {
            let producer: ThreadedProducer<DefaultProducerContext> =
                cluster.rd_config().create()?;
            let share = quiet_share(window).await;
            drop(producer);
            share
        }
        Idler::Producer => {
            let producer: Producer<String, String> = Producer::new(&cluster.client_config())?;
            let share = quiet_share(window).await;
            producer.close().await?;
            share
        }
        Idler::Streams => {
            let application_id = cluster.name(&format!("bench-idle-{round}"));
            let input = format!("{application_id}-input");
            let output = format!("{application_id}-output");
            let topology = counting_topology(&input, &output)?;
            let mut topics = vec![input, output];
            topics.extend(topology.changelog_topics(&application_id));
            for topic in &topics {
                cluster.create_topic(topic, PARTITIONS).await?;
            }
            let config = StreamsConfig::new(&application_id)
                .bootstrap_servers(cluster.bootstrap())
                .num_stream_threads(2);
            let mut streams = KafkaStreams::new(topology, config)?;
            streams.start().await?;
            streams
                .wait_for_state(StreamsState::Running, Duration::from_secs(60))
                .await?;
            let share = quiet_share(window).await;
            streams.close().await?;
            share
        }
    }
}

/// A stream application with a store, a changelog and an output, and no
/// input: it can only wait.
fn counting_topology(input: &str, output: &str) -> Result<Topology, Failure> {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(input, Consumed::with(StringSerde, StringSerde))
        .group_by_key(Default::default())
        .count(Materialized::as_store("idle-counts"))
        .to_stream()
        .to(output, Produced::default());
    Ok(builder.build()?)
}

/// Waits [`SETTLE`], then returns the CPU the process used over `window`
/// as a percentage of one core.
async fn quiet_share(window: Duration) -> Result<f64, Failure> {
    tokio::time::sleep(SETTLE).await;
    let before = process_cpu()?;
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let used = process_cpu()?.saturating_sub(before);
    Ok(used.as_secs_f64() / started.elapsed().as_secs_f64() * 100.0)
}
