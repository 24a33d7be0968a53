//! Generated names and the names of internal topics.

/// The full name of a repartition topic: `<application.id>-<name>-repartition`.
///
/// ```
/// assert_eq!(
///     kafka_streams::topology::repartition_topic_name("wordcount", "counts"),
///     "wordcount-counts-repartition"
/// );
/// ```
pub fn repartition_topic_name(application_id: &str, name: &str) -> String {
    format!("{application_id}-{name}-repartition")
}

/// The full name of a store's changelog topic: `<application.id>-<store>-changelog`.
///
/// ```
/// assert_eq!(
///     kafka_streams::topology::changelog_topic_name("wordcount", "counts"),
///     "wordcount-counts-changelog"
/// );
/// ```
pub fn changelog_topic_name(application_id: &str, store: &str) -> String {
    format!("{application_id}-{store}-changelog")
}

/// Kafka Streams' generated names: `PREFIX-` and a 10-digit counter shared
/// by processors and stores, in the order the DSL calls were made.
/// Generated names change when operators are added before them; give
/// stateful operators explicit names to keep stores and topics stable.
#[derive(Debug, Default)]
pub(crate) struct NameGenerator {
    next: u64,
}

impl NameGenerator {
    pub(crate) fn generate(&mut self, prefix: &str) -> String {
        let name = format!("{prefix}-{:010}", self.next);
        self.next += 1;
        name
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;

    #[test]
    fn generated_names_follow_kafka_streams() {
        let mut g = NameGenerator::default();
        assert_eq!(g.generate("KSTREAM-SOURCE"), "KSTREAM-SOURCE-0000000000");
        assert_eq!(g.generate("KSTREAM-FILTER"), "KSTREAM-FILTER-0000000001");
    }
}
