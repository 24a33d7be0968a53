//! Consumer throughput: the typed `Consumer` against rdkafka's
//! `BaseConsumer`, both reading the same prepared topic from the beginning
//! by manual assignment (no group join in the measurement).

use std::time::{Duration, Instant};

use kafka_client::{Consumer, Offset, TopicPartition};
use rdkafka::consumer::{BaseConsumer, Consumer as _};
use rdkafka::{Offset as RdOffset, TopicPartitionList};

use crate::cluster::{partitions_for, BenchCluster};
use crate::cpu::thread_cpu;
use crate::raw::PolledProducer;
use crate::stats::{median, turns, Measured};
use crate::{Failure, Plan};

/// Fails a round that has not read everything in this long.
const ROUND_TIMEOUT: Duration = Duration::from_secs(300);

/// Settings both sides share. librdkafka's prefetch limits stay at their
/// defaults (100,000 messages or 64 MiB queued in the consumer, counted
/// across all partitions), with the typed consumer's default
/// `fetch.queue.backoff.ms` (10 ms; librdkafka's is 1 s, which once the
/// queue is full idles a fast reader for most of a second).
///
/// Earlier rounds raised the limits instead (`queued.min.messages` 10
/// million), which let the queue hold most of the topic: both readers then
/// spent their time in glibc growing and trimming librdkafka's heap (page
/// faults, `mprotect`, arena lock waits), and the typed reader, which read
/// a little slower and so let the queue grow deeper, lost more to it.
const SHARED: [(&str, &str); 1] = [("fetch.queue.backoff.ms", "10")];

/// One reader's round: how long it took, and the CPU time its thread spent
/// (the same span).
#[derive(Debug, Clone, Copy)]
struct Read {
    took: Duration,
    cpu: Duration,
}

/// Measures a read that starts now.
#[derive(Debug)]
struct ReadClock {
    started: Instant,
    cpu: Duration,
}

impl ReadClock {
    fn start() -> Result<Self, Failure> {
        Ok(ReadClock {
            cpu: thread_cpu()?,
            started: Instant::now(),
        })
    }

    fn stop(self) -> Result<Read, Failure> {
        let took = self.started.elapsed();
        Ok(Read {
            took,
            cpu: thread_cpu()?.saturating_sub(self.cpu),
        })
    }
}

/// Runs the consumer rows. Besides the rows, a note with each reader's CPU
/// time per record (its own thread's; the median of the rounds): throughput
/// also moves with librdkafka's fetcher and the other threads of a busy
/// machine, the reader's CPU time less so (it still drifts between builds
/// and days; BENCHMARKS.md).
pub(crate) async fn run(
    cluster: &BenchCluster,
    plan: &Plan,
) -> Result<(Vec<Measured>, String), Failure> {
    let records = plan.consumer_records;
    let topic = cluster.name("bench-consume");
    let partitions = partitions_for(records * (plan.value_size as u64 + 80));
    cluster.create_topic(&topic, partitions).await?;
    prepare(cluster, &topic, partitions, plan.value_size, records).await?;
    // The embedded cluster may drop old records (5 MiB per partition);
    // check that none were. (Not on other brokers: tansu's ListOffsets
    // answers wrong end offsets, see docs/brokers.md.)
    let readable = if cluster.is_embedded() {
        cluster.readable_records(&topic)?
    } else {
        records as i64
    };
    if readable != records as i64 {
        return Err(
            format!("{topic}: {readable} records readable after producing {records}").into(),
        );
    }

    let name = format!(
        "consumer ({} B values, {records} records, {partitions} partitions)",
        plan.value_size
    );
    let mut typed = Measured::new(&name, "kafka-client Consumer::recv", "records/s", false);
    let mut lent = Measured::new(
        &name,
        "kafka-client Consumer::recv_with",
        "records/s",
        false,
    );
    let mut raw = Measured::new(&name, "rdkafka BaseConsumer::poll", "records/s", true);
    let mut detached = Measured::new(
        &name,
        "rdkafka BaseConsumer::poll + detach",
        "records/s",
        false,
    );
    let mut cpu: [Vec<f64>; 4] = Default::default();
    for round in 0..plan.rounds {
        for (index, side) in turns(SIDES.len(), round).map(|i| (i, SIDES[i])) {
            let (read, row) = match side {
                Side::Typed => (
                    typed_read(cluster, &topic, partitions, records, false).await?,
                    &mut typed,
                ),
                Side::Lent => (
                    typed_read(cluster, &topic, partitions, records, true).await?,
                    &mut lent,
                ),
                Side::Raw => (
                    raw_read(cluster, &topic, partitions, records, false).await?,
                    &mut raw,
                ),
                Side::RawOwned => (
                    raw_read(cluster, &topic, partitions, records, true).await?,
                    &mut detached,
                ),
            };
            row.push(records, read.took);
            cpu[index].push(read.cpu.as_nanos() as f64 / records as f64);
        }
        tracing::info!(
            round,
            typed = ?typed.rates.last(),
            lent = ?lent.rates.last(),
            raw = ?raw.rates.last(),
            detached = ?detached.rates.last(),
            "consumer round"
        );
    }
    let per_record: Vec<String> = SIDES
        .iter()
        .zip(&cpu)
        .map(|(side, nanos)| format!("{} {:.0} ns", side.name(), median(nanos)))
        .collect();
    let note = format!(
        "Consumer readers' CPU time per record (their own thread, median of {} rounds): {}.",
        plan.rounds,
        per_record.join(", ")
    );
    eprintln!("benchmarks: {note}");
    Ok((vec![raw, typed, lent, detached], note))
}

/// The four readers of a round.
#[derive(Debug, Clone, Copy)]
enum Side {
    Typed,
    Lent,
    Raw,
    /// The raw reader taking each message as an owned copy, as the typed
    /// `recv` hands out owned records.
    RawOwned,
}

/// The readers, which take turns going first.
const SIDES: [Side; 4] = [Side::Typed, Side::Lent, Side::Raw, Side::RawOwned];

impl Side {
    /// The reader's name in the CPU note.
    fn name(self) -> &'static str {
        match self {
            Side::Typed => "recv",
            Side::Lent => "recv_with",
            Side::Raw => "BaseConsumer::poll",
            Side::RawOwned => "poll + detach",
        }
    }
}

async fn prepare(
    cluster: &BenchCluster,
    topic: &str,
    partitions: i32,
    size: usize,
    records: u64,
) -> Result<(), Failure> {
    let mut config = cluster.rd_config();
    config.set("linger.ms", "20");
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || -> Result<(), Failure> {
        let producer = PolledProducer::new(&config)?;
        let value = vec![b'x'; size];
        // Round-robin, so that every partition holds its share (the
        // embedded cluster keeps only 5 MiB per partition).
        for i in 0..records {
            producer.send(&topic, Some((i % partitions as u64) as i32), None, &value)?;
        }
        producer.flush()
    })
    .await?
}

/// Reads every record with the typed consumer on a fresh thread of its own
/// (with a single-threaded async runtime), as the raw reader does: which
/// thread reads decides which glibc malloc arena frees librdkafka's
/// messages, and the process's main thread is not like the others.
async fn typed_read(
    cluster: &BenchCluster,
    topic: &str,
    partitions: i32,
    records: u64,
    lend: bool,
) -> Result<Read, Failure> {
    let mut config = cluster.client_config();
    for (key, value) in SHARED {
        config = config.set(key, value);
    }
    let group = cluster.name("bench-typed-consumer");
    let topic = topic.to_string();
    on_own_thread("bench-typed-reader", move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let consumer: Consumer<Vec<u8>, Vec<u8>> =
                Consumer::builder(&config).group_id(group).build()?;
            let all: Vec<(TopicPartition, Offset)> = (0..partitions)
                .map(|p| (TopicPartition::new(&topic, p), Offset::At(0)))
                .collect();
            let clock = ReadClock::start()?;
            consumer.assign_at(&all).await?;
            let mut bytes = 0usize;
            let read = async {
                for _ in 0..records {
                    bytes += if lend {
                        // Every field, read in place (as the raw reader does).
                        consumer
                            .recv_with(|record| {
                                record.value().map_or(0, <[u8]>::len)
                                    + record.key().map_or(0, <[u8]>::len)
                                    + record.headers().count()
                                    + record.topic().len()
                                    + usize::from(record.timestamp().is_some())
                            })
                            .await?
                    } else {
                        let record = consumer.recv().await?;
                        record.value.map_or(0, |v| v.len())
                    };
                }
                Ok::<_, Failure>(())
            };
            tokio::time::timeout(ROUND_TIMEOUT, read)
                .await
                .map_err(|_| {
                    format!("typed consumer: not all {records} records read in {ROUND_TIMEOUT:?}")
                })??;
            let read = clock.stop()?;
            if bytes == 0 {
                return Err("typed consumer read no bytes".into());
            }
            Ok(read)
        })
    })
    .await
}

/// Runs `read` on a new OS thread named `name` and waits for its result.
async fn on_own_thread(
    name: &str,
    read: impl FnOnce() -> Result<Read, Failure> + Send + 'static,
) -> Result<Read, Failure> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let _ = done.send(read());
        })?;
    result
        .await
        .map_err(|_| Failure::from(format!("{name}: the reading thread panicked")))?
}

async fn raw_read(
    cluster: &BenchCluster,
    topic: &str,
    partitions: i32,
    records: u64,
    owned: bool,
) -> Result<Read, Failure> {
    let mut config = cluster.rd_config();
    config.set("group.id", cluster.name("bench-raw-consumer"));
    config.set("enable.auto.commit", "false");
    for (key, value) in SHARED {
        config.set(key, value);
    }
    let topic = topic.to_string();
    on_own_thread("bench-raw-reader", move || {
        let consumer: BaseConsumer = config.create()?;
        let mut list = TopicPartitionList::new();
        for p in 0..partitions {
            list.add_partition_offset(&topic, p, RdOffset::Offset(0))?;
        }
        let clock = ReadClock::start()?;
        consumer.assign(&list)?;
        let mut read = 0u64;
        let mut bytes = 0usize;
        while read < records {
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(message)) if owned => {
                    // rdkafka's owned copy (topic, key, value, headers),
                    // dropped once read, as `recv`'s record is.
                    bytes += every_field(&message.detach());
                    read += 1;
                }
                Some(Ok(message)) => {
                    // Every field the typed record carries, read in place.
                    bytes += every_field(&message);
                    read += 1;
                }
                Some(Err(error)) => return Err(error.into()),
                None => {
                    if clock.started.elapsed() > ROUND_TIMEOUT {
                        return Err(format!(
                            "raw consumer: {read} of {records} records read in {ROUND_TIMEOUT:?}"
                        )
                        .into());
                    }
                }
            }
        }
        let read = clock.stop()?;
        if bytes == 0 {
            return Err("raw consumer read no bytes".into());
        }
        Ok(read)
    })
    .await
}

/// Reads every field the typed record carries: the value's and key's
/// lengths, the header count, the topic's length and whether there is a
/// timestamp.
fn every_field(message: &impl rdkafka::Message) -> usize {
    use rdkafka::message::Headers as _;
    message.payload().map_or(0, <[u8]>::len)
        + message.key().map_or(0, <[u8]>::len)
        + message.headers().map_or(0, |h| h.count())
        + message.topic().len()
        + usize::from(message.timestamp().to_millis().is_some())
}
