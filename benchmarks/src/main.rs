//! Benchmarks: the typed client against raw rdkafka, the streams word count
//! against a hand-written floor and Quix Streams, and the state stores.
//!
//!     cargo run --release -p benchmarks -- --quick
//!     cargo run --release -p benchmarks -- --only producer,consumer
//!     KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 cargo run --release -p benchmarks
//!     cargo run --release -p benchmarks -- --quix-broker 127.0.0.1:19092 --chart docs/benchmarks.png
//!
//! Runs on an embedded cluster unless `KAFKA_BOOTSTRAP_SERVERS` is set.
//! Each comparison runs both sides in this one invocation, interleaved over
//! several rounds, and reports medians and the ratio to the baseline. The
//! table goes to stdout and, with a TSV for the chart, to `target/benchmarks/`.
//! See BENCHMARKS.md for what each number means.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod cluster;
mod consumer_bench;
mod cpu;
mod idle;
mod machine;
mod memory;
mod producer_bench;
mod raw;
mod stats;
mod stores;
mod wordcount;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

use crate::cluster::BenchCluster;
use crate::stats::Measured;
use crate::wordcount::child::{self, ChildArgs};
use crate::wordcount::contender::Contender;
use crate::wordcount::hop_floor;
use crate::wordcount::input::Expected;
use crate::wordcount::System;

/// Any failure, with its message.
pub(crate) type Failure = Box<dyn std::error::Error + Send + Sync>;

const PHASES: [&str; 6] = [
    "producer",
    "consumer",
    "wordcount",
    "quix",
    "stores",
    "idle",
];

/// The rows of the word count phase, the baseline first.
const WORDCOUNT_CONTENDERS: [Contender; 7] = [
    Contender::plain(System::Floor),
    Contender::plain(System::Streams),
    Contender::plain(System::HopFloor),
    Contender::plain(System::HopFloorWithIds),
    Contender::plain(System::StreamsWithoutIds),
    Contender::with_jemalloc(System::Floor),
    Contender::with_jemalloc(System::Streams),
];

/// The rows of the Quix Streams phase, the baseline first.
const QUIX_CONTENDERS: [Contender; 8] = [
    Contender::plain(System::Quix),
    Contender::plain(System::Streams),
    Contender::plain(System::Floor),
    Contender::plain(System::HopFloor),
    Contender::plain(System::HopFloorWithIds),
    Contender::plain(System::StreamsWithoutIds),
    Contender::with_jemalloc(System::Streams),
    Contender::with_jemalloc(System::StreamsWithoutIds),
];

#[derive(Parser, Debug)]
#[command(about = "Throughput and memory benchmarks (see BENCHMARKS.md)")]
struct Args {
    /// Smaller inputs and fewer rounds, and no jemalloc rows unless
    /// `--systems` names them: under two minutes on 2 cores.
    #[arg(long)]
    quick: bool,
    /// Run only these phases (comma-separated): producer, consumer, wordcount, quix, stores, idle.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Rounds per comparison (default: 5, or 3 with --quick).
    #[arg(long)]
    rounds: Option<usize>,
    /// Word count lines (default: 1,000,000, or 100,000 with --quick).
    #[arg(long)]
    lines: Option<u64>,
    /// Producer and consumer records (default: 1,000,000, or 200,000 with --quick).
    #[arg(long)]
    records: Option<u64>,
    /// A broker that supports CreateTopics for the Quix Streams comparison
    /// (e.g. tansu from scripts/real-broker.sh). Default: the main broker
    /// when KAFKA_BOOTSTRAP_SERVERS is set; otherwise the phase is skipped.
    #[arg(long)]
    quix_broker: Option<String>,
    /// Run only these word count systems (comma-separated): floor, streams,
    /// hop-floor, hop-floor-with-ids, streams-without-ids, quix, floor+jemalloc,
    /// streams+jemalloc (word count phase), streams-without-ids+jemalloc
    /// (Quix phase). The first one left is the baseline. Default: all.
    #[arg(long, value_delimiter = ',')]
    systems: Vec<String>,
    /// Stream threads of the streams word count.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Word count lines for the Quix Streams comparison (default: 200,000, or 20,000 with --quick).
    #[arg(long)]
    quix_lines: Option<u64>,
    /// Draw the chart (PNG) of records per second here, with matplotlib
    /// from the benchmark's venv (scripts/bench-quix.sh chart).
    #[arg(long)]
    chart: Option<PathBuf>,
    /// Where the table and TSV go.
    #[arg(long, default_value = "target/benchmarks")]
    out: PathBuf,
}

/// The sizes of one run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) rounds: usize,
    pub(crate) wordcount_rounds: usize,
    pub(crate) value_size: usize,
    pub(crate) producer_records: u64,
    pub(crate) sync_records: u64,
    pub(crate) consumer_records: u64,
    pub(crate) wordcount_lines: u64,
    pub(crate) quix_lines: u64,
    pub(crate) store_entries: u64,
    pub(crate) threads: usize,
    /// How long each idle client is watched, and in how many rounds.
    pub(crate) idle_window: std::time::Duration,
    pub(crate) idle_rounds: usize,
}

impl Plan {
    fn from_args(args: &Args) -> Self {
        let quick = args.quick;
        let records = args
            .records
            .unwrap_or(if quick { 200_000 } else { 1_000_000 });
        let rounds = args.rounds.unwrap_or(if quick { 3 } else { 5 });
        Plan {
            rounds,
            wordcount_rounds: args.rounds.unwrap_or(3),
            value_size: 100,
            producer_records: records,
            sync_records: if quick { 500 } else { 5_000 },
            consumer_records: records,
            wordcount_lines: args
                .lines
                .unwrap_or(if quick { 100_000 } else { 1_000_000 }),
            quix_lines: args
                .quix_lines
                .unwrap_or(if quick { 20_000 } else { 200_000 }),
            store_entries: if quick { 200_000 } else { 1_000_000 },
            threads: args.threads,
            idle_window: std::time::Duration::from_secs(if quick { 2 } else { 5 }),
            idle_rounds: args.rounds.unwrap_or(if quick { 1 } else { 3 }),
        }
    }
}

/// The arguments of a word count child process (`benchmarks __child KIND ...`).
#[derive(Parser, Debug)]
struct ChildCli {
    /// streams, streams-without-ids, floor, hop-floor or hop-floor-with-ids.
    kind: String,
    #[arg(long)]
    bootstrap: String,
    #[arg(long)]
    group: String,
    #[arg(long)]
    lines: u64,
    #[arg(long)]
    words: u64,
    #[arg(long)]
    distinct: u64,
    #[arg(long)]
    threads: usize,
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("benchmarks: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = if std::env::args().nth(1).as_deref() == Some("__child") {
        runtime.block_on(run_child(ChildCli::parse_from(std::env::args().skip(1))))
    } else {
        runtime.block_on(run(Args::parse()))
    };
    if let Err(e) = result {
        eprintln!("benchmarks: {e}");
        std::process::exit(1);
    }
}

async fn run_child(cli: ChildCli) -> Result<(), Failure> {
    crate::wordcount::contender::check_expected_allocator()?;
    let args = ChildArgs {
        bootstrap: cli.bootstrap,
        group: cli.group,
        expected: Expected {
            lines: cli.lines,
            words: cli.words,
            distinct: cli.distinct,
            bytes: 0,
        },
        threads: cli.threads,
    };
    let outcome = match cli.kind.as_str() {
        "streams" => child::streams(&args, true).await?,
        "streams-without-ids" => child::streams(&args, false).await?,
        "floor" => tokio::task::spawn_blocking(move || child::floor(&args)).await??,
        "hop-floor" => hop_floor::hop_floor(args, false).await?,
        "hop-floor-with-ids" => hop_floor::hop_floor(args, true).await?,
        other => return Err(format!("unknown child kind `{other}`").into()),
    };
    println!("{}", outcome.to_line());
    Ok(())
}

async fn run(args: Args) -> Result<(), Failure> {
    let known: Vec<String> = WORDCOUNT_CONTENDERS
        .iter()
        .chain(&QUIX_CONTENDERS)
        .map(|c| c.name())
        .fold(Vec::new(), |mut names, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        });
    for name in &args.systems {
        if !known.contains(name) {
            return Err(format!(
                "--systems: unknown system `{name}` (known: {})",
                known.join(", ")
            )
            .into());
        }
    }
    // `--quick` leaves the jemalloc rows out unless they are asked for, so
    // that it stays well under two minutes.
    let chosen = |contenders: &[Contender]| -> Vec<Contender> {
        contenders
            .iter()
            .copied()
            .filter(|c| {
                if args.systems.is_empty() {
                    !(args.quick && c.jemalloc)
                } else {
                    args.systems.contains(&c.name())
                }
            })
            .collect()
    };
    for phase in &args.only {
        if !PHASES.contains(&phase.as_str()) {
            return Err(format!(
                "--only: unknown phase `{phase}` (known: {})",
                PHASES.join(", ")
            )
            .into());
        }
    }
    let wanted = |phase: &str| args.only.is_empty() || args.only.iter().any(|p| p == phase);
    let plan = Plan::from_args(&args);
    let started = Instant::now();
    let cluster = BenchCluster::from_env()?;
    let machine = machine::describe();
    eprintln!("benchmarks: {machine}");
    eprintln!("benchmarks: broker: {}", cluster.describe());
    eprintln!("benchmarks: {plan:?}");

    let mut rows: Vec<Measured> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    if wanted("producer") {
        eprintln!("benchmarks: producer ...");
        rows.extend(producer_bench::run(&cluster, &plan).await?);
    }
    if wanted("consumer") {
        eprintln!("benchmarks: consumer ...");
        let (measured, note) = consumer_bench::run(&cluster, &plan).await?;
        rows.extend(measured);
        notes.push(note);
    }
    if wanted("wordcount") {
        eprintln!("benchmarks: word count ...");
        let systems = chosen(&WORDCOUNT_CONTENDERS);
        if !systems.is_empty() {
            rows.extend(wordcount::run(&cluster, &plan, plan.wordcount_lines, &systems).await?);
        }
    }
    if wanted("quix") {
        let quix_cluster = match (&args.quix_broker, cluster.is_embedded()) {
            (Some(broker), _) => Some(BenchCluster::external(broker)),
            (None, false) => Some(BenchCluster::external(cluster.bootstrap())),
            (None, true) => None,
        };
        match quix_cluster {
            Some(quix_cluster) => {
                eprintln!(
                    "benchmarks: word count with Quix Streams on {} ...",
                    quix_cluster.bootstrap()
                );
                let systems = chosen(&QUIX_CONTENDERS);
                if !systems.is_empty() {
                    rows.extend(
                        wordcount::run(&quix_cluster, &plan, plan.quix_lines, &systems).await?,
                    );
                }
            }
            None => {
                let note = "Quix Streams comparison skipped: it needs a broker that supports CreateTopics \
                            (the embedded cluster does not). Start one with `scripts/real-broker.sh start` \
                            and pass `--quix-broker 127.0.0.1:19092`."
                    .to_string();
                eprintln!("benchmarks: {note}");
                notes.push(note);
            }
        }
    }
    if wanted("stores") {
        eprintln!("benchmarks: state stores ...");
        rows.extend(stores::run(&plan));
    }

    if wanted("idle") {
        eprintln!("benchmarks: idle CPU ...");
        rows.extend(idle::run(&cluster, &plan).await?);
    }

    notes.extend(wordcount::take_notes());
    let table = stats::table(&rows);
    let elapsed = started.elapsed();
    let mut report = format!(
        "Machine: {machine}\nLoad at the end: {}\nBroker: {}\nTook {:.0?}\n\n{table}",
        machine::load(),
        cluster.describe(),
        elapsed
    );
    for note in &notes {
        report.push_str(&format!("\n{note}\n"));
    }
    println!("{report}");
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("results.md"), &report)?;
    let tsv_path = args.out.join("results.tsv");
    std::fs::write(&tsv_path, stats::tsv(&rows))?;
    eprintln!(
        "benchmarks: wrote {}",
        args.out.join("results.md").display()
    );
    if let Some(chart) = &args.chart {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench-quix.sh");
        let status = std::process::Command::new(script)
            .arg("chart")
            .arg(&tsv_path)
            .arg(chart)
            .status()?;
        if !status.success() {
            return Err(format!("drawing the chart failed ({status})").into());
        }
    }
    Ok(())
}
