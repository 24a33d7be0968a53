//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;

use kafka_streams::serde::{LongSerde, StringSerde};
use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder, Topology};
use regex::Regex;

pub const WORDCOUNT_INPUT: &str = "streams-plaintext-input";
pub const WORDCOUNT_OUTPUT: &str = "streams-wordcount-output";

/// Kafka's `WordCountDemo`, Unicode-aware: lower-case each line, split on
/// runs of non-word characters, drop empty words, count per word in store
/// `counts`, write every updated count (String key, Long value).
pub fn word_count_topology() -> Topology {
    let words = Regex::new(r"\W+").unwrap();
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>(WORDCOUNT_INPUT, Consumed::with(StringSerde, StringSerde))
        .flat_map_values(move |line| {
            words
                .split(&line.to_lowercase())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .group_by(
            |_key, word| word.clone(),
            Grouped::with(StringSerde, StringSerde),
        )
        .count(Materialized::with(StringSerde, LongSerde).with_name("counts"))
        .to_stream()
        .to(WORDCOUNT_OUTPUT, Produced::with(StringSerde, LongSerde));
    builder.build().unwrap()
}

/// The same semantics computed directly: every (word, running count) in
/// order, and the final counts.
pub fn word_count_oracle(lines: &[&str]) -> (Vec<(String, i64)>, BTreeMap<String, i64>) {
    let words = Regex::new(r"\W+").unwrap();
    let mut counts = BTreeMap::new();
    let mut updates = Vec::new();
    for line in lines {
        for word in words.split(&line.to_lowercase()).filter(|w| !w.is_empty()) {
            let c = counts.entry(word.to_string()).or_insert(0i64);
            *c += 1;
            updates.push((word.to_string(), *c));
        }
    }
    (updates, counts)
}
