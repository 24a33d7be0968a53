//! Word count end to end, input topic to output topic: the streams topology
//! against the hand-written floor (with and without the repartition hop
//! that Kafka Streams' `groupBy` requires), and against Quix Streams on a
//! broker that supports CreateTopics. Each run is a child process, so that
//! each reports its own peak memory.

pub(crate) mod child;
pub(crate) mod contender;
pub(crate) mod hop_floor;
pub(crate) mod input;
pub(crate) mod outcome;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use examples::wordcount::{self, INPUT_TOPIC, OUTPUT_TOPIC, STORE};
use kafka_client::{Admin, NewTopic};

use self::contender::{jemalloc_library, preload_with, Contender, EXPECT_JEMALLOC};
use self::input::{Expected, Lines};
use self::outcome::Outcome;
use crate::cluster::{partitions_for, BenchCluster};
use crate::raw::PolledProducer;
use crate::stats::{turns, Measured};
use crate::{Failure, Plan};

/// The systems a word count phase compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum System {
    /// The `examples` word count topology on the streams runtime.
    Streams,
    /// The same with the runtime's repartition record ids turned off
    /// (`repartition.record.ids = false`: Kafka Streams' at-least-once).
    StreamsWithoutIds,
    /// A hand-written rdkafka loop, no repartition topic.
    Floor,
    /// The floor with a repartition hop, as Kafka Streams' `groupBy` has.
    HopFloor,
    /// The hop floor with the runtime's record ids: an 18-byte `ks.o`
    /// header on every repartition record, read back and checked against
    /// the largest id applied per repartition partition and input partition.
    HopFloorWithIds,
    /// Quix Streams (Python), through its own script.
    Quix,
}

impl System {
    /// The name `--systems` knows this system by.
    pub(crate) fn name(self) -> &'static str {
        match self {
            System::Floor => "floor",
            System::Streams => "streams",
            System::HopFloor => "hop-floor",
            System::HopFloorWithIds => "hop-floor-with-ids",
            System::StreamsWithoutIds => "streams-without-ids",
            System::Quix => "quix",
        }
    }

    /// The `__child` kind that runs this system; `None` for Quix, which
    /// runs through its own script.
    fn child_kind(self) -> Option<&'static str> {
        match self {
            System::Quix => None,
            other => Some(other.name()),
        }
    }

    fn label(self, threads: usize) -> String {
        let plural = if threads == 1 { "" } else { "s" };
        match self {
            System::Streams => format!("kafka-streams topology ({threads} stream thread{plural})"),
            System::StreamsWithoutIds => {
                format!("kafka-streams topology, record ids off ({threads} stream thread{plural})")
            }
            System::Floor => "hand-written rdkafka loop (floor)".to_string(),
            System::HopFloor => "hand-written rdkafka loop with repartition hop".to_string(),
            System::HopFloorWithIds => {
                "hand-written rdkafka loop with repartition hop and record ids".to_string()
            }
            System::Quix => "Quix Streams 3.28.1 (Python)".to_string(),
        }
    }
}

/// Runs the contenders on `lines` lines on `cluster`, interleaved over the
/// rounds; the first one listed is the baseline. Contenders that need
/// jemalloc are left out, with a note, when it is not installed.
pub(crate) async fn run(
    cluster: &BenchCluster,
    plan: &Plan,
    lines: u64,
    contenders: &[Contender],
) -> Result<Vec<Measured>, Failure> {
    let jemalloc = jemalloc_library();
    let systems: Vec<Contender> = contenders
        .iter()
        .copied()
        .filter(|c| !c.jemalloc || jemalloc.is_some())
        .collect();
    if systems.len() < contenders.len() {
        let note = "The +jemalloc rows were skipped: no libjemalloc.so.2 found \
                    (`apt-get install libjemalloc2`, or set BENCH_JEMALLOC to its path)."
            .to_string();
        let mut notes = NOTES.lock().unwrap_or_else(|p| p.into_inner());
        if !notes.contains(&note) {
            eprintln!("benchmarks: {note}");
            notes.push(note);
        }
    }
    let expected = tokio::task::spawn_blocking(move || Expected::of(lines)).await?;
    // On the embedded cluster each run gets a fresh cluster and its input is
    // fed while it runs (see `fed_run`); elsewhere the input is produced once.
    let partitions = if cluster.is_embedded() {
        EMBEDDED_PARTITIONS
    } else {
        prepare_input(cluster, &expected).await?
    };
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
        for i in turns(systems.len(), round) {
            let contender = systems[i];
            let system = contender.system;
            let preload = jemalloc.as_deref().filter(|_| contender.jemalloc);
            let group = cluster.name(&format!("bench-wc-{}-r{round}", i));
            let outcome = match system.child_kind() {
                _ if cluster.is_embedded() => {
                    fed_run(system, preload, &group, &expected, plan.threads).await?
                }
                Some(kind) => {
                    let mut command =
                        child_command(kind, cluster, &group, &expected, plan.threads)?;
                    if let Some(library) = preload {
                        command.env("LD_PRELOAD", preload_with(library));
                        command.env(EXPECT_JEMALLOC, "1");
                    }
                    run_child(command).await?
                }
                None => run_quix(cluster, &group, &expected).await?,
            };
            if system != System::Quix
                && (outcome.words != expected.words || outcome.distinct != expected.distinct)
            {
                // Wrong counts are never reported as a result: the round is
                // left out and the run says so.
                let note = format!(
                    "{benchmark}, round {round}: {} counted {} words / {} distinct, expected {} / {}; \
                     round left out of the table",
                    contender.label(plan.threads),
                    outcome.words,
                    outcome.distinct,
                    expected.words,
                    expected.distinct
                );
                eprintln!("  {note}");
                NOTES.lock().unwrap_or_else(|p| p.into_inner()).push(note);
                continue;
            }
            eprintln!(
                "  word count round {round}: {:<64} {:>9.0} lines/s  ({:.2} s processing, {:.2} s wall, peak {} MiB)",
                contender.label(plan.threads),
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

/// What the word count runs had to say besides their numbers.
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Takes the notes gathered so far (rounds left out, and why).
pub(crate) fn take_notes() -> Vec<String> {
    std::mem::take(&mut *NOTES.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Inputs this process prepared: (bootstrap servers, lines).
static PREPARED: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

/// Creates the input and output topics and produces the lines, unless this
/// run already prepared exactly these lines on this broker. A demo input
/// topic that this run did not create is left alone: the run stops and
/// says so.
async fn prepare_input(cluster: &BenchCluster, expected: &Expected) -> Result<i32, Failure> {
    let admin = Admin::new(&cluster.client_config())?;
    if admin.topic_exists(INPUT_TOPIC).await? {
        let ours: Option<u64> = PREPARED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(bootstrap, _)| bootstrap == cluster.bootstrap())
            .map(|(_, lines)| *lines);
        match ours {
            Some(lines) if lines == expected.lines => {
                eprintln!("  reusing {INPUT_TOPIC}: this run produced its {lines} lines");
                return Ok(admin.partition_count(INPUT_TOPIC).await?);
            }
            Some(_) => {
                admin.delete_topics(&[INPUT_TOPIC, OUTPUT_TOPIC]).await?;
                // Let the deletion settle before the names are used again.
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
            None => {
                return Err(format!(
                    "{INPUT_TOPIC} already exists on {}: the benchmark produces its own input \
                     there; delete the topic or use a fresh broker (scripts/real-broker.sh restart)",
                    cluster.bootstrap()
                )
                .into())
            }
        }
    }
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
    PREPARED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((cluster.bootstrap().to_string(), expected.lines));
    // The embedded cluster may drop old records (5 MiB per partition);
    // check that none were. (Not on other brokers: tansu's ListOffsets
    // answers wrong end offsets, see docs/brokers.md.)
    let readable = if cluster.is_embedded() {
        cluster.readable_records(INPUT_TOPIC)?
    } else {
        expected.lines as i64
    };
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

fn child_command(
    kind: &str,
    cluster: &BenchCluster,
    group: &str,
    expected: &Expected,
    threads: usize,
) -> Result<Command, Failure> {
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
    Ok(command)
}

async fn run_child(command: Command) -> Result<Outcome, Failure> {
    run_command(command, "word count").await
}

/// One run on a fresh embedded cluster. The embedded cluster keeps only
/// 5 MiB per partition, so a 1M-line input cannot sit there in advance,
/// and a repartition topic whose readers fall far behind loses records.
/// So this process feeds the input while the child runs, keeping at most
/// `MAX_BACKLOG_WORDS` words between what it produced and what the child
/// has counted. The floor and the hop floor write one output record per
/// word: the output topic's end offsets (which the embedded cluster reports
/// exactly) say how far they are. The streams topology writes each word to
/// its repartition topic and, through its record cache, far fewer output
/// records: what its group committed on the repartition topic says how
/// many words it counted, as of its last commit (every second). That view
/// lags by up to a commit interval of work, so the topology's backlog gets
/// that much more room (`Progress::hidden`); without it, the feeder paused
/// whenever the last commit looked far behind, and the stream threads then
/// sat idle (a third of the machine idle, 24 k against 32 k lines/s).
async fn fed_run(
    system: System,
    preload: Option<&std::path::Path>,
    group: &str,
    expected: &Expected,
    threads: usize,
) -> Result<Outcome, Failure> {
    let cluster = BenchCluster::embedded()?;
    for topic in [INPUT_TOPIC, OUTPUT_TOPIC] {
        cluster.create_topic(topic, EMBEDDED_PARTITIONS).await?;
    }
    let Some(kind) = system.child_kind() else {
        return Err(
            "Quix Streams needs a broker with CreateTopics, not the embedded cluster".into(),
        );
    };
    match system {
        System::Streams | System::StreamsWithoutIds => {
            create_internal_topics(&cluster, group, EMBEDDED_PARTITIONS).await?
        }
        System::HopFloor | System::HopFloorWithIds => {
            let topic = hop_floor::repartition_topic(group);
            cluster.create_topic(&topic, EMBEDDED_PARTITIONS).await?;
        }
        System::Floor | System::Quix => {}
    }
    let mut command = child_command(kind, &cluster, group, expected, threads)?;
    if let Some(library) = preload {
        command.env("LD_PRELOAD", preload_with(library));
        command.env(EXPECT_JEMALLOC, "1");
    }
    command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let child = command.spawn()?;
    let config = cluster.rd_config();
    let lines = expected.lines;
    let bootstrap = cluster.bootstrap().to_string();
    let progress = match system {
        System::Streams | System::StreamsWithoutIds => Progress::Committed {
            group: group.to_string(),
            topic: format!("{group}-{STORE}-repartition"),
        },
        // One output record per word.
        System::Floor | System::HopFloor | System::HopFloorWithIds | System::Quix => {
            Progress::Output
        }
    };
    // The feeder stops waiting for progress once the child has exited
    // (a failed child makes none).
    let child_exited = Arc::new(AtomicBool::new(false));
    let exited = child_exited.clone();
    let feeder =
        tokio::task::spawn_blocking(move || feed(&config, &bootstrap, lines, &progress, &exited));
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await;
    child_exited.store(true, Ordering::Release);
    let fed = feeder.await?;
    let output = output??;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("{kind} run failed ({}): {stdout}", output.status).into());
    }
    fed?;
    let outcome = Outcome::parse(&stdout)?;
    drop(cluster);
    Ok(outcome)
}

/// Partitions of every topic on the embedded cluster.
const EMBEDDED_PARTITIONS: i32 = 16;
/// How far the input may run ahead of the output, in words.
const MAX_BACKLOG_WORDS: i64 = 400_000;
/// Words a child may have counted without its last commit showing them:
/// a commit interval (1 s) of work, with room to spare. With the backlog,
/// at most 800,000 words wait: about 2.5 MiB of repartition records per
/// partition, half the embedded cluster's 5 MiB.
const COMMIT_LAG_WORDS: i64 = 400_000;

/// How many records one repartition partition may hold beyond what its
/// reader committed, before the feeder waits. The backlog over all
/// partitions (above) assumes they move together; when one stream thread
/// falls behind (a noisy minute on this machine), its partitions fill while
/// the other thread keeps the total low, and one of them passed the
/// embedded cluster's 5 MiB (about 110,000 repartition records) and lost
/// records. Committed offsets lag a commit interval (about 30,000 records
/// on the busiest partition) and the words are skewed, so the guard sits
/// well above an even share of the total budget (50,000), to bite only
/// when the partitions drift apart: in a 1M-line run it caused 5 of the
/// feeder's 610 waits, and the fullest partition showed 96,000.
const MAX_PARTITION_BACKLOG: i64 = 90_000;

/// How the feeder sees how many words a child has counted.
#[derive(Debug)]
enum Progress {
    /// The output topic's end offsets: one record per word.
    Output,
    /// The offsets `group` committed on `topic`: one record per word.
    Committed { group: String, topic: String },
}

impl Progress {
    /// Words counted that this view cannot show yet.
    fn hidden(&self) -> i64 {
        match self {
            Progress::Output => 0,
            Progress::Committed { .. } => COMMIT_LAG_WORDS,
        }
    }
}

/// Produces the lines round-robin over the input's partitions, pausing
/// while the child is more than `MAX_BACKLOG_WORDS` words behind.
fn feed(
    config: &rdkafka::ClientConfig,
    bootstrap: &str,
    lines: u64,
    progress: &Progress,
    child_exited: &AtomicBool,
) -> Result<(), Failure> {
    use rdkafka::consumer::{BaseConsumer, Consumer as _};
    let mut producer_config = config.clone();
    producer_config.set("linger.ms", "5");
    let producer = PolledProducer::new(&producer_config)?;
    let mut watcher_config = config.clone();
    if let Progress::Committed { group, .. } = progress {
        // Only reads the group's commits; never joins it.
        watcher_config.set("group.id", group);
    }
    let watcher: BaseConsumer = watcher_config.create()?;
    let timeout = std::time::Duration::from_secs(10);
    // Words counted so far, and the committed offsets it was read from.
    let counted = || -> Result<(i64, Vec<(i32, i64)>), Failure> {
        let mut total = 0;
        let mut committed = Vec::new();
        match progress {
            Progress::Output => {
                for p in 0..EMBEDDED_PARTITIONS {
                    total += watcher.fetch_watermarks(OUTPUT_TOPIC, p, timeout)?.1;
                }
            }
            Progress::Committed { topic, .. } => {
                let mut list = rdkafka::TopicPartitionList::new();
                for p in 0..EMBEDDED_PARTITIONS {
                    list.add_partition(topic, p);
                }
                for entry in watcher.committed_offsets(list, timeout)?.elements() {
                    let n = match entry.offset() {
                        rdkafka::Offset::Offset(n) => n,
                        _ => 0,
                    };
                    total += n;
                    committed.push((entry.partition(), n));
                }
            }
        }
        Ok((total, committed))
    };
    let behind = |words_fed: i64| -> Result<bool, Failure> {
        let (total, committed) = counted()?;
        if words_fed - total > MAX_BACKLOG_WORDS + progress.hidden() {
            return Ok(true);
        }
        // Only asked when the total allows more: the end offsets cost a
        // request per partition.
        if let Progress::Committed { topic, .. } = progress {
            for (partition, n) in committed {
                let end = watcher.fetch_watermarks(topic, partition, timeout)?.1;
                if end - n > MAX_PARTITION_BACKLOG {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    };
    let started = std::time::Instant::now();
    let mut words_fed: i64 = 0;
    for (i, line) in Lines::new(lines).enumerate() {
        words_fed += wordcount::words(&line).len() as i64;
        let partition = (i % EMBEDDED_PARTITIONS as usize) as i32;
        producer.send(INPUT_TOPIC, Some(partition), None, line.as_bytes())?;
        if i % 5_000 == 4_999 {
            while behind(words_fed)? {
                if child_exited.load(Ordering::Acquire) {
                    return Err(format!("feeding {bootstrap}: the child exited").into());
                }
                if started.elapsed() > std::time::Duration::from_secs(900) {
                    return Err(format!("feeding {bootstrap}: the output stopped moving").into());
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
    producer.flush()
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
