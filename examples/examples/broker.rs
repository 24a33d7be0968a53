//! An in-process Kafka cluster for the other examples and for kcat.
//!
//!   cargo run -p examples --example broker -- [--brokers N] [--topic NAME:PARTITIONS]...
//!
//! It prints one line, `KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:PORT,...`, on
//! stdout; export it in another shell and run the other examples. It serves
//! until interrupted (Ctrl-C or SIGTERM). Topics can only be created here or
//! through `Admin` (producers do not create them).
//!
//!   cargo run -p examples --example broker -- --topic words:3 > /tmp/broker.env &
//!   export $(cat /tmp/broker.env)
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program talking to its user

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use kafka_client::EmbeddedKafka;

/// Starts librdkafka's mock cluster on loopback and serves it until interrupted.
#[derive(Debug, Parser)]
#[command(name = "broker")]
struct Args {
    /// How many brokers.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..=64))]
    brokers: i32,
    /// A topic to create, as NAME:PARTITIONS (repeatable).
    #[arg(long = "topic", value_name = "NAME:PARTITIONS", value_parser = parse_topic)]
    topics: Vec<(String, i32)>,
}

fn parse_topic(spec: &str) -> Result<(String, i32), String> {
    let (name, partitions) = spec
        .rsplit_once(':')
        .ok_or_else(|| format!("`{spec}` is not NAME:PARTITIONS"))?;
    if name.is_empty() {
        return Err(format!("`{spec}` has no topic name"));
    }
    let partitions: i32 = partitions
        .parse()
        .map_err(|e| format!("`{partitions}` is not a partition count: {e}"))?;
    if partitions < 1 {
        return Err(format!("topic `{name}` needs at least 1 partition"));
    }
    Ok((name.to_string(), partitions))
}

#[tokio::main]
async fn main() -> ExitCode {
    examples::init_tracing();
    let args = Args::parse();
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("broker: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> kafka_client::Result<()> {
    let cluster = EmbeddedKafka::start(args.brokers)?;
    for (name, partitions) in &args.topics {
        cluster.create_topic(name, *partitions)?;
        eprintln!("created topic {name} with {partitions} partition(s)");
    }
    let mut stdout = std::io::stdout().lock();
    // If nobody reads stdout any more, there is no one to serve either.
    if writeln!(
        stdout,
        "KAFKA_BOOTSTRAP_SERVERS={}",
        cluster.bootstrap_servers()
    )
    .and_then(|()| stdout.flush())
    .is_err()
    {
        return Ok(());
    }
    drop(stdout);
    eprintln!(
        "embedded Kafka with {} broker(s) at {}; Ctrl-C to stop",
        args.brokers,
        cluster.bootstrap_servers()
    );
    interrupted().await;
    eprintln!("stopping");
    drop(cluster);
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
