//! Word count end to end, input topic to output topic: the streams topology
//! against the hand-written floor, and against Quix Streams on a broker
//! that supports CreateTopics. Each run is a child process, so that each
//! reports its own peak memory.

pub(crate) mod child;
pub(crate) mod input;
pub(crate) mod outcome;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use examples::wordcount::{self, INPUT_TOPIC, OUTPUT_TOPIC};
use kafka_client::{Admin, NewTopic};

use self::input::{Expected, Lines};
use self::outcome::Outcome;
use crate::cluster::{partitions_for, BenchCluster};
use crate::raw::PolledProducer;
use crate::stats::Measured;
use crate::{Failure, Plan};

/// The systems a word count phase compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum System {
    Streams,
    Floor,
    Quix,
}

impl System {
    fn label(self, threads: usize) -> String {
        match self {
            System::Streams => format!("kafka-streams topology ({threads} stream threads)"),
            System::Floor => "hand-written rdkafka loop (floor)".to_string(),
            System::Quix => "Quix Streams 3.28.1 (Python)".to_string(),
        }
    }
}

/// Runs the systems on `lines` lines on `cluster`, interleaved over the
/// rounds; the first system listed is the baseline.
pub(crate) async fn run(
    cluster: &BenchCluster,
    plan: &Plan,
    lines: u64,
    systems: &[System],
) -> Result<Vec<Measured>, Failure> {
    let expected = tokio::task::spawn_blocking(move || Expected::of(lines)).await?;
    let partitions = prepare_input(cluster, &expected).await?;
    let benchmark = format!(
        "word count on {} ({} lines, {} words, {} partitions)",
        if cluster.is_embedded() {
            "embedded"
        } else {
            "external broker"
        },
        expected.lines,
        expected.words,
        partitions
    );
    let mut rows: Vec<Measured> = systems
        .iter()
        .enumerate()
        .map(|(i, s)| Measured::new(&benchmark, &s.label(plan.threads), "lines/s", i == 0))
        .collect();
    for round in 0..plan.wordcount_rounds {
        for k in 0..systems.len() {
            // Rotate who goes first each round.
            let i = (k + round) % systems.len();
            let system = systems[i];
            let group = cluster.name(&format!("bench-wc-{}-r{round}", i));
            let outcome = match system {
                System::Streams => {
                    if cluster.is_embedded() {
                        create_internal_topics(cluster, &group, partitions).await?;
                    }
                    run_child("streams", cluster, &group, &expected, plan.threads).await?
                }
                System::Floor => {
                    run_child("floor", cluster, &group, &expected, plan.threads).await?
                }
                System::Quix => run_quix(cluster, &group, &expected).await?,
            };
            if system != System::Quix
                && (outcome.words != expected.words || outcome.distinct != expected.distinct)
            {
                return Err(format!(
                    "{system:?} counted {} words / {} distinct, expected {} / {}",
                    outcome.words, outcome.distinct, expected.words, expected.distinct
                )
                .into());
            }
            eprintln!(
                "  word count round {round}: {:<45} {:>9.0} lines/s  ({:.2} s processing, {:.2} s wall, peak {} MiB)",
                system.label(plan.threads),
                expected.lines as f64 / outcome.secs,
                outcome.secs,
                outcome.wall,
                outcome.peak_kib / 1024
            );
            rows[i]
                .rates
                .push(expected.lines as f64 / outcome.secs.max(1e-9));
            rows[i].peak_kib.push(outcome.peak_kib);
        }
    }
    Ok(rows)
}

/// Creates the input and output topics and produces the lines, unless the
/// input topic already holds exactly these lines (a rerun on the same
/// broker). Returns the input's partition count.
async fn prepare_input(cluster: &BenchCluster, expected: &Expected) -> Result<i32, Failure> {
    let admin = Admin::new(&cluster.client_config())?;
    if admin.topic_exists(INPUT_TOPIC).await? {
        let readable = cluster.readable_records(INPUT_TOPIC)?;
        let partitions = admin.partition_count(INPUT_TOPIC).await?;
        if readable == expected.lines as i64 {
            eprintln!("  reusing {INPUT_TOPIC}: it already holds {readable} lines");
            return Ok(partitions);
        }
        if readable != 0 {
            return Err(format!(
                "{INPUT_TOPIC} already holds {readable} records, not the benchmark's {} lines: \
                 delete the topic or use a fresh broker (scripts/real-broker.sh restart)",
                expected.lines
            )
            .into());
        }
    }
    // Room for the input and, on the embedded cluster, for the repartition
    // topic's words when the second sub-topology falls behind the first.
    let partitions = partitions_for(4 * (expected.bytes + expected.lines * 40)).max(16);
    for topic in [INPUT_TOPIC, OUTPUT_TOPIC] {
        // Quix Streams reads `retention.ms` of its input topic through
        // DescribeConfigs to size its internal topics; tansu only returns
        // settings given at creation, so give them (infinite, Kafka's
        // meaning of -1, harmless elsewhere).
        let topic = NewTopic::new(topic, partitions)
            .config("retention.ms", "-1")
            .config("retention.bytes", "-1");
        admin.create_topic_if_missing(&topic).await?;
    }
    let mut config = cluster.rd_config();
    config.set("linger.ms", "20");
    let lines = expected.lines;
    tokio::task::spawn_blocking(move || -> Result<(), Failure> {
        let producer = PolledProducer::new(&config)?;
        // Round-robin, so that every partition holds its share (the
        // embedded cluster keeps only 5 MiB per partition).
        for (i, line) in Lines::new(lines).enumerate() {
            let partition = (i % partitions as usize) as i32;
            producer.send(INPUT_TOPIC, Some(partition), None, line.as_bytes())?;
        }
        producer.flush()
    })
    .await??;
    let readable = cluster.readable_records(INPUT_TOPIC)?;
    if readable != expected.lines as i64 {
        return Err(format!(
            "{INPUT_TOPIC}: {readable} of {} lines readable after producing them",
            expected.lines
        )
        .into());
    }
    Ok(partitions)
}

/// The embedded cluster's topics can only be created through its handle,
/// which lives in this process: create the application's internal topics
/// here, before its child process starts (it then finds them existing).
async fn create_internal_topics(
    cluster: &BenchCluster,
    application_id: &str,
    partitions: i32,
) -> Result<(), Failure> {
    let topology = wordcount::topology()?;
    let mut names: Vec<String> = topology
        .repartition_topics()
        .iter()
        .map(|name| format!("{application_id}-{name}-repartition"))
        .collect();
    names.extend(topology.changelog_topics(application_id));
    for name in names {
        cluster.create_topic(&name, partitions).await?;
    }
    Ok(())
}

async fn run_child(
    kind: &str,
    cluster: &BenchCluster,
    group: &str,
    expected: &Expected,
    threads: usize,
) -> Result<Outcome, Failure> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args([
        "__child",
        kind,
        "--bootstrap",
        cluster.bootstrap(),
        "--group",
        group,
        "--lines",
        &expected.lines.to_string(),
        "--words",
        &expected.words.to_string(),
        "--distinct",
        &expected.distinct.to_string(),
        "--threads",
        &threads.to_string(),
    ]);
    run_command(command, kind).await
}

/// The Quix side, through scripts/bench-quix.sh (which makes its venv).
async fn run_quix(
    cluster: &BenchCluster,
    group: &str,
    expected: &Expected,
) -> Result<Outcome, Failure> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let state_dir = std::env::temp_dir().join(format!("bench-quix-state-{group}"));
    let mut command = Command::new(root.join("scripts/bench-quix.sh"));
    command.args([
        "wordcount",
        "--bootstrap",
        cluster.bootstrap(),
        "--input",
        INPUT_TOPIC,
        "--output",
        &cluster.name("quix-wordcount-output"),
        "--group",
        group,
        "--words",
        &expected.words.to_string(),
        "--state-dir",
        &state_dir.to_string_lossy(),
    ]);
    let outcome = run_command(command, "quix").await;
    let _ = std::fs::remove_dir_all(&state_dir);
    outcome
}

async fn run_command(mut command: Command, what: &str) -> Result<Outcome, Failure> {
    command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let what = what.to_string();
    tokio::task::spawn_blocking(move || -> Result<Outcome, Failure> {
        let output = command.output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!("{what} run failed ({}): {stdout}", output.status).into());
        }
        Outcome::parse(&stdout)
    })
    .await?
}
