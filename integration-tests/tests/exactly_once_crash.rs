//! Exactly-once under crashes, against a broker that completes transactions
//! (Apache Kafka: `docker compose up -d`, then
//! `KAFKA_BOOTSTRAP_SERVERS=localhost:9092 KAFKA_SUPPORTS_TRANSACTIONS=1
//! scripts/exactly-once-check.sh`). Word count with
//! `processing.guarantee=exactly_once_v2` is SIGKILLed several times at
//! random moments while input arrives, and restarted; the committed output
//! (read_committed) must hold, for every word, the counts 1, 2, ..., n
//! exactly once each, in order, with no gap.
//!
//! No broker that runs here completes transactions (the embedded mock and
//! tansu 0.6 write no transaction markers, so aborted records stay visible),
//! so elsewhere this test says why it is skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::time::{Duration, Instant};

use examples::wordcount::{self, APPLICATION_ID, INPUT_TOPIC, OUTPUT_TOPIC};
use integration_tests::crash::{app_log, feed, lines, read_output, start_app};
use integration_tests::{unique_name, Feature, TestBroker};
use kafka_client::{Admin, NewTopic};
use rand::{Rng, SeedableRng};

const TMP: &str = env!("CARGO_TARGET_TMPDIR");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_word_count_under_sigkill_emits_each_count_once_in_order() {
    let broker = TestBroker::start(1).unwrap();
    if !broker.supports(Feature::Transactions, "exactly-once under crashes") {
        return;
    }
    let servers = broker.bootstrap_servers().to_string();
    let admin = Admin::new(&broker.client_config()).unwrap();
    // The topology's topic names are fixed (Kafka's WordCountDemo): start
    // from empty topics.
    let _ = admin.delete_topics(&[INPUT_TOPIC, OUTPUT_TOPIC]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    admin
        .create_topics(&[
            NewTopic::new(INPUT_TOPIC, 4),
            NewTopic::new(OUTPUT_TOPIC, 4),
        ])
        .await
        .unwrap();
    let application_id = unique_name(APPLICATION_ID);
    let input = lines(20_000, 11);
    let expected = wordcount::recompute(input.iter().map(String::as_str));

    let feeder = feed(&servers, INPUT_TOPIC, input.clone());
    let app = env!("CARGO_BIN_EXE_crash_app");
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut kills = 0;
    while kills < 5 {
        let log = app_log(TMP, "eos-app", kills);
        let running = start_app(app, &servers, &application_id, "exactly_once_v2", &log).unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(4_000..9_000))).await;
        drop(running); // SIGKILL
        kills += 1;
    }
    feeder.await.unwrap().unwrap();
    let log = app_log(TMP, "eos-app", kills);
    let running = start_app(app, &servers, &application_id, "exactly_once_v2", &log).unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    let updates = loop {
        let updates = read_output(&servers, true).await.unwrap();
        let done = expected
            .iter()
            .all(|(w, n)| updates.get(w).and_then(|u| u.last()) == Some(n));
        if done || Instant::now() > deadline {
            break updates;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    drop(running);
    for (word, n) in &expected {
        let counts = updates.get(word).cloned().unwrap_or_default();
        let wanted: Vec<i64> = (1..=*n).collect();
        assert_eq!(
            counts, wanted,
            "{word}: committed counts are not 1..={n} exactly once in order"
        );
    }
    eprintln!(
        "exactly-once check: {kills} SIGKILLs, {} lines, every word's committed counts exactly once, in order, no gap",
        input.len()
    );
}
