//! `SessionWindows`: windows of activity separated by gaps.
//!
//! As in Kafka (`KStreamSessionWindowAggregate`): a record at `t` joins every
//! session of its key with `end >= t - gap` and `start <= t + gap`; those
//! sessions and the record merge into one session from the smallest start
//! to the largest end (both inclusive), the merged-away sessions are
//! deleted (a tombstone is forwarded for each). The merged session is closed,
//! and the record dropped, when `end + grace < stream time`. Sessions stay
//! in the store (and can be merged into a later session that a record
//! bridges to) for the retention period, one day of stream time after
//! their end as in Kafka (or `gap + grace` if longer). `suppress` treats a
//! session as closed at `end + gap + grace < stream time`, as Kafka does.

use std::time::Duration;

use super::millis;
use crate::error::{Error, Result};

/// Session windows with an inactivity gap and a grace period.
///
/// ```
/// use std::time::Duration;
/// use kafka_streams::dsl::SessionWindows;
/// let s = SessionWindows::with_inactivity_gap_and_grace(Duration::from_secs(30), Duration::from_secs(5))?;
/// assert_eq!((s.gap_ms(), s.grace_ms()), (30_000, 5_000));
/// # Ok::<(), kafka_streams::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionWindows {
    gap_ms: i64,
    grace_ms: i64,
}

impl SessionWindows {
    /// Sessions that end after `gap` without records, with no grace.
    pub fn with_inactivity_gap_and_no_grace(gap: Duration) -> Result<Self> {
        SessionWindows::with_inactivity_gap_and_grace(gap, Duration::ZERO)
    }

    /// Sessions that end after `gap` without records and accept
    /// out-of-order records until `end + grace` passes. Errors when `gap` is
    /// zero.
    pub fn with_inactivity_gap_and_grace(gap: Duration, grace: Duration) -> Result<Self> {
        let gap_ms = millis("inactivity gap", gap)?;
        if gap_ms <= 0 {
            return Err(Error::InvalidWindows(
                "the inactivity gap must be at least 1 ms".to_string(),
            ));
        }
        Ok(SessionWindows {
            gap_ms,
            grace_ms: millis("grace period", grace)?,
        })
    }

    /// The inactivity gap in milliseconds.
    pub fn gap_ms(&self) -> i64 {
        self.gap_ms
    }

    /// The grace period in milliseconds.
    pub fn grace_ms(&self) -> i64 {
        self.grace_ms
    }

    /// Whether a session ending at `end` is closed at `stream_time`: a
    /// record whose merged session is closed is dropped.
    pub fn is_closed(&self, end: i64, stream_time: i64) -> bool {
        end.saturating_add(self.grace_ms) < stream_time
    }
}
