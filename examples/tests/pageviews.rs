//! The pageviews topology: on the test driver against a recomputation
//! (tumbling and hopping windows, out-of-order and late views), and one
//! complete run on the embedded cluster.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use examples::pageviews::{self, Counts, PageView, RunNames, INPUT_TOPIC, OUTPUT_TOPIC};
use kafka_client::serde::{Json, LongSerde, StringSerde};
use kafka_client::EmbeddedKafka;
use kafka_streams::test_driver::TopologyTestDriver;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const PAGES: [&str; 4] = ["/", "/docs", "/pricing", "/blog"];

/// Views with mostly increasing timestamps, some out of order, some late.
fn random_views(seed: u64, n: usize) -> Vec<PageView> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut t = 1_700_000_000_000i64;
    (0..n)
        .map(|_| {
            t += rng.random_range(0..3_000);
            let ts = match rng.random_range(0..10) {
                0 => t - rng.random_range(0..120_000),
                1..=2 => t - rng.random_range(0..10_000),
                _ => t,
            };
            PageView {
                user: format!("u{}", rng.random_range(0..20)),
                page: PAGES[rng.random_range(0..PAGES.len())].to_string(),
                ts,
            }
        })
        .collect()
}

/// The latest count of every window, from the driver's output topic.
fn on_driver(views: &[PageView], window: u64, advance: u64, grace: u64) -> (Counts, u64) {
    let windows = pageviews::windows(window, advance, grace).unwrap();
    let driver = TopologyTestDriver::new(pageviews::topology(windows).unwrap()).unwrap();
    let input = driver.create_input_topic(INPUT_TOPIC, StringSerde, Json::<PageView>::new());
    let output = driver.create_output_topic(
        OUTPUT_TOPIC,
        pageviews::output_key_serde(&windows),
        LongSerde,
    );
    for v in views {
        input
            .pipe_input_at(v.user.clone(), v.clone(), v.ts)
            .unwrap();
    }
    let mut counts = Counts::new();
    for (w, c) in output.read_key_values_to_list().unwrap() {
        let (page, window) = w.into_parts();
        counts.insert((page, window.start()), c);
    }
    (counts, driver.dropped_records())
}

#[test]
fn tumbling_and_hopping_counts_match_the_recomputation() {
    for seed in [1, 2, 3] {
        let views = random_views(seed, 500);
        for (window, advance, grace) in [
            (60_000, 60_000, 0),
            (60_000, 60_000, 30_000),
            (60_000, 20_000, 5_000),
            (10_000, 10_000, 86_400_000),
        ] {
            let windows = pageviews::windows(window, advance, grace).unwrap();
            let want = pageviews::recompute(&views, &windows);
            let (got, dropped) = on_driver(&views, window, advance, grace);
            assert_eq!(got, want, "seed {seed}, window {window}/{advance}/{grace}");
            if grace == 0 {
                assert!(dropped > 0, "the input has late views (seed {seed})");
            }
        }
    }
}

#[test]
fn the_sample_parses_except_its_bad_line() {
    let (views, bad) = pageviews::parse_lines(pageviews::SAMPLE);
    assert_eq!(views.len(), 12);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, 11);
    let (_, bad) =
        pageviews::parse_lines("{\"user\":\"a\",\"page\":\"/\",\"ts\":-5}\n\nnot json\n");
    assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![1, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_counts_on_the_embedded_cluster() {
    let cluster = EmbeddedKafka::start(1).unwrap();
    let (views, _) = pageviews::parse_lines(pageviews::SAMPLE);
    // A day of grace: views from different partitions may arrive out of order.
    let windows = pageviews::windows(60_000, 30_000, 86_400_000).unwrap();
    let got = pageviews::run(
        cluster.bootstrap_servers(),
        &RunNames::fixed(),
        &views,
        windows,
        2,
    )
    .await
    .unwrap();
    assert_eq!(got, pageviews::recompute(&views, &windows));
    // Hopping windows of a minute every 30 s start at multiples of 30 s
    // since the epoch: [..980000, ..040000) holds the /home views at
    // ..000000, ..005000 and ..030000.
    assert_eq!(got[&("/home".to_string(), 1_700_000_000_000 - 20_000)], 3);
}
