//! Helpers shared by the example programs.
#![forbid(unsafe_code)]

use kafka_client::config::BOOTSTRAP_SERVERS_ENV;

pub mod enrich;
pub mod pageviews;
pub mod wordcount;

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The bootstrap servers from `KAFKA_BOOTSTRAP_SERVERS`, or a message on how
/// to start a broker and a non-zero exit.
pub fn bootstrap_servers_or_exit() -> String {
    match std::env::var(BOOTSTRAP_SERVERS_ENV) {
        Ok(s) if !s.trim().is_empty() => s,
        _ => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "{BOOTSTRAP_SERVERS_ENV} is not set. Start a broker first, either\n  \
                     cargo run -p examples --example broker -- --topic NAME:PARTITIONS\n\
                     (it prints the line to export), or\n  \
                     docker compose up -d   # then: export {BOOTSTRAP_SERVERS_ENV}=localhost:9092"
                );
            }
            std::process::exit(2);
        }
    }
}
