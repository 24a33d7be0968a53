//! Orders enriched with customer data: a stream-table join, the topology
//! of the `enrich` example, a plain recomputation to check it, and a
//! complete run on a cluster.
//!
//! [`ORDERS`] (String keys: the customer id; JSON [`Order`] values) is a
//! stream; [`CUSTOMERS`] (String keys: the customer id; JSON [`Customer`]
//! values; a compacted topic) is read as a table. Each order is joined with
//! the customer's current row (a left join: an order of an unknown customer
//! passes with no customer data) and written to [`ENRICHED`] as JSON
//! [`EnrichedOrder`]. A table update only affects orders processed after
//! it: the join looks the customer up when the order arrives, and earlier
//! results are not revised.

use std::time::Duration;

use kafka_client::serde::{Json, StringSerde};
use kafka_client::{
    Admin, ClientConfig, Consumer, ConsumerBuilder, NewTopic, Offset, Producer, ProducerRecord,
    TopicPartition,
};
use kafka_streams::runtime::{KafkaStreams, StreamsConfig};
use kafka_streams::{Consumed, Joined, Materialized, Produced, StreamsBuilder, Topology};
use serde::{Deserialize, Serialize};

/// The orders topic.
pub const ORDERS: &str = "orders";
/// The customers topic (compacted).
pub const CUSTOMERS: &str = "customers";
/// The enriched orders topic.
pub const ENRICHED: &str = "enriched-orders";
/// The application id.
pub const APPLICATION_ID: &str = "enrich-orders";
/// The store of the customers table.
pub const CUSTOMERS_STORE: &str = "customers-store";

/// An order, keyed by its customer's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order's id.
    pub id: String,
    /// The amount in cents.
    pub amount_cents: i64,
}

/// A customer row, keyed by the customer's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's name.
    pub name: String,
    /// The customer's tier ("standard", "gold", ...).
    pub tier: String,
}

/// An order with the customer's data as it was when the order was joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichedOrder {
    /// The order's id.
    pub order: String,
    /// The customer's id.
    pub customer_id: String,
    /// The amount in cents.
    pub amount_cents: i64,
    /// The customer row, if the customer was known.
    pub customer: Option<Customer>,
}

/// The topology: orders left-joined with the customers table.
pub fn topology() -> kafka_streams::Result<Topology> {
    let builder = StreamsBuilder::new();
    let customers = builder.table::<String, Customer>(
        CUSTOMERS,
        Consumed::with(StringSerde, Json::new()),
        Materialized::with(StringSerde, Json::new()).with_name(CUSTOMERS_STORE),
    );
    builder
        .stream::<String, Order>(ORDERS, Consumed::with(StringSerde, Json::new()))
        .left_join_table(
            &customers,
            |order, customer| (order.clone(), customer.cloned()),
            Joined::with(StringSerde, Json::new()),
        )
        .map(|customer_id, (order, customer)| {
            let customer_id = customer_id.cloned().unwrap_or_default();
            let enriched = EnrichedOrder {
                order: order.id.clone(),
                customer_id: customer_id.clone(),
                amount_cents: order.amount_cents,
                customer: customer.clone(),
            };
            (customer_id, enriched)
        })
        .to(ENRICHED, Produced::with(StringSerde, Json::new()));
    builder.build()
}

/// What the example does, in order: each step is processed completely
/// before the next starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A customer row (new or updated).
    Customer(String, Customer),
    /// An order of a customer.
    Order(String, Order),
}

/// The steps, in phases: customers, orders, an update of a customer,
/// more orders.
pub fn sample() -> Vec<Vec<Step>> {
    let customer = |id: &str, name: &str, tier: &str| {
        Step::Customer(
            id.to_string(),
            Customer {
                name: name.to_string(),
                tier: tier.to_string(),
            },
        )
    };
    let order = |customer: &str, id: &str, amount_cents: i64| {
        Step::Order(
            customer.to_string(),
            Order {
                id: id.to_string(),
                amount_cents,
            },
        )
    };
    vec![
        vec![
            customer("c1", "Ada", "standard"),
            customer("c2", "Grace", "gold"),
        ],
        vec![
            order("c1", "o1", 1_250),
            order("c2", "o2", 9_900),
            order("c3", "o3", 500), // an unknown customer
        ],
        vec![customer("c1", "Ada", "gold")],
        vec![order("c1", "o4", 3_000), order("c2", "o5", 120)],
    ]
}

/// The enriched orders computed directly, in order.
pub fn recompute(phases: &[Vec<Step>]) -> Vec<EnrichedOrder> {
    let mut customers = std::collections::HashMap::new();
    let mut out = Vec::new();
    for step in phases.iter().flatten() {
        match step {
            Step::Customer(id, c) => {
                customers.insert(id.clone(), c.clone());
            }
            Step::Order(id, o) => out.push(EnrichedOrder {
                order: o.id.clone(),
                customer_id: id.clone(),
                amount_cents: o.amount_cents,
                customer: customers.get(id).cloned(),
            }),
        }
    }
    out
}

/// Checks that every order after a customer update saw the updated row
/// (and that every order came out exactly once); says what is wrong.
pub fn check(phases: &[Vec<Step>], enriched: &[EnrichedOrder]) -> Result<(), String> {
    let mut current = std::collections::HashMap::new();
    for step in phases.iter().flatten() {
        match step {
            Step::Customer(id, c) => {
                current.insert(id.clone(), c.clone());
            }
            Step::Order(id, o) => {
                let found: Vec<&EnrichedOrder> =
                    enriched.iter().filter(|e| e.order == o.id).collect();
                let [e] = found.as_slice() else {
                    return Err(format!(
                        "order {} came out {} times, expected once",
                        o.id,
                        found.len()
                    ));
                };
                if e.customer.as_ref() != current.get(id) {
                    return Err(format!(
                        "order {} of customer {id} saw {:?}, but the customer was {:?} when it was produced",
                        o.id,
                        e.customer,
                        current.get(id)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A failure of a run, with what went wrong.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Runs the topology on the cluster at `servers` (fresh topics expected):
/// produces each phase (record timestamps increasing from `base_ts`),
/// waits until the application has processed it, then goes on with the
/// next; returns the enriched orders in the order they were produced
/// (sorted by timestamp across partitions).
pub async fn run(
    servers: &str,
    phases: &[Vec<Step>],
    base_ts: i64,
) -> Result<Vec<EnrichedOrder>, Failure> {
    let client = ClientConfig::new().bootstrap_servers(servers);
    let admin = Admin::new(&client)?;
    admin
        .create_topic_if_missing(&NewTopic::new(CUSTOMERS, 2).config("cleanup.policy", "compact"))
        .await?;
    for topic in [ORDERS, ENRICHED] {
        admin
            .create_topic_if_missing(&NewTopic::new(topic, 2))
            .await?;
    }
    let config = StreamsConfig::new(APPLICATION_ID)
        .bootstrap_servers(servers)
        .num_stream_threads(1)
        .commit_interval(Duration::from_millis(100))
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500");
    let mut streams = KafkaStreams::new(topology()?, config)?;
    streams.start().await?;
    let outcome = produce_phases(&client, &streams, phases, base_ts).await;
    streams.close().await?;
    outcome
}

async fn produce_phases(
    client: &ClientConfig,
    streams: &KafkaStreams,
    phases: &[Vec<Step>],
    base_ts: i64,
) -> Result<Vec<EnrichedOrder>, Failure> {
    let customers: Producer<String, Customer> = Producer::builder(client)
        .key_serde(StringSerde)
        .value_serde(Json::<Customer>::new())
        .build()?;
    let orders: Producer<String, Order> = Producer::builder(client)
        .key_serde(StringSerde)
        .value_serde(Json::<Order>::new())
        .build()?;
    let mut ts = base_ts;
    for phase in phases {
        for step in phase {
            ts += 1;
            match step {
                Step::Customer(id, c) => {
                    let record = ProducerRecord::new(CUSTOMERS, c.clone()).key(id.clone());
                    customers.send(record.timestamp(ts)).await?;
                }
                Step::Order(id, o) => {
                    let record = ProducerRecord::new(ORDERS, o.clone()).key(id.clone());
                    orders.send(record.timestamp(ts)).await?;
                }
            }
        }
        streams
            .wait_until_caught_up(Duration::from_secs(60))
            .await?;
    }
    read_enriched(client).await
}

/// Reads [`ENRICHED`] to its current end, ordered by record timestamp.
async fn read_enriched(client: &ClientConfig) -> Result<Vec<EnrichedOrder>, Failure> {
    let consumer: Consumer<String, EnrichedOrder> =
        ConsumerBuilder::with_deserializers(client, StringSerde, Json::<EnrichedOrder>::new())
            .build()?;
    let partitions: Vec<TopicPartition> = consumer.partitions_for(ENRICHED).await?;
    let mut remaining = Vec::new();
    for tp in &partitions {
        let (low, high) = consumer.watermarks(tp).await?;
        if high > low {
            remaining.push((tp.partition(), high));
        }
    }
    let starts: Vec<(TopicPartition, Offset)> = partitions
        .iter()
        .map(|tp| (tp.clone(), Offset::Beginning))
        .collect();
    consumer.assign_at(&starts).await?;
    let mut out = Vec::new();
    while !remaining.is_empty() {
        let record = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .map_err(|_| {
                format!("no record from {ENRICHED} within 30 s while reading it to its end")
            })??;
        if let Some(value) = record.value {
            out.push((record.timestamp.unwrap_or_default(), value));
        }
        let next = record.offset + 1;
        remaining.retain(|(p, high)| !(*p == record.partition && next >= *high));
    }
    consumer.close().await?;
    out.sort_by_key(|(ts, _)| *ts);
    Ok(out.into_iter().map(|(_, e)| e).collect())
}
