//! Prints the records of a topic with the typed consumer.
//!
//!   cargo run -p examples --example consumer -- --topic T [--group G] [--from-beginning]
//!       [--partition P --offset N] [--max-messages N] [--idle-timeout-ms MS]
//!
//! One line per record: `partition<TAB>offset<TAB>key<TAB>value` (String
//! key and value; the key field is empty for a null key, the value field
//! for a tombstone). A record that is not valid UTF-8 is reported on stderr
//! with its offset, and skipped.
//!
//! - `--group G` joins consumer group G (it resumes from G's committed
//!   offsets, or from the start with `--from-beginning` when G has none) and
//!   commits what it printed before leaving.
//! - Without a group it reads every partition from the end, or from the
//!   beginning with `--from-beginning`.
//! - `--partition P` reads only partition P, from `--offset N` if given.
//!   With `--group`, the group is only used to commit.
//!
//! It stops after `--max-messages` records, when nothing new arrived for
//! `--idle-timeout-ms` (a group member starts counting once the group gave
//! it partitions), or on Ctrl-C. Needs KAFKA_BOOTSTRAP_SERVERS (see the
//! `broker` example):
//!
//!   cargo run -p examples --example consumer -- --topic words --from-beginning --idle-timeout-ms 2000
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program talking to its user

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use kafka_client::consumer::{Consumer, Offset, OffsetReset};
use kafka_client::{ClientConfig, ConsumerRecord, Error, TopicPartition};

/// Prints the records of a Kafka topic.
#[derive(Debug, Parser)]
#[command(name = "consumer")]
struct Args {
    /// The topic to read (it must exist).
    #[arg(long)]
    topic: String,
    /// Join this consumer group, and commit what was printed before leaving.
    #[arg(long)]
    group: Option<String>,
    /// Start at the oldest record (with a group: only where it has no
    /// committed offset).
    #[arg(long)]
    from_beginning: bool,
    /// Read only this partition.
    #[arg(long)]
    partition: Option<i32>,
    /// Start at this offset of `--partition`.
    #[arg(long, requires = "partition")]
    offset: Option<i64>,
    /// Stop after this many records.
    #[arg(long)]
    max_messages: Option<u64>,
    /// Stop when nothing arrived for this many milliseconds.
    #[arg(long)]
    idle_timeout_ms: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    examples::init_tracing();
    let args = Args::parse();
    let config = ClientConfig::new().bootstrap_servers(examples::bootstrap_servers_or_exit());
    match run(&args, &config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("consumer: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args, config: &ClientConfig) -> kafka_client::Result<()> {
    let start = if args.from_beginning {
        Offset::Beginning
    } else {
        Offset::End
    };
    let mut builder =
        Consumer::<String, String>::builder(config).auto_offset_reset(if args.from_beginning {
            OffsetReset::Earliest
        } else {
            OffsetReset::Latest
        });
    if let Some(group) = &args.group {
        // A short session lets the next run of this program join the group
        // soon after this one left (the embedded cluster waits a session
        // timeout for departed members; Kafka's default is 45 s).
        builder = builder.group_id(group).set("session.timeout.ms", "10000");
    }
    let consumer = builder.build()?;

    match (args.partition, &args.group) {
        (Some(partition), _) => {
            let offset = args.offset.map_or(start, Offset::At);
            consumer
                .assign_at(&[(TopicPartition::new(&args.topic, partition), offset)])
                .await?
        }
        (None, Some(_)) => consumer.subscribe(&[&args.topic]).await?,
        (None, None) => {
            let partitions = consumer.partitions_for(&args.topic).await?;
            let starts: Vec<_> = partitions.into_iter().map(|tp| (tp, start)).collect();
            consumer.assign_at(&starts).await?
        }
    }

    let printed = print_records(args, &consumer).await;
    if args.group.is_some() {
        // Everything handed out was printed (or reported as bad): commit it.
        consumer.commit().await?;
    }
    consumer.close().await?;
    tracing::info!(printed, "done");
    Ok(())
}

/// Prints records until a stop condition; returns how many were printed.
async fn print_records(args: &Args, consumer: &Consumer<String, String>) -> u64 {
    let idle = args.idle_timeout_ms.map(Duration::from_millis);
    let mut printed = 0u64;
    let stdout = std::io::stdout();
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let mut interrupted = false;
    let started = Instant::now();
    while args.max_messages.is_none_or(|max| printed < max) {
        // A wait that began before the group gave partitions is not idle.
        let joining = waiting_for_partitions(consumer, started);
        let next = async {
            match idle {
                Some(idle) => tokio::time::timeout(idle, consumer.recv()).await.ok(),
                None => Some(consumer.recv().await),
            }
        };
        let received = tokio::select! {
            received = next => received,
            _ = &mut ctrl_c => {
                interrupted = true;
                None
            }
        };
        match received {
            // Not idle: the group has not given this member partitions yet.
            None if !interrupted && joining => continue,
            // Idle for too long, or Ctrl-C.
            None => break,
            Some(Ok(record)) => {
                let mut out = stdout.lock();
                if writeln!(out, "{}", line(&record))
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    // The reader went away (e.g. `| head`): stop quietly.
                    break;
                }
                printed += 1;
            }
            Some(Err(Error::Deserialization(bad))) => eprintln!("skipped: {bad}"),
            Some(Err(other)) => eprintln!("consumer: {other}"),
        }
    }
    printed
}

/// Whether a group member still waits for its first partitions (a group
/// forms in a few seconds; give up waiting after a while all the same).
fn waiting_for_partitions(consumer: &Consumer<String, String>, started: Instant) -> bool {
    const JOIN_PATIENCE: Duration = Duration::from_secs(30);
    consumer.group_id().is_some()
        && !consumer.subscription().is_empty()
        && consumer.assignment().is_ok_and(|a| a.is_empty())
        && started.elapsed() < JOIN_PATIENCE
}

fn line(record: &ConsumerRecord<String, String>) -> String {
    format!(
        "{}\t{}\t{}\t{}",
        record.partition,
        record.offset,
        record.key.as_deref().unwrap_or(""),
        record.value.as_deref().unwrap_or("")
    )
}
