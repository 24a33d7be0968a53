//! Interop with an independent client, kafka-python (PyPI), against the
//! broker under test: records our producer writes are read by kafka-python
//! with the same keys, values, headers, timestamps and partitions (the
//! partitions its murmur2 `DefaultPartitioner` picks), and records
//! kafka-python writes are read the same by our consumer.
//!
//! kafka-python is installed into a virtualenv under the target dir on
//! first use; without `python3 -m venv` or PyPI the tests are skipped with
//! a message saying why.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use integration_tests::support::init_tracing;
use integration_tests::TestBroker;
use kafka_client::consumer::{Consumer, Offset};
use kafka_client::producer::{partition_for_key, Producer};
use kafka_client::{ProducerRecord, TopicPartition};

const KAFKA_PYTHON: &str = "kafka-python==3.0.12";
const PARTITIONS: i32 = 6;
const COUNT: usize = 40;
const BASE_TS: i64 = 1_650_000_000_000;

/// One record as either side saw it, every byte field raw.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    partition: i32,
    offset: i64,
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

fn skip(scenario: &str, why: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("SKIPPED {scenario}: {why}");
    }
}

/// The virtualenv's python with kafka-python, installing it on first use
/// (once per target dir); `Err` says why it cannot be had.
fn kafka_python() -> Result<PathBuf, String> {
    static VENV: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = VENV.lock().unwrap_or_else(|e| e.into_inner());
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kafka-python-venv");
    let python = venv.join("bin").join("python");
    let has_it = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                "import kafka, sys; sys.exit(kafka.__version__ != '3.0.12')",
            ])
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_it(&python) {
        return Ok(python);
    }
    let run = |command: &mut Command, what: &str| -> Result<(), String> {
        let out = command
            .output()
            .map_err(|e| format!("{what}: could not run: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ))
        }
    };
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    )?;
    run(
        Command::new(venv.join("bin").join("pip")).args(["install", "-q", KAFKA_PYTHON]),
        &format!("pip install {KAFKA_PYTHON}"),
    )?;
    if has_it(&python) {
        Ok(python)
    } else {
        Err(format!("{KAFKA_PYTHON} did not import after installing"))
    }
}

fn peer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/interop/kafka_python_peer.py")
}

fn unhex(field: &str) -> Option<Vec<u8>> {
    if field == "-" {
        return None;
    }
    Some(
        (0..field.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&field[i..i + 2], 16).unwrap())
            .collect(),
    )
}

/// Runs the peer script and parses its lines into records, each with the
/// partition kafka-python's DefaultPartitioner picks for its key.
fn run_peer(python: &Path, args: &[&str]) -> Vec<(Seen, i32)> {
    let out = Command::new(python)
        .arg(peer_script())
        .args(args)
        .output()
        .expect("running the kafka-python peer");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "kafka-python peer {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 7, "a peer line: {line}");
            let headers = if f[5] == "-" {
                Vec::new()
            } else {
                f[5].split(',')
                    .map(|h| {
                        let (name, value) = h.split_once('=').unwrap();
                        (
                            String::from_utf8(unhex(name).unwrap()).unwrap(),
                            unhex(value),
                        )
                    })
                    .collect()
            };
            let seen = Seen {
                partition: f[0].parse().unwrap(),
                offset: f[1].parse().unwrap(),
                timestamp: f[2].parse().unwrap(),
                key: unhex(f[3]),
                value: unhex(f[4]),
                headers,
            };
            (seen, f[6].parse().unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_from_our_producer_are_read_alike_by_kafka_python() {
    init_tracing();
    let python = match tokio::task::spawn_blocking(kafka_python).await.unwrap() {
        Ok(python) => python,
        Err(why) => return skip("interop: our producer -> kafka-python", &why),
    };
    let broker = TestBroker::start(1).unwrap();
    let topic = broker
        .fresh_topic("interop-ours", PARTITIONS)
        .await
        .unwrap();
    let producer: Producer<String, String> = Producer::new(&broker.client_config()).unwrap();
    let mut sent = Vec::new();
    for i in 0..COUNT {
        let key = if i % 4 == 0 {
            format!("카프카-{i}")
        } else {
            format!("key-{i}")
        };
        let value = format!("value {i}: café, 스트림즈");
        let timestamp = BASE_TS + i as i64 * 1_000;
        let record = ProducerRecord::new(&topic, value.clone())
            .key(key.clone())
            .timestamp(timestamp)
            .header("h-index", i.to_string())
            .header("h-bin", vec![0, 255, i as u8]);
        let stored = producer.send(record).await.unwrap();
        sent.push(Seen {
            partition: stored.partition,
            offset: stored.offset,
            timestamp,
            key: Some(key.into_bytes()),
            value: Some(value.into_bytes()),
            headers: vec![
                ("h-index".into(), Some(i.to_string().into_bytes())),
                ("h-bin".into(), Some(vec![0, 255, i as u8])),
            ],
        });
    }
    producer.close().await.unwrap();
    let partitions_used: std::collections::BTreeSet<i32> =
        sent.iter().map(|s| s.partition).collect();
    assert!(
        partitions_used.len() > 3,
        "keys spread: {partitions_used:?}"
    );

    let bootstrap = broker.bootstrap_servers().to_string();
    let read = tokio::task::spawn_blocking(move || {
        run_peer(
            &python,
            &["consume", &bootstrap, &topic, &COUNT.to_string()],
        )
    })
    .await
    .unwrap();
    assert_eq!(read.len(), COUNT, "kafka-python read every record");
    let by_position: BTreeMap<(i32, i64), (Seen, i32)> = read
        .into_iter()
        .map(|(seen, murmur)| ((seen.partition, seen.offset), (seen, murmur)))
        .collect();
    for want in &sent {
        let (got, murmur) = by_position
            .get(&(want.partition, want.offset))
            .unwrap_or_else(|| panic!("kafka-python did not see {want:?}"));
        assert_eq!(got, want, "key, value, headers and timestamp");
        assert_eq!(
            *murmur,
            want.partition,
            "kafka-python's DefaultPartitioner puts key {:?} where we did",
            String::from_utf8_lossy(want.key.as_deref().unwrap_or_default())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_from_kafka_python_are_read_alike_by_our_consumer() {
    init_tracing();
    let python = match tokio::task::spawn_blocking(kafka_python).await.unwrap() {
        Ok(python) => python,
        Err(why) => return skip("interop: kafka-python -> our consumer", &why),
    };
    let broker = TestBroker::start(1).unwrap();
    let topic = broker
        .fresh_topic("interop-python", PARTITIONS)
        .await
        .unwrap();
    let bootstrap = broker.bootstrap_servers().to_string();
    let peer_topic = topic.clone();
    let written = tokio::task::spawn_blocking(move || {
        run_peer(
            &python,
            &[
                "produce",
                &bootstrap,
                &peer_topic,
                &COUNT.to_string(),
                &BASE_TS.to_string(),
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(written.len(), COUNT, "kafka-python wrote every record");

    let consumer = Consumer::<Vec<u8>, Vec<u8>>::new(&broker.client_config()).unwrap();
    let start: Vec<(TopicPartition, Offset)> = (0..PARTITIONS)
        .map(|p| (TopicPartition::new(&topic, p), Offset::Beginning))
        .collect();
    consumer.assign_at(&start).await.unwrap();
    let mut read = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while read.len() < COUNT && Instant::now() < deadline {
        if let Ok(record) = tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await
        {
            let record = record.unwrap();
            let seen = Seen {
                partition: record.partition,
                offset: record.offset,
                timestamp: record.timestamp.unwrap_or(-1),
                key: record.key,
                value: record.value,
                headers: record
                    .headers
                    .iter()
                    .map(|h| (h.key.clone(), h.value.clone()))
                    .collect(),
            };
            read.insert((seen.partition, seen.offset), seen);
        }
    }
    consumer.close().await.unwrap();
    assert_eq!(read.len(), COUNT, "our consumer read every record");
    for (want, murmur) in &written {
        let got = read
            .get(&(want.partition, want.offset))
            .unwrap_or_else(|| panic!("our consumer did not see {want:?}"));
        assert_eq!(got, want, "key, value, headers and timestamp");
        let key = want.key.as_deref().unwrap();
        assert_eq!(
            want.partition, *murmur,
            "kafka-python placed the key by its murmur2"
        );
        assert_eq!(
            partition_for_key(key, PARTITIONS),
            want.partition,
            "our partitioner agrees with kafka-python's for key {:?}",
            String::from_utf8_lossy(key)
        );
    }
}
