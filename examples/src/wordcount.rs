//! Kafka's `WordCountDemo`, as a topology and as plain Rust for checking it.
//!
//! Reads `streams-plaintext-input` (String values), lower-cases each line,
//! splits it on runs of non-word characters (Unicode-aware, so Korean or
//! accented words count, where Java's ASCII `\W` would drop them), drops
//! empty words, counts per word in the store `counts-store`, and writes
//! every updated count to `streams-wordcount-output` (String keys, Long
//! values as 8 bytes big-endian), exactly as the Java demo's topics and
//! serdes, so the two can replace each other.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, Topology};
use regex::Regex;

/// The input topic (String values).
pub const INPUT_TOPIC: &str = "streams-plaintext-input";
/// The output topic (String keys, Long values).
pub const OUTPUT_TOPIC: &str = "streams-wordcount-output";
/// The application id, as in Kafka's demo.
pub const APPLICATION_ID: &str = "streams-wordcount";
/// The counts store, as in Kafka's demo.
pub const STORE: &str = "counts-store";

static NON_WORD: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant, valid pattern")]
    Regex::new(r"\W+").expect("valid regex")
});

/// The words of a line, as the topology sees them.
pub fn words(line: &str) -> Vec<String> {
    NON_WORD
        .split(&line.to_lowercase())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The word count topology.
pub fn topology() -> kafka_streams::Result<Topology> {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(INPUT_TOPIC, Consumed::with(StringSerde, StringSerde))
        .flat_map_values(|line| words(line))
        .group_by(
            |_key, word| word.clone(),
            Grouped::with(StringSerde, StringSerde),
        )
        .count(Materialized::with(StringSerde, LongSerde).with_name(STORE))
        .to_stream()
        .to(OUTPUT_TOPIC, Produced::with(StringSerde, LongSerde));
    builder.build()
}

/// The final counts computed directly, for checking a run.
pub fn recompute<'a>(lines: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for line in lines {
        for word in words(line) {
            *counts.entry(word).or_insert(0) += 1;
        }
    }
    counts
}

/// A short sample text, used when no input is given.
pub const SAMPLE_TEXT: &str = "\
all streams lead to kafka
hello kafka streams
join kafka summit
Kafka Streams in Rust: typed, fast, honest about delivery guarantees
카프카 스트림즈 안녕 카프카
Ça va? ça va très bien, merci
";
