//! Windows: how records are grouped in time, and windowed keys.
//!
//! Kafka Streams' semantics, checked against its sources
//! (`TimeWindows`, `SessionWindows`, `JoinWindows`, `KStreamWindowAggregate`,
//! `KStreamSessionWindowAggregate`, `KStreamKStreamJoin`):
//!
//! - Event time is the record's timestamp (or what the source's
//!   `TimestampExtractor` says). Each task keeps *stream time*, the largest
//!   timestamp it has seen.
//! - Time windows (tumbling, hopping) are `[start, start + size)`: the end
//!   is exclusive, so a record at exactly `start + size` belongs to the next
//!   window. A window closes when `end + grace <= stream time`.
//! - Session windows are `[first record, last record]`, both inclusive. A
//!   session closes when `end + grace < stream time`.
//! - Sliding windows are `[start, start + difference]`, both inclusive,
//!   made by the records themselves, and close when `end + grace < stream
//!   time`.
//! - Join windows are `[ts - before, ts + after]`, both inclusive, and close
//!   when `ts + after + grace < stream time`.
//! - A record that arrives for a closed window is dropped, counted in the
//!   task's `dropped_records` metric and logged at debug level; it is never
//!   merged into another window.

mod join_windows;
mod session_windows;
mod sliding_windows;
mod time_windows;
mod windowed;

pub use join_windows::JoinWindows;
pub use session_windows::SessionWindows;
pub use sliding_windows::SlidingWindows;
pub use time_windows::TimeWindows;
pub use windowed::{SessionWindowedSerde, TimeWindowedSerde, Window, Windowed};

use std::time::Duration;

use crate::error::{Error, Result};

/// A duration in milliseconds, or an error naming `what` when it does not
/// fit an `i64`.
pub(crate) fn millis(what: &str, d: Duration) -> Result<i64> {
    i64::try_from(d.as_millis()).map_err(|_| {
        Error::InvalidWindows(format!("{what} of {d:?} does not fit in i64 milliseconds"))
    })
}
