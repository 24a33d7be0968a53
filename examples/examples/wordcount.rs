//! Word count, Kafka's `WordCountDemo` in Rust.
//!
//!     cargo run -p examples --example wordcount                    # sample text
//!     cargo run -p examples --example wordcount -- --input FILE
//!     some-command | cargo run -p examples --example wordcount
//!
//! With `KAFKA_BOOTSTRAP_SERVERS` unset it starts an embedded cluster,
//! produces the input lines to `streams-plaintext-input`, runs the topology
//! until every line is processed, prints `word<TAB>count` for every word
//! (sorted by word) and exits. With `KAFKA_BOOTSTRAP_SERVERS` set it runs
//! as a long-lived application against that cluster, like the Java demo,
//! until Ctrl-C; start several copies to share the work.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use clap::Parser;
use examples::wordcount::{self, APPLICATION_ID, INPUT_TOPIC, OUTPUT_TOPIC, SAMPLE_TEXT, STORE};
use kafka_client::config::BOOTSTRAP_SERVERS_ENV;
use kafka_client::producer::Producer;
use kafka_client::{Admin, ClientConfig, EmbeddedKafka, NewTopic, ProducerRecord};
use kafka_streams::runtime::{KafkaStreams, ProcessingGuarantee, StreamsConfig, StreamsState};

#[derive(Parser, Debug)]
#[command(about = "Kafka's WordCountDemo: count words from streams-plaintext-input")]
struct Args {
    /// Read the input lines from this file (default: stdin when piped, else a sample text).
    #[arg(long)]
    input: Option<std::path::PathBuf>,
    /// Partitions of the input and output topics when this program creates them.
    #[arg(long, default_value_t = 4)]
    partitions: i32,
    /// Stream threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Commit interval in milliseconds.
    #[arg(long, default_value_t = 200)]
    commit_interval_ms: u64,
    /// at-least-once (default) or exactly-once.
    #[arg(long, default_value = "at-least-once")]
    processing_guarantee: String,
}

/// How far the embedded run lets production run ahead of processing (in
/// records not yet processed, input lines and repartitioned words). The
/// embedded cluster keeps only about 5 MiB per partition, so a producer far
/// ahead of its consumers would see the oldest records deleted before they
/// were read.
const MAX_BACKLOG: u64 = 50_000;

/// Records sent but not processed yet: input lines, and words in the
/// repartition topic.
fn backlog(streams: &KafkaStreams, lines_sent: u64) -> u64 {
    let m = streams.metrics();
    let input_done = m.processed_by_topic.get(INPUT_TOPIC).copied().unwrap_or(0);
    let repartition = format!("{APPLICATION_ID}-{STORE}-repartition");
    let words_sent = m.produced_by_topic.get(&repartition).copied().unwrap_or(0);
    let words_done = m.processed_by_topic.get(&repartition).copied().unwrap_or(0);
    lines_sent.saturating_sub(input_done) + words_sent.saturating_sub(words_done)
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    examples::init_tracing();
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("wordcount: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Failure> {
    let guarantee: ProcessingGuarantee = args
        .processing_guarantee
        .parse()
        .map_err(|e: String| format!("--processing-guarantee: {e}"))?;
    match std::env::var(BOOTSTRAP_SERVERS_ENV) {
        Ok(servers) if !servers.trim().is_empty() => long_lived(&args, &servers, guarantee).await,
        _ => embedded(&args, guarantee).await,
    }
}

fn streams_config(args: &Args, servers: &str, guarantee: ProcessingGuarantee) -> StreamsConfig {
    StreamsConfig::new(APPLICATION_ID)
        .bootstrap_servers(servers)
        .num_stream_threads(args.threads)
        .commit_interval(Duration::from_millis(args.commit_interval_ms))
        .processing_guarantee(guarantee)
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500")
}

async fn create_topics(servers: &str, partitions: i32) -> Result<(), Failure> {
    let admin = Admin::new(&ClientConfig::new().bootstrap_servers(servers))?;
    for topic in [INPUT_TOPIC, OUTPUT_TOPIC] {
        admin
            .create_topic_if_missing(&NewTopic::new(topic, partitions))
            .await?;
    }
    Ok(())
}

/// Runs like Kafka's demo until Ctrl-C.
async fn long_lived(
    args: &Args,
    servers: &str,
    guarantee: ProcessingGuarantee,
) -> Result<(), Failure> {
    create_topics(servers, args.partitions).await?;
    let mut streams = KafkaStreams::new(
        wordcount::topology()?,
        streams_config(args, servers, guarantee),
    )?;
    streams.start().await?;
    eprintln!("wordcount: running against {servers}; Ctrl-C to stop");
    let mut states = streams.state_changes();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            changed = states.changed() => {
                if changed.is_err() { break; }
                let state = states.borrow().clone();
                eprintln!("wordcount: {state:?}");
                if let StreamsState::Error(message) = state {
                    return Err(message.into());
                }
            }
        }
    }
    streams.close().await?;
    Ok(())
}

/// Reads the input: the file, else stdin when piped and not empty, else the sample.
fn input_lines(args: &Args) -> Result<Vec<String>, Failure> {
    if let Some(path) = &args.input {
        let file =
            std::fs::File::open(path).map_err(|e| format!("--input {}: {e}", path.display()))?;
        return Ok(std::io::BufReader::new(file)
            .lines()
            .collect::<Result<_, _>>()?);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut text = String::new();
        stdin.lock().read_to_string(&mut text)?;
        if !text.is_empty() {
            return Ok(text.lines().map(str::to_string).collect());
        }
    }
    Ok(SAMPLE_TEXT.lines().map(str::to_string).collect())
}

/// Produces the input on an embedded cluster, waits until all of it is
/// processed, and prints the final counts.
async fn embedded(args: &Args, guarantee: ProcessingGuarantee) -> Result<(), Failure> {
    let lines = input_lines(args)?;
    let cluster = EmbeddedKafka::start(1)?;
    let servers = cluster.bootstrap_servers().to_string();
    create_topics(&servers, args.partitions).await?;
    let mut streams = KafkaStreams::new(
        wordcount::topology()?,
        streams_config(args, &servers, guarantee),
    )?;
    streams.start().await?;

    let started = Instant::now();
    let producer: Producer<String, String> = Producer::new(&cluster.client_config())?;
    let chatty = lines.len() >= 10_000;
    let mut last_report = Instant::now();
    for (i, line) in lines.iter().enumerate() {
        producer
            .enqueue(ProducerRecord::new(INPUT_TOPIC, line.clone()))
            .await
            .map_err(|e| e.into_error())?;
        if i % 1_000 == 999 {
            // Keep production within reach of processing (see MAX_BACKLOG).
            loop {
                if let StreamsState::Error(message) = streams.state() {
                    return Err(message.into());
                }
                if backlog(&streams, i as u64 + 1) <= MAX_BACKLOG {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        if chatty && last_report.elapsed() >= Duration::from_secs(1) {
            report(&streams, i + 1, started);
            last_report = Instant::now();
        }
    }
    producer.flush().await?;
    let produced = started.elapsed();
    streams
        .wait_until_caught_up(Duration::from_secs(600))
        .await?;
    let elapsed = started.elapsed();
    let counts = streams.store::<String, i64>(STORE)?.all()?;
    let metrics = streams.metrics();
    streams.close().await?;

    let mut counts = counts;
    counts.sort();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (word, count) in &counts {
        writeln!(out, "{word}\t{count}")?;
    }
    out.flush()?;
    if chatty {
        eprintln!(
            "wordcount: {} lines in {:.2?} (input produced in {:.2?}), {} records processed ({:.0}/s), {} distinct words, {} commits, {} duplicates skipped",
            lines.len(),
            elapsed,
            produced,
            metrics.records_processed,
            metrics.records_processed as f64 / elapsed.as_secs_f64(),
            counts.len(),
            metrics.commits,
            metrics.duplicates_skipped,
        );
        tracing::info!(processed = ?metrics.processed_by_topic, produced = ?metrics.produced_by_topic, "records per topic");
    }
    Ok(())
}

fn report(streams: &KafkaStreams, produced: usize, started: Instant) {
    let m = streams.metrics();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wordcount: {produced} lines produced, {} records processed ({:.0}/s), lag {}",
        m.records_processed,
        m.records_processed as f64 / secs,
        m.total_lag()
    );
}
