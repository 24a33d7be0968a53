//! Punctuations: processor callbacks scheduled on stream time or wall-clock time.

use std::time::Duration;

/// Which clock a punctuation follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PunctuationType {
    /// Stream time: the largest record timestamp the task has seen. It only
    /// advances when records arrive, so these punctuations fire inside
    /// record processing, after the record that moved stream time.
    StreamTime,
    /// Wall-clock time, as given to the task by the runtime (or advanced by
    /// the test driver).
    WallClockTime,
}

/// Identifies one scheduled punctuation; passed back to
/// [`Processor::punctuate`](super::Processor::punctuate) and used to cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PunctuationId(pub(crate) u64);

/// A scheduled punctuation inside a task.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub(crate) id: PunctuationId,
    pub(crate) node: usize,
    pub(crate) kind: PunctuationType,
    pub(crate) interval_ms: i64,
    /// The next time it is due; `None` for a stream-time punctuation
    /// scheduled before stream time was known (it fires at the first record).
    pub(crate) next_due: Option<i64>,
    pub(crate) cancelled: bool,
}

impl Schedule {
    /// If due at `now`, the time it fires and the next due time (missed
    /// intervals are skipped: a punctuation fires at most once per call, as in
    /// Kafka Streams).
    pub(crate) fn due(&mut self, now: i64) -> bool {
        if self.cancelled {
            return false;
        }
        let due = *self.next_due.get_or_insert(now);
        if now < due {
            return false;
        }
        let missed = (now - due) / self.interval_ms;
        self.next_due = Some(due + (missed + 1) * self.interval_ms);
        true
    }
}

pub(crate) fn interval_ms(interval: Duration) -> i64 {
    i64::try_from(interval.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;

    #[test]
    fn fires_once_per_interval_and_skips_missed_ones() {
        let mut s = Schedule {
            id: PunctuationId(0),
            node: 0,
            kind: PunctuationType::StreamTime,
            interval_ms: 10,
            next_due: None,
            cancelled: false,
        };
        assert!(s.due(5));
        assert!(!s.due(14));
        assert!(s.due(15));
        assert!(s.due(47));
        assert_eq!(s.next_due, Some(55));
        s.cancelled = true;
        assert!(!s.due(100));
    }
}
