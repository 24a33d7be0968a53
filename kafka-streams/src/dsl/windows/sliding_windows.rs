//! `SlidingWindows`: fixed-size windows that slide with the records.
//!
//! As in Kafka (`SlidingWindows`, `KStreamSlidingWindowAggregate`, checked
//! against their sources): the windows are defined by the records, not by
//! the epoch. A window is `[start, start + time difference]`, both ends
//! inclusive, so two records are in a common window exactly when their
//! timestamps differ by at most the time difference. Each record at `t`
//! has its *left* window `[t - difference, t]` and, when a later record
//! falls within `(t, t + 1 + difference]`, its *right* window
//! `[t + 1, t + 1 + difference]`. Records earlier than the difference
//! share the window `[0, difference]` (windows never start before 0).
//!
//! A window closes when `end + grace < stream time`; a record at `t` is
//! dropped entirely once `t + 1 + difference + grace <= stream time` (its
//! right window could not be created any more).

use std::time::Duration;

use super::millis;
use crate::error::{Error, Result};

/// Sliding windows: a maximum time difference between the records of one
/// window, and a grace period.
///
/// ```
/// use std::time::Duration;
/// use kafka_streams::dsl::SlidingWindows;
/// let w = SlidingWindows::of_time_difference_and_grace(Duration::from_secs(10), Duration::from_secs(2))?;
/// assert_eq!((w.time_difference_ms(), w.grace_ms()), (10_000, 2_000));
/// assert!(!w.is_closed(10_000, 12_000)); // end + grace == stream time: still open
/// assert!(w.is_closed(10_000, 12_001));
/// # Ok::<(), kafka_streams::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindows {
    time_difference_ms: i64,
    grace_ms: i64,
}

impl SlidingWindows {
    /// Windows holding records at most `difference` apart, closed as soon
    /// as stream time passes their end.
    pub fn of_time_difference_with_no_grace(difference: Duration) -> Result<Self> {
        SlidingWindows::of_time_difference_and_grace(difference, Duration::ZERO)
    }

    /// Windows holding records at most `difference` apart, accepting
    /// out-of-order records until stream time passes `end + grace`.
    ///
    /// A difference of zero is allowed, as in Kafka: each window then holds
    /// the records of one timestamp. Errors when a duration does not fit in
    /// `i64` milliseconds.
    pub fn of_time_difference_and_grace(difference: Duration, grace: Duration) -> Result<Self> {
        let time_difference_ms = millis("sliding window time difference", difference)?;
        let grace_ms = millis("grace period", grace)?;
        // Window ends and retention add these up; keep them far from overflow.
        if time_difference_ms > i64::MAX / 4 || grace_ms > i64::MAX / 4 {
            return Err(Error::InvalidWindows(format!(
                "the sliding window time difference ({time_difference_ms} ms) and grace period ({grace_ms} ms) must each be at most {} ms",
                i64::MAX / 4
            )));
        }
        Ok(SlidingWindows {
            time_difference_ms,
            grace_ms,
        })
    }

    /// The maximum time difference between two records of a window (the
    /// window's size, `end - start`), in milliseconds.
    pub fn time_difference_ms(&self) -> i64 {
        self.time_difference_ms
    }

    /// The grace period in milliseconds.
    pub fn grace_ms(&self) -> i64 {
        self.grace_ms
    }

    /// Whether the window ending at `end` (inclusive) is closed at
    /// `stream_time`: `end + grace < stream_time`.
    pub fn is_closed(&self, end: i64, stream_time: i64) -> bool {
        end.saturating_add(self.grace_ms) < stream_time
    }

    /// Whether a record at `timestamp` comes too late for every window it
    /// could touch at `stream_time` (Kafka drops it whole:
    /// `timestamp + 1 + difference + grace <= stream_time`).
    pub fn is_expired(&self, timestamp: i64, stream_time: i64) -> bool {
        timestamp
            .saturating_add(1)
            .saturating_add(self.time_difference_ms)
            .saturating_add(self.grace_ms)
            <= stream_time
    }

    /// How long windows are kept in the store: `2 * difference + grace`
    /// of stream time after their start, as in Kafka. A record may copy the
    /// aggregate of a window starting up to `2 * difference` before it.
    pub fn retention_ms(&self) -> i64 {
        self.time_difference_ms
            .saturating_mul(2)
            .saturating_add(self.grace_ms)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;

    #[test]
    fn closing_and_expiry_follow_kafka() {
        let w = SlidingWindows::of_time_difference_and_grace(
            Duration::from_millis(10),
            Duration::from_millis(5),
        )
        .unwrap();
        // A window [20, 30] is open while stream time <= 35.
        assert!(!w.is_closed(30, 35));
        assert!(w.is_closed(30, 36));
        // A record at 20: its right window [21, 31] makes it acceptable
        // until stream time 36 (exclusive).
        assert!(!w.is_expired(20, 35));
        assert!(w.is_expired(20, 36));
        assert_eq!(w.retention_ms(), 25);
        let zero = SlidingWindows::of_time_difference_with_no_grace(Duration::ZERO).unwrap();
        assert_eq!(zero.time_difference_ms(), 0);
        assert!(SlidingWindows::of_time_difference_with_no_grace(Duration::MAX).is_err());
    }
}
