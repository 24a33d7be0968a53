//! Sends the lines of stdin to a topic with the typed producer.
//!
//!   cargo run -p examples --example producer -- --topic T [--mode sync|async] [--partitioner murmur2|round-robin]
//!
//! Each line `key<TAB>value` is a keyed record, a line without a tab a keyless
//! one (String key and value). `sync` (the default) sends one record at a time
//! and prints `partition<TAB>offset` for each, in input order. `async` sends
//! them all without waiting, flushes, and prints `delivered N`; failures go to
//! stderr and the exit code is non-zero. Keyed records go where Java's
//! producer puts them (murmur2) unless `--partitioner round-robin`; keyless
//! ones always go round-robin.
//!
//! Needs KAFKA_BOOTSTRAP_SERVERS (see the `broker` example):
//!
//!   printf 'a\t1\nb\t2\nno key\n' | cargo run -p examples --example producer -- --topic words
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program talking to its user

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use kafka_client::producer::{DefaultPartitioner, RoundRobinPartitioner};
use kafka_client::{ClientConfig, Error, Producer, ProducerRecord};
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    /// One record at a time, each acknowledged before the next.
    Sync,
    /// All records without waiting, then one flush.
    Async,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PartitionerChoice {
    /// Java's default for keyed records: murmur2 of the key.
    Murmur2,
    /// Every record round-robin, keyed or not.
    RoundRobin,
}

/// Sends stdin's lines to a Kafka topic.
#[derive(Debug, Parser)]
#[command(name = "producer")]
struct Args {
    /// The topic to send to (it must exist).
    #[arg(long)]
    topic: String,
    /// Wait for each record, or send all and flush.
    #[arg(long, value_enum, default_value_t = Mode::Sync)]
    mode: Mode,
    /// How keyed records are spread over partitions.
    #[arg(long, value_enum, default_value_t = PartitionerChoice::Murmur2)]
    partitioner: PartitionerChoice,
}

#[tokio::main]
async fn main() -> ExitCode {
    examples::init_tracing();
    let args = Args::parse();
    let config = ClientConfig::new().bootstrap_servers(examples::bootstrap_servers_or_exit());
    match run(&args, &config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("producer: {e}");
            ExitCode::FAILURE
        }
    }
}

fn build_producer(
    args: &Args,
    config: &ClientConfig,
) -> kafka_client::Result<Producer<String, String>> {
    let builder = Producer::builder(config);
    match args.partitioner {
        PartitionerChoice::Murmur2 => builder.partitioner(DefaultPartitioner::new()).build(),
        PartitionerChoice::RoundRobin => builder.partitioner(RoundRobinPartitioner::new()).build(),
    }
}

fn record_of(topic: &str, line: &str) -> ProducerRecord<String, String> {
    match line.split_once('\t') {
        Some((key, value)) => ProducerRecord::new(topic, value.to_string()).key(key.to_string()),
        None => ProducerRecord::new(topic, line.to_string()),
    }
}

async fn run(args: &Args, config: &ClientConfig) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let producer = build_producer(args, config)?;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = std::io::stdout().lock();
    let mut sent = 0usize;
    let mut failed = false;
    while let Some(line) = lines.next_line().await? {
        let line = line.strip_suffix('\r').unwrap_or(&line);
        let record = record_of(&args.topic, line);
        match args.mode {
            Mode::Sync => {
                let stored = producer.send(record).await?;
                let _ = writeln!(stdout, "{}\t{}", stored.partition, stored.offset);
            }
            Mode::Async => match producer.enqueue(record).await {
                Ok(()) => sent += 1,
                Err(e) => {
                    // Nothing more would go either (unknown topic, closed).
                    eprintln!("producer: {e}");
                    failed = true;
                    break;
                }
            },
        }
    }
    if let Mode::Async = args.mode {
        match producer.flush().await {
            Ok(()) => {
                let _ = writeln!(stdout, "delivered {sent}");
            }
            Err(Error::Undelivered { failures }) => {
                for failure in &failures {
                    eprintln!(
                        "not delivered: {failure}: key {:?} value {:?}",
                        failure.key.as_deref().map(String::from_utf8_lossy),
                        failure.value.as_deref().map(String::from_utf8_lossy),
                    );
                }
                let _ = writeln!(stdout, "delivered {}", sent - failures.len());
                failed = true;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let _ = stdout.flush();
    drop(stdout);
    producer.close().await?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
