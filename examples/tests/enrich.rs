//! The enrich topology: on the test driver against a recomputation, and
//! one complete run on the embedded cluster.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use examples::enrich::{self, Customer, EnrichedOrder, Order, Step, CUSTOMERS, ENRICHED, ORDERS};
use kafka_client::serde::{Json, StringSerde};
use kafka_client::EmbeddedKafka;
use kafka_streams::test_driver::TopologyTestDriver;

fn on_driver(phases: &[Vec<Step>]) -> Vec<EnrichedOrder> {
    let driver = TopologyTestDriver::new(enrich::topology().unwrap()).unwrap();
    let customers = driver.create_input_topic(CUSTOMERS, StringSerde, Json::<Customer>::new());
    let orders = driver.create_input_topic(ORDERS, StringSerde, Json::<Order>::new());
    let out = driver.create_output_topic(ENRICHED, StringSerde, Json::<EnrichedOrder>::new());
    for (ts, step) in phases.iter().flatten().enumerate() {
        match step {
            Step::Customer(id, c) => customers.pipe_input_at(id.clone(), c.clone(), ts as i64),
            Step::Order(id, o) => orders.pipe_input_at(id.clone(), o.clone(), ts as i64),
        }
        .unwrap();
    }
    out.read_values_to_list().unwrap()
}

#[test]
fn orders_see_the_customer_row_current_when_they_arrive() {
    let phases = enrich::sample();
    let got = on_driver(&phases);
    assert_eq!(got, enrich::recompute(&phases));
    enrich::check(&phases, &got).unwrap();
    // o1 saw Ada as standard, o4 (after the update) as gold; o3 no customer.
    let tier = |order: &str| {
        got.iter()
            .find(|e| e.order == order)
            .and_then(|e| e.customer.as_ref().map(|c| c.tier.clone()))
    };
    assert_eq!(tier("o1").as_deref(), Some("standard"));
    assert_eq!(tier("o4").as_deref(), Some("gold"));
    assert_eq!(tier("o3"), None);
}

#[test]
fn the_check_catches_a_stale_customer_row() {
    let phases = enrich::sample();
    let mut stale = enrich::recompute(&phases);
    let o4 = stale.iter_mut().find(|e| e.order == "o4").unwrap();
    o4.customer.as_mut().unwrap().tier = "standard".to_string();
    assert!(enrich::check(&phases, &stale).unwrap_err().contains("o4"));
    stale.pop();
    assert!(enrich::check(&phases, &stale).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_enriched_on_the_embedded_cluster() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    let phases = enrich::sample();
    let got = enrich::run(cluster.bootstrap_servers(), &phases, 1_700_000_000_000)
        .await
        .unwrap();
    enrich::check(&phases, &got).unwrap();
    assert_eq!(got, enrich::recompute(&phases));
}
