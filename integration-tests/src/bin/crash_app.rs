//! Word count as a long-lived application, for crash tests: runs against
//! `KAFKA_BOOTSTRAP_SERVERS` with the application id given as the first
//! argument (and the processing guarantee as the optional second,
//! `at_least_once` or `exactly_once_v2`) until killed (SIGKILL: no clean shutdown, on purpose) or until
//! its standard input closes (then it closes cleanly).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test helper program"
)]

use std::io::Read;
use std::time::Duration;

use kafka_streams::runtime::{KafkaStreams, StreamsConfig};

#[tokio::main]
async fn main() {
    examples::init_tracing();
    let Some(application_id) = std::env::args().nth(1) else {
        eprintln!("usage: crash_app APPLICATION_ID");
        std::process::exit(2);
    };
    let guarantee = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "at_least_once".into());
    if let Err(e) = run(&application_id, &guarantee).await {
        eprintln!("crash_app: {e}");
        std::process::exit(1);
    }
}

async fn run(
    application_id: &str,
    guarantee: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = StreamsConfig::new(application_id)
        .processing_guarantee(guarantee.parse()?)
        .num_stream_threads(2)
        .commit_interval(Duration::from_millis(100))
        // The crash tests check every update (each count from 1 to n): no
        // record cache, which would send only the latest count per commit.
        .cache_max_keys(0)
        .set("session.timeout.ms", "3000")
        .set("heartbeat.interval.ms", "300");
    let mut streams = KafkaStreams::new(examples::wordcount::topology()?, config)?;
    streams.start().await?;
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        let _ = closed_tx.send(());
    });
    let mut states = streams.state_changes();
    let mut report = tokio::time::interval(Duration::from_secs(2));
    tokio::select! {
        _ = closed_rx => {}
        _ = async {
            loop {
                report.tick().await;
                let m = streams.metrics();
                tracing::info!(processed = ?m.processed_by_topic, duplicates = m.duplicates_skipped, restored = m.records_restored, "progress");
            }
        } => {}
        _ = async {
            while states.changed().await.is_ok() {
                if states.borrow().is_terminal() { break; }
            }
        } => {}
    }
    streams.close().await?;
    Ok(())
}
