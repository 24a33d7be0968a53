//! At-least-once, proven under crashes: word count against a broker process
//! that outlives the application, SIGKILLed several times at random moments
//! while input keeps arriving, and restarted. Every word's final count must
//! be exact and no update may be lost; repeated updates (records between the
//! last commit and a kill are processed again) are allowed, counted and
//! reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use examples::wordcount::{self, INPUT_TOPIC, OUTPUT_TOPIC, STORE};
use integration_tests::crash::{app_log, feed, field, lines, read_output, start_app, start_broker};
use kafka_streams::topology::{changelog_topic_name, repartition_topic_name};
use rand::{Rng, SeedableRng};

const TMP: &str = env!("CARGO_TARGET_TMPDIR");

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
    let (_broker, servers) = start_broker(env!("CARGO_BIN_EXE_broker_process"), &topics).unwrap();
    let input = lines(20_000, 42);
    let expected = wordcount::recompute(input.iter().map(String::as_str));
    let total_words: i64 = expected.values().sum();

    // Input keeps arriving (about 1,000 lines a second) while the
    // application is killed at random moments and restarted.
    let feeder = feed(&servers, INPUT_TOPIC, input.clone());
    let app = env!("CARGO_BIN_EXE_crash_app");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut kills = 0;
    while kills < 5 {
        let log = app_log(TMP, "crash-app", kills);
        let running = start_app(app, &servers, application_id, "at_least_once", &log).unwrap();
        // Joining takes a few seconds after a kill (the dead members'
        // sessions must expire first); then it processes for a while.
        let alive = Duration::from_millis(rng.random_range(3_000..7_000));
        tokio::time::sleep(alive).await;
        drop(running); // SIGKILL
        kills += 1;
    }
    feeder.await.unwrap().unwrap();

    // A last run, left alone until the output holds every word's final count.
    let log = app_log(TMP, "crash-app", kills);
    let running = start_app(app, &servers, application_id, "at_least_once", &log).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let updates = loop {
        let updates = read_output(&servers, false).await.unwrap();
        let done = expected
            .iter()
            .all(|(w, n)| updates.get(w).and_then(|u| u.last()) == Some(n));
        if done || Instant::now() > deadline {
            break updates;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    drop(running);

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
        let log = std::fs::read_to_string(app_log(TMP, "crash-app", run)).unwrap_or_default();
        corrected += log
            .lines()
            .filter_map(|l| field(l, "corrections="))
            .sum::<u64>();
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
