//! The application's lifecycle state.

/// Where a [`KafkaStreams`](super::KafkaStreams) application is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamsState {
    /// Built, not started.
    Created,
    /// Joining the group, moving tasks or restoring their state.
    Rebalancing,
    /// Processing.
    Running,
    /// Closing: committing, flushing and leaving the group.
    PendingShutdown,
    /// Closed cleanly.
    NotRunning,
    /// Stopped by an error; the message says which and where.
    Error(String),
}

impl StreamsState {
    /// Whether the application has stopped (cleanly or not).
    pub fn is_terminal(&self) -> bool {
        matches!(self, StreamsState::NotRunning | StreamsState::Error(_))
    }
}
