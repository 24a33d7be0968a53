//! `TimeWindows`: tumbling and hopping windows of a fixed size.
//!
//! As in Kafka (`TimeWindows.windowsFor`): windows start at multiples of
//! the advance (from the epoch), are `[start, start + size)` with an
//! exclusive end, and a record at time `t` belongs to every window with
//! `start <= t < start + size`, starting no earlier than 0. Tumbling
//! windows are hopping windows whose advance equals their size. A window
//! accepts records until `end + grace <= stream time`
//! (`KStreamWindowAggregate` keeps a window open while
//! `windowEnd > streamTime - grace`).

use std::time::Duration;

use super::{millis, Window};
use crate::error::{Error, Result};

/// Fixed-size windows: tumbling by default, hopping with
/// [`advance_by`](Self::advance_by).
///
/// ```
/// use std::time::Duration;
/// use kafka_streams::dsl::{TimeWindows, Window};
/// let tumbling = TimeWindows::of_size_with_no_grace(Duration::from_millis(10))?;
/// assert_eq!(tumbling.windows_for(10), vec![Window::new(10, 20)]); // the end is exclusive
/// let hopping = tumbling.advance_by(Duration::from_millis(5))?;
/// assert_eq!(hopping.windows_for(12), vec![Window::new(5, 15), Window::new(10, 20)]);
/// # Ok::<(), kafka_streams::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindows {
    size_ms: i64,
    advance_ms: i64,
    grace_ms: i64,
}

impl TimeWindows {
    /// Tumbling windows of `size` that close as soon as stream time reaches
    /// their end. Errors when `size` is zero.
    pub fn of_size_with_no_grace(size: Duration) -> Result<Self> {
        TimeWindows::of_size_and_grace(size, Duration::ZERO)
    }

    /// Tumbling windows of `size` that accept out-of-order records until
    /// stream time reaches `end + grace`. Errors when `size` is zero.
    pub fn of_size_and_grace(size: Duration, grace: Duration) -> Result<Self> {
        let size_ms = millis("window size", size)?;
        if size_ms <= 0 {
            return Err(Error::InvalidWindows(
                "the window size must be at least 1 ms".to_string(),
            ));
        }
        Ok(TimeWindows {
            size_ms,
            advance_ms: size_ms,
            grace_ms: millis("grace period", grace)?,
        })
    }

    /// Hopping windows: a new window every `advance`. Errors unless
    /// `0 < advance <= size`.
    pub fn advance_by(self, advance: Duration) -> Result<Self> {
        let advance_ms = millis("window advance", advance)?;
        if advance_ms <= 0 || advance_ms > self.size_ms {
            return Err(Error::InvalidWindows(format!(
                "the advance ({advance_ms} ms) must be at least 1 ms and at most the window size ({} ms)",
                self.size_ms
            )));
        }
        Ok(TimeWindows { advance_ms, ..self })
    }

    /// The window size in milliseconds.
    pub fn size_ms(&self) -> i64 {
        self.size_ms
    }

    /// The advance in milliseconds (the size for tumbling windows).
    pub fn advance_ms(&self) -> i64 {
        self.advance_ms
    }

    /// The grace period in milliseconds.
    pub fn grace_ms(&self) -> i64 {
        self.grace_ms
    }

    /// The windows a record at `timestamp` belongs to, by start time.
    pub fn windows_for(&self, timestamp: i64) -> Vec<Window> {
        let first = (timestamp.saturating_sub(self.size_ms) + self.advance_ms).max(0);
        let mut start = first - first % self.advance_ms;
        let mut out = Vec::new();
        while start <= timestamp {
            out.push(Window::new(start, start.saturating_add(self.size_ms)));
            start += self.advance_ms;
        }
        out
    }

    /// Whether the window ending at `end` is closed at `stream_time`.
    pub fn is_closed(&self, end: i64, stream_time: i64) -> bool {
        end.saturating_add(self.grace_ms) <= stream_time
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;

    #[test]
    fn windows_start_at_zero_and_have_exclusive_ends() {
        let w = TimeWindows::of_size_with_no_grace(Duration::from_millis(10))
            .unwrap()
            .advance_by(Duration::from_millis(3))
            .unwrap();
        let starts: Vec<i64> = w.windows_for(4).iter().map(|w| w.start()).collect();
        assert_eq!(starts, vec![0, 3]);
        let starts: Vec<i64> = w.windows_for(10).iter().map(|w| w.start()).collect();
        assert_eq!(starts, vec![3, 6, 9]);
        assert!(TimeWindows::of_size_with_no_grace(Duration::ZERO).is_err());
        assert!(w.advance_by(Duration::from_millis(11)).is_err());
        assert!(w.is_closed(10, 10));
        assert!(!w.is_closed(10, 9));
    }
}
