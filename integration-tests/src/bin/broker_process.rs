//! An embedded Kafka cluster in a process of its own, so that tests can
//! kill and restart applications against a broker that outlives them.
//! Arguments are topics to create, `NAME:PARTITIONS` (the mock cluster
//! has no CreateTopics, so clients in other processes cannot create them).
//! Prints `KAFKA_BOOTSTRAP_SERVERS=<list>` and serves until killed or until
//! its standard input closes.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test helper program"
)]

use std::io::{Read, Write};

fn main() {
    let cluster = match kafka_client::EmbeddedKafka::start(1) {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("broker_process: {e}");
            std::process::exit(1);
        }
    };
    for spec in std::env::args().skip(1) {
        let created = spec
            .rsplit_once(':')
            .and_then(|(name, n)| Some((name, n.parse::<i32>().ok()?)))
            .ok_or_else(|| format!("`{spec}` is not NAME:PARTITIONS"))
            .and_then(|(name, n)| cluster.create_topic(name, n).map_err(|e| e.to_string()));
        if let Err(e) = created {
            eprintln!("broker_process: {e}");
            std::process::exit(2);
        }
    }
    println!("KAFKA_BOOTSTRAP_SERVERS={}", cluster.bootstrap_servers());
    let _ = std::io::stdout().flush();
    // Serve until the parent closes our stdin (or kills us).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(cluster);
}
