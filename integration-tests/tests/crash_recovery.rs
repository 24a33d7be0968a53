//! At-least-once, proven under crashes: word count against a broker process
//! that outlives the application, SIGKILLed several times at random moments
//! and restarted. Every word's final count must be exact and no update may be
//! lost; repeated updates (the records between the last commit and a kill
//! are processed again) are allowed, counted and reported.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use examples::wordcount::{self, INPUT_TOPIC, OUTPUT_TOPIC, STORE};
use kafka_client::consumer::{Consumer, Offset};
use kafka_client::producer::Producer;
use kafka_client::{ClientConfig, ProducerRecord, TopicPartition};
use kafka_streams::topology::{changelog_topic_name, repartition_topic_name};
use rand::{Rng, SeedableRng};

/// A child process killed (SIGKILL) when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_broker(topics: &[String]) -> (Process, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_broker_process"))
        .args(topics)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let servers = line
        .trim()
        .strip_prefix("KAFKA_BOOTSTRAP_SERVERS=")
        .unwrap_or_else(|| panic!("unexpected broker output: {line:?}"))
        .to_string();
    (Process(child), servers)
}

/// Starts the application; its log goes to `target/crash-app-<run>.log`.
fn start_app(servers: &str, application_id: &str, run: usize) -> Process {
    let log_path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("crash-app-{run}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    Process(
        Command::new(env!("CARGO_BIN_EXE_crash_app"))
            .arg(application_id)
            .env("KAFKA_BOOTSTRAP_SERVERS", servers)
            .env("RUST_LOG", "info,librdkafka=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}

fn lines(n: usize, seed: u64) -> Vec<String> {
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
/// within its partition.
async fn read_output(servers: &str) -> BTreeMap<String, Vec<i64>> {
    let config = ClientConfig::new().bootstrap_servers(servers);
    let consumer: Consumer<String, i64> = Consumer::new(&config).unwrap();
    let partitions = consumer.partitions_for(OUTPUT_TOPIC).await.unwrap();
    let mut ends = BTreeMap::new();
    for tp in &partitions {
        ends.insert(tp.clone(), consumer.watermarks(tp).await.unwrap().1);
    }
    let start: Vec<(TopicPartition, Offset)> = partitions
        .iter()
        .map(|tp| (tp.clone(), Offset::Beginning))
        .collect();
    consumer.assign_at(&start).await.unwrap();
    let mut remaining: BTreeSet<TopicPartition> = ends
        .iter()
        .filter(|(_, end)| **end > 0)
        .map(|(tp, _)| tp.clone())
        .collect();
    let mut updates: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    while !remaining.is_empty() {
        let record = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .expect("output records stopped arriving")
            .unwrap();
        let tp = TopicPartition::new(record.topic.clone(), record.partition);
        if let (Some(word), Some(count)) = (record.key, record.value) {
            updates.entry(word).or_default().push(count);
        }
        if record.offset + 1 >= ends[&tp] {
            remaining.remove(&tp);
        }
    }
    updates
}

/// The number after `key` in a log line, if any.
fn field(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_count_survives_repeated_sigkill_with_exact_final_counts() {
    let application_id = "crash-wordcount";
    // The broker runs in its own process, where its topics are created: the
    // mock cluster has no CreateTopics for the application to use.
    let topics: Vec<String> = [
        INPUT_TOPIC.to_string(),
        OUTPUT_TOPIC.to_string(),
        repartition_topic_name(application_id, STORE),
        changelog_topic_name(application_id, STORE),
    ]
    .iter()
    .map(|t| format!("{t}:4"))
    .collect();
    let (_broker, servers) = start_broker(&topics);
    let input = lines(20_000, 42);
    let expected = wordcount::recompute(input.iter().map(String::as_str));
    let total_words: i64 = expected.values().sum();

    // Input keeps arriving (about 1,000 lines a second) while the
    // application is killed at random moments and restarted.
    let producer: Producer<String, String> =
        Producer::new(&ClientConfig::new().bootstrap_servers(servers.clone())).unwrap();
    let feeder = {
        let input = input.clone();
        tokio::spawn(async move {
            for chunk in input.chunks(100) {
                for line in chunk {
                    producer
                        .enqueue(ProducerRecord::new(INPUT_TOPIC, line.clone()))
                        .await
                        .unwrap();
                }
                producer.flush().await.unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut kills = 0;
    while kills < 5 {
        let app = start_app(&servers, application_id, kills);
        // Joining takes a few seconds after a kill (the dead members'
        // sessions must expire first); then it processes for a while.
        let alive = Duration::from_millis(rng.random_range(3_000..7_000));
        tokio::time::sleep(alive).await;
        drop(app); // SIGKILL
        kills += 1;
    }
    feeder.await.unwrap();

    // A last run, left alone until the output holds every word's final count.
    let app = start_app(&servers, application_id, kills);
    let deadline = Instant::now() + Duration::from_secs(120);
    let updates = loop {
        let updates = read_output(&servers).await;
        let done = expected
            .iter()
            .all(|(w, n)| updates.get(w).and_then(|u| u.last()) == Some(n));
        if done || Instant::now() > deadline {
            break updates;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    drop(app);

    let finals: BTreeMap<String, i64> = updates
        .iter()
        .filter_map(|(w, u)| u.last().map(|c| (w.clone(), *c)))
        .collect();
    assert_eq!(finals, expected, "final counts after {kills} kills");
    // No update lost: every count from 1 to the final one was emitted.
    for (word, counts) in &updates {
        let seen: BTreeSet<i64> = counts.iter().copied().collect();
        let missing: Vec<i64> = (1..=expected[word]).filter(|c| !seen.contains(c)).collect();
        assert!(
            missing.is_empty(),
            "{word}: updates {missing:?} never emitted"
        );
    }
    // How often the recovery paths ran, from the applications' logs.
    let (mut corrected, mut skipped) = (0u64, 0u64);
    for run in 0..=kills {
        let path =
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("crash-app-{run}.log"));
        let log = std::fs::read_to_string(path).unwrap_or_default();
        for line in log.lines() {
            if let Some(n) = field(line, "corrections=") {
                corrected += n;
            }
        }
        skipped += log
            .lines()
            .filter_map(|l| field(l, "duplicates="))
            .max()
            .unwrap_or(0);
    }
    let emitted: usize = updates.values().map(Vec::len).sum();
    let repeated = emitted as i64 - total_words;
    eprintln!(
        "crash test: {kills} SIGKILLs, {} lines, {total_words} words, {emitted} updates emitted, {repeated} repeated ({:.2}%), {corrected} changelog records corrected on restore, {skipped} duplicate repartition records skipped",
        input.len(),
        repeated as f64 * 100.0 / total_words as f64
    );
    assert!(repeated >= 0);
}
