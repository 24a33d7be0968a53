//! What the runtime does with records it cannot read or cannot write.

/// What to do with an input record that cannot be deserialized.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DeserializationHandler {
    /// Log it, count it in the `records_skipped` metric, and go on. Its
    /// offset is committed with the others.
    LogAndContinue,
    /// Stop the application with an error naming the record (Kafka's default).
    #[default]
    LogAndFail,
    /// Send the raw record to this topic, with headers naming the error and
    /// its origin, and go on. Headers: `x-dlq-error`, `x-dlq-topic`,
    /// `x-dlq-partition`, `x-dlq-offset`, `x-dlq-part` (key or value), plus
    /// the record's own headers.
    DeadLetter {
        /// The dead-letter topic.
        topic: String,
    },
}

impl DeserializationHandler {
    /// Send bad records to `topic`.
    pub fn dead_letter(topic: impl Into<String>) -> Self {
        DeserializationHandler::DeadLetter {
            topic: topic.into(),
        }
    }
}

/// What to do when the broker does not accept an output record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductionHandler {
    /// Stop the application with the error; offsets after the last
    /// successful commit are not committed, so nothing is lost (Kafka's default).
    #[default]
    Fail,
    /// Log the failure, count it in `records_failed_to_produce`, and go on.
    /// The record is lost: use only where losing output is acceptable.
    LogAndContinue,
}
