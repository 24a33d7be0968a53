//! Page views per page and time window, on event time.
//!
//!     cargo run -p examples --example pageviews -- --input examples/data/pageviews.jsonl
//!     cargo run -p examples --example pageviews -- --input FILE --window-ms 60000 --advance-ms 30000 --grace-ms 5000
//!
//! FILE holds JSON lines `{"user": "...", "page": "...", "ts": <epoch ms>}`.
//! The program starts an embedded cluster (or, with `KAFKA_BOOTSTRAP_SERVERS`
//! set, uses that cluster, with topic and application names suffixed by a
//! run id so that runs do not mix), produces the views keyed by user with
//! the record timestamp set to `ts`, counts views per page in tumbling
//! windows (hopping when `--advance-ms` is smaller than `--window-ms`),
//! waits until everything is processed and prints the latest count of
//! every window as `page<TAB>window_start_ms<TAB>count`, sorted by page
//! then window start.
//!
//! A line that is not valid page-view JSON is reported on stderr with its
//! line number and skipped: it has no usable timestamp, and producing it
//! with another one would move stream time. Views later than the grace
//! period (default one day, Kafka's former default) behind the largest
//! timestamp seen are dropped, as in Kafka Streams.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

use std::io::Write;

use clap::Parser;
use examples::pageviews::{self, Failure, RunNames};
use kafka_client::config::BOOTSTRAP_SERVERS_ENV;
use kafka_client::EmbeddedKafka;

#[derive(Parser, Debug)]
#[command(about = "Count page views per page and time window")]
struct Args {
    /// JSON lines of page views (default: the bundled sample).
    #[arg(long)]
    input: Option<std::path::PathBuf>,
    /// Window size in milliseconds.
    #[arg(long, default_value_t = 60_000)]
    window_ms: u64,
    /// Advance in milliseconds (default: the window size, tumbling).
    #[arg(long)]
    advance_ms: Option<u64>,
    /// Grace period in milliseconds.
    #[arg(long, default_value_t = 86_400_000)]
    grace_ms: u64,
    /// Partitions of the input and output topics.
    #[arg(long, default_value_t = 2)]
    partitions: i32,
}

#[tokio::main]
async fn main() {
    examples::init_tracing();
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("pageviews: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Failure> {
    let text = match &args.input {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("--input {}: {e}", path.display()))?
        }
        None => pageviews::SAMPLE.to_string(),
    };
    let windows = pageviews::windows(
        args.window_ms,
        args.advance_ms.unwrap_or(args.window_ms),
        args.grace_ms,
    )?;
    let (views, bad) = pageviews::parse_lines(&text);
    for b in &bad {
        eprintln!(
            "pageviews: line {}: skipped, not a page view: {}",
            b.line, b.error
        );
    }
    let counts = match std::env::var(BOOTSTRAP_SERVERS_ENV) {
        Ok(servers) if !servers.trim().is_empty() => {
            let run_id = format!(
                "{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or_default()
            );
            let names = RunNames::suffixed(&run_id);
            eprintln!(
                "pageviews: running against {servers} as {}",
                names.application_id
            );
            pageviews::run(&servers, &names, &views, windows, args.partitions).await?
        }
        _ => {
            let cluster = EmbeddedKafka::start(1)?;
            let servers = cluster.bootstrap_servers().to_string();
            pageviews::run(
                &servers,
                &RunNames::fixed(),
                &views,
                windows,
                args.partitions,
            )
            .await?
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for ((page, start), count) in &counts {
        writeln!(out, "{page}\t{start}\t{count}")?;
    }
    out.flush()?;
    Ok(())
}
