//! A consumer group that grows and shrinks while records flow, on the
//! embedded cluster (no broker or environment needed):
//!
//!   cargo run -p examples --example rebalance [-- --protocol cooperative|kip848] [--records N]
//!
//! Three members join one after the other, then two leave, while a producer
//! writes N records to a 6-partition topic. Each member prints its
//! assignment whenever it changes and commits what it consumed when
//! partitions are taken away (its rebalance listener's `on_revoked`), so the
//! next owner starts exactly where it stopped. At the end every produced
//! record must have been consumed exactly once; the program says so and
//! exits non-zero if not.
//!
//! Protocols: `cooperative` is the classic protocol with the
//! cooperative-sticky assignor (only moved partitions are revoked); `kip848`
//! is Kafka's newer `group.protocol=consumer`. The eager assignors are left
//! out on purpose: librdkafka's embedded cluster refuses offset commits while
//! a group re-forms, which is exactly when an eager member is asked to give
//! its partitions back (a real broker accepts them).
#![allow(clippy::print_stdout, clippy::print_stderr)] // a program talking to its user

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use kafka_client::consumer::{
    async_trait, Consumer, ListenerError, OffsetReset, RebalanceHandle, RebalanceListener,
};
use kafka_client::{ClientConfig, EmbeddedKafka, Producer, ProducerRecord, TopicPartition};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

const TOPIC: &str = "rebalance-demo";
const PARTITIONS: i32 = 6;
const GROUP: &str = "rebalance-demo-group";

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Protocol {
    /// Classic group protocol, cooperative-sticky assignor.
    Cooperative,
    /// KIP-848 (`group.protocol=consumer`).
    Kip848,
}

/// Grows and shrinks a consumer group while records flow, and checks that
/// every record is consumed exactly once.
#[derive(Debug, Parser)]
#[command(name = "rebalance")]
struct Args {
    /// The group protocol.
    #[arg(long, value_enum, default_value_t = Protocol::Cooperative)]
    protocol: Protocol,
    /// How many records to produce.
    #[arg(long, default_value_t = 3000)]
    records: usize,
}

/// A consumed record: who got it, and where it was.
type Consumed = (&'static str, i32, i64);

#[tokio::main]
async fn main() -> ExitCode {
    examples::init_tracing();
    let args = Args::parse();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("rebalance: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> kafka_client::Result<bool> {
    let started = Instant::now();
    let cluster = EmbeddedKafka::start(1)?;
    cluster.create_topic(TOPIC, PARTITIONS)?;
    let config = cluster.client_config();
    println!(
        "{TOPIC}: {PARTITIONS} partitions, group {GROUP}, {:?} protocol, {} records",
        args.protocol, args.records
    );

    let producing = tokio::spawn(produce(config.clone(), args.records));
    let (sink, mut consumed_rx) = mpsc::unbounded_channel::<Consumed>();

    // Who joins and leaves when, while the producer writes.
    let mut members = BTreeMap::new();
    for (at, name) in [(0, "member-1"), (3, "member-2"), (6, "member-3")] {
        sleep_until(started, at).await;
        members.insert(
            name,
            Member::join(&config, name, args.protocol, started, sink.clone()).await?,
        );
    }
    for (at, name) in [(9, "member-1"), (12, "member-2")] {
        sleep_until(started, at).await;
        if let Some(member) = members.remove(name) {
            println!("{} {name} leaves", stamp(started));
            member.leave().await;
        }
    }
    drop(sink);

    let produced = match producing.await {
        Ok(produced) => produced?,
        Err(e) => {
            return Err(kafka_client::Error::Embedded(format!(
                "the producer task failed: {e}"
            )))
        }
    };
    // Let the last member catch up, then stop it.
    let mut consumed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while distinct(&consumed) < produced.len() && Instant::now() < deadline {
        if let Ok(Some(record)) =
            tokio::time::timeout(Duration::from_millis(200), consumed_rx.recv()).await
        {
            consumed.push(record);
        }
    }
    for (name, member) in members {
        println!("{} {name} leaves", stamp(started));
        member.leave().await;
    }
    while let Some(record) = consumed_rx.recv().await {
        consumed.push(record);
    }
    Ok(report(&produced, &consumed, started))
}

async fn sleep_until(started: Instant, second: u64) {
    tokio::time::sleep_until((started + Duration::from_secs(second)).into()).await;
}

fn stamp(started: Instant) -> String {
    format!("[{:>5.1}s]", started.elapsed().as_secs_f64())
}

fn distinct(consumed: &[Consumed]) -> usize {
    consumed
        .iter()
        .map(|(_, p, o)| (*p, *o))
        .collect::<BTreeSet<_>>()
        .len()
}

/// Writes `count` keyed records over about twelve seconds; returns where each landed.
async fn produce(config: ClientConfig, count: usize) -> kafka_client::Result<BTreeSet<(i32, i64)>> {
    let producer: Producer<String, String> = Producer::new(&config)?;
    let mut pending = Vec::with_capacity(count);
    let batches = 120;
    for i in 0..count {
        let record =
            ProducerRecord::new(TOPIC, format!("record-{i}")).key(format!("key-{}", i % 97));
        pending.push(producer.send_async(record).await.map_err(|e| e.error)?);
        if (i + 1) % count.div_ceil(batches) == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    producer.flush().await?;
    let mut landed = BTreeSet::new();
    for delivery in pending {
        let metadata = delivery.await.map_err(|failure| failure.error)?;
        landed.insert((metadata.partition, metadata.offset));
    }
    producer.close().await?;
    Ok(landed)
}

/// Prints what each member holds as it changes, and commits on revoke.
struct AssignmentPrinter {
    name: &'static str,
    started: Instant,
    held: Mutex<BTreeSet<i32>>,
}

impl AssignmentPrinter {
    fn show(&self, sign: char, partitions: &[TopicPartition], note: &str) {
        let changed: Vec<i32> = partitions.iter().map(TopicPartition::partition).collect();
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        for p in &changed {
            if sign == '+' {
                held.insert(*p);
            } else {
                held.remove(p);
            }
        }
        println!(
            "{} {} {sign}{changed:?} -> holds {:?}{note}",
            stamp(self.started),
            self.name,
            held.iter().collect::<Vec<_>>()
        );
    }
}

#[async_trait]
impl RebalanceListener for AssignmentPrinter {
    async fn on_assigned(
        &self,
        partitions: &[TopicPartition],
        _: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        if !partitions.is_empty() {
            self.show('+', partitions, "");
        }
        Ok(())
    }

    async fn on_revoked(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        // Commit everything handed out so far, before the partitions move.
        let result = consumer.commit().await;
        self.show(
            '-',
            partitions,
            if result.is_ok() {
                " (committed)"
            } else {
                " (COMMIT FAILED)"
            },
        );
        Ok(result?)
    }

    async fn on_lost(
        &self,
        partitions: &[TopicPartition],
        _: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        self.show('-', partitions, " (lost: not committed)");
        Ok(())
    }
}

/// A group member consuming in its own task until told to leave.
struct Member {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Member {
    async fn join(
        config: &ClientConfig,
        name: &'static str,
        protocol: Protocol,
        started: Instant,
        sink: mpsc::UnboundedSender<Consumed>,
    ) -> kafka_client::Result<Member> {
        println!("{} {name} joins", stamp(started));
        let builder = Consumer::<String, String>::builder(config)
            .group_id(GROUP)
            .auto_offset_reset(OffsetReset::Earliest)
            .rebalance_listener(AssignmentPrinter {
                name,
                started,
                held: Mutex::new(BTreeSet::new()),
            });
        let builder = match protocol {
            // The embedded cluster waits `session.timeout.ms - 1000` for
            // members to rejoin on every rebalance: keep it short here.
            Protocol::Cooperative => builder
                .cooperative()
                .set("session.timeout.ms", "2500")
                .set("heartbeat.interval.ms", "250"),
            Protocol::Kip848 => builder.set("group.protocol", "consumer"),
        };
        let consumer = builder.build()?;
        consumer.subscribe(&[TOPIC]).await?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    received = consumer.recv() => match received {
                        Ok(record) => {
                            // "Processing" a record is reporting it; the next
                            // recv (or a revoke) then counts it as done.
                            if sink.send((name, record.partition, record.offset)).is_err() {
                                break;
                            }
                        }
                        Err(error) => eprintln!("{} {name}: {error}", stamp(started)),
                    },
                }
            }
            if let Err(error) = consumer.close().await {
                eprintln!("{} {name}: closing: {error}", stamp(started));
            }
        });
        Ok(Member { stop, task })
    }

    async fn leave(self) {
        let _ = self.stop.send(());
        if let Err(error) = self.task.await {
            eprintln!("a member's task failed: {error}");
        }
    }
}

/// Prints the tally; true when every produced record was consumed once.
fn report(produced: &BTreeSet<(i32, i64)>, consumed: &[Consumed], started: Instant) -> bool {
    let mut times: BTreeMap<(i32, i64), usize> = BTreeMap::new();
    let mut per_member: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, partition, offset) in consumed {
        *times.entry((*partition, *offset)).or_default() += 1;
        *per_member.entry(name).or_default() += 1;
    }
    let duplicates: usize = times.values().map(|n| n - 1).sum();
    let missing = produced.iter().filter(|at| !times.contains_key(at)).count();
    let unexpected = times.keys().filter(|at| !produced.contains(at)).count();
    println!("{} done", stamp(started));
    for (name, count) in &per_member {
        println!("  {name} consumed {count}");
    }
    println!(
        "produced {}, consumed {} ({} distinct): {duplicates} duplicates, {missing} missing, {unexpected} unexpected",
        produced.len(),
        consumed.len(),
        times.len()
    );
    let exactly_once = duplicates == 0 && missing == 0 && unexpected == 0;
    if exactly_once {
        println!("every record was consumed exactly once");
    } else {
        println!("FAILED: records were lost or consumed twice");
    }
    exactly_once
}
