//! Helpers for tests that kill and restart applications: a broker in a
//! process of its own, the word count application as a process, generated
//! input, and reading the output topic back.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use examples::wordcount::OUTPUT_TOPIC;
use kafka_client::consumer::{Consumer, Offset};
use kafka_client::producer::Producer;
use kafka_client::{ClientConfig, ProducerRecord, TopicPartition};
use rand::{Rng, SeedableRng};

/// A child process, killed with SIGKILL when dropped.
#[derive(Debug)]
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `broker_process` (an embedded cluster in its own process) with
/// these topics (`NAME:PARTITIONS`); returns it and its bootstrap servers.
pub fn start_broker(program: &str, topics: &[String]) -> std::io::Result<(Process, String)> {
    let mut child = Command::new(program)
        .args(topics)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("no stdout"))?;
    let process = Process(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let servers = line
        .trim()
        .strip_prefix("KAFKA_BOOTSTRAP_SERVERS=")
        .ok_or_else(|| std::io::Error::other(format!("unexpected broker output: {line:?}")))?
        .to_string();
    Ok((process, servers))
}

/// Where the log of application run `run` goes.
pub fn app_log(tmp_dir: &str, name: &str, run: usize) -> PathBuf {
    PathBuf::from(tmp_dir).join(format!("{name}-{run}.log"))
}

/// Starts `crash_app` (word count as a long-lived application) against
/// `servers`; its log goes to `log`.
pub fn start_app(
    program: &str,
    servers: &str,
    application_id: &str,
    guarantee: &str,
    log: &PathBuf,
) -> std::io::Result<Process> {
    let log = std::fs::File::create(log)?;
    Ok(Process(
        Command::new(program)
            .args([application_id, guarantee])
            .env("KAFKA_BOOTSTRAP_SERVERS", servers)
            .env("RUST_LOG", "info,librdkafka=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stderr(log)
            .spawn()?,
    ))
}

/// Produces `lines` to `topic` in chunks of 100 every 100 ms (about 1,000
/// lines a second), in the background, so that input keeps arriving while
/// applications are killed and restarted.
pub fn feed(
    servers: &str,
    topic: &str,
    lines: Vec<String>,
) -> tokio::task::JoinHandle<kafka_client::Result<()>> {
    let config = ClientConfig::new().bootstrap_servers(servers);
    let topic = topic.to_string();
    tokio::spawn(async move {
        let producer: Producer<String, String> = Producer::new(&config)?;
        for chunk in lines.chunks(100) {
            for line in chunk {
                producer
                    .enqueue(ProducerRecord::new(topic.clone(), line.clone()))
                    .await
                    .map_err(|e| e.into_error())?;
            }
            producer.flush().await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        producer.close().await
    })
}

/// `n` lines of 3 to 8 words from a small vocabulary (Korean and accented
/// words included), the same for the same seed.
pub fn lines(n: usize, seed: u64) -> Vec<String> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let vocabulary = [
        "kafka",
        "streams",
        "rust",
        "카프카",
        "스트림즈",
        "café",
        "über",
        "log",
        "topic",
        "partition",
        "offset",
        "commit",
        "state",
        "store",
        "changelog",
        "window",
        "join",
    ];
    (0..n)
        .map(|_| {
            let words = rng.random_range(3..9);
            (0..words)
                .map(|_| vocabulary[rng.random_range(0..vocabulary.len())])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Every (word, count) update in the output topic, per word in offset order
/// within its partition; `read_committed` hides aborted transactions.
pub async fn read_output(
    servers: &str,
    read_committed: bool,
) -> kafka_client::Result<BTreeMap<String, Vec<i64>>> {
    let mut config = ClientConfig::new().bootstrap_servers(servers);
    if read_committed {
        config = config.set("isolation.level", "read_committed");
    }
    let consumer: Consumer<String, i64> = Consumer::new(&config)?;
    let partitions = consumer.partitions_for(OUTPUT_TOPIC).await?;
    let ends: BTreeMap<TopicPartition, i64> = consumer
        .end_offsets(&partitions)
        .await?
        .into_iter()
        .collect();
    let start: Vec<(TopicPartition, Offset)> = partitions
        .iter()
        .map(|tp| (tp.clone(), Offset::Beginning))
        .collect();
    consumer.assign_at(&start).await?;
    let mut remaining: BTreeSet<TopicPartition> = ends
        .iter()
        .filter(|(_, end)| **end > 0)
        .map(|(tp, _)| tp.clone())
        .collect();
    let mut updates: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut last_record = Instant::now();
    while !remaining.is_empty() {
        let Ok(record) = tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await
        else {
            // A transactional topic ends in a marker, never handed out:
            // the position passes it.
            let positions = consumer.positions()?;
            // Still open: the position (`None` orders first) is short of the end.
            remaining.retain(|tp| positions.get(tp).copied().flatten() < Some(ends[tp]));
            if last_record.elapsed() >= Duration::from_secs(10) {
                // read_committed stops before an open or aborted tail that
                // the high watermark counts: what was read is complete.
                break;
            }
            continue;
        };
        last_record = Instant::now();
        let record = record?;
        let tp = TopicPartition::new(record.topic.clone(), record.partition);
        if let (Some(word), Some(count)) = (record.key, record.value) {
            updates.entry(word).or_default().push(count);
        }
        if record.offset + 1 >= ends[&tp] {
            remaining.remove(&tp);
        }
    }
    Ok(updates)
}

/// The number after `key` in a log line, if any.
pub fn field(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}
