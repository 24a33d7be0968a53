//! Orders enriched with customer data: a stream-table join on the
//! embedded cluster.
//!
//!     cargo run -p examples --example enrich
//!
//! Starts an embedded cluster, creates `customers` (compacted, read as a
//! table), `orders` and `enriched-orders`, then produces, waiting after
//! each phase until the application has processed it: two customers,
//! three orders (one of an unknown customer), an update of customer `c1`
//! (now "gold"), two more orders. Prints every enriched order in order
//! (`order<TAB>customer<TAB>amount<TAB>name<TAB>tier`) and exits non-zero
//! if an order produced after the update did not see the new customer
//! data (or any order is missing or duplicated).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

use examples::enrich::{self, Failure};
use kafka_client::EmbeddedKafka;

#[tokio::main]
async fn main() {
    examples::init_tracing();
    match run().await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("enrich: {e}");
            std::process::exit(2);
        }
    }
}

async fn run() -> Result<bool, Failure> {
    let cluster = EmbeddedKafka::start(1)?;
    let phases = enrich::sample();
    let enriched = enrich::run(cluster.bootstrap_servers(), &phases, 1_700_000_000_000).await?;
    for e in &enriched {
        let (name, tier) = e
            .customer
            .as_ref()
            .map_or(("-", "-"), |c| (c.name.as_str(), c.tier.as_str()));
        println!(
            "{}\t{}\t{}.{:02}\t{name}\t{tier}",
            e.order,
            e.customer_id,
            e.amount_cents / 100,
            e.amount_cents % 100
        );
    }
    match enrich::check(&phases, &enriched) {
        Ok(()) => {
            eprintln!("enrich: ok, every order saw the customer data current when it was produced");
            Ok(true)
        }
        Err(problem) => {
            eprintln!("enrich: FAILED: {problem}");
            Ok(false)
        }
    }
}
