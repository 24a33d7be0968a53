//! `JoinWindows`: how far apart in time two records may be to join.
//!
//! As in Kafka (`JoinWindows`, `KStreamKStreamJoin`): a left record at `t`
//! joins right records with timestamps in `[t - before, t + after]`, both
//! inclusive (symmetrically, a right record at `t` joins left records in
//! `[t - after, t + before]`). A record's join window closes when
//! `t + after + grace < stream time` (left side; `before` for the right
//! side).

use std::time::Duration;

use super::millis;
use crate::error::Result;

/// The time difference allowed between joined records, and a grace period.
///
/// ```
/// use std::time::Duration;
/// use kafka_streams::dsl::JoinWindows;
/// let w = JoinWindows::of_time_difference_and_grace(Duration::from_secs(5), Duration::from_secs(1))?
///     .after(Duration::from_secs(10))?;
/// assert_eq!((w.before_ms(), w.after_ms(), w.grace_ms()), (5_000, 10_000, 1_000));
/// # Ok::<(), kafka_streams::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinWindows {
    before_ms: i64,
    after_ms: i64,
    grace_ms: i64,
}

impl JoinWindows {
    /// Records join when at most `difference` apart, with no grace.
    pub fn of_time_difference_with_no_grace(difference: Duration) -> Result<Self> {
        JoinWindows::of_time_difference_and_grace(difference, Duration::ZERO)
    }

    /// Records join when at most `difference` apart; out-of-order records
    /// are accepted until their window's end plus `grace` passes.
    pub fn of_time_difference_and_grace(difference: Duration, grace: Duration) -> Result<Self> {
        let d = millis("join time difference", difference)?;
        Ok(JoinWindows {
            before_ms: d,
            after_ms: d,
            grace_ms: millis("grace period", grace)?,
        })
    }

    /// How far a right record may be before the left one.
    pub fn before(self, before: Duration) -> Result<Self> {
        Ok(JoinWindows {
            before_ms: millis("join window before", before)?,
            ..self
        })
    }

    /// How far a right record may be after the left one.
    pub fn after(self, after: Duration) -> Result<Self> {
        Ok(JoinWindows {
            after_ms: millis("join window after", after)?,
            ..self
        })
    }

    /// Milliseconds a right record may precede a left one.
    pub fn before_ms(&self) -> i64 {
        self.before_ms
    }

    /// Milliseconds a right record may follow a left one.
    pub fn after_ms(&self) -> i64 {
        self.after_ms
    }

    /// The grace period in milliseconds.
    pub fn grace_ms(&self) -> i64 {
        self.grace_ms
    }
}
