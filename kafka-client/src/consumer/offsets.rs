//! Where a consumer starts reading or seeks to, and what it does when it has
//! nowhere to start.

use std::fmt;

/// A position in a partition to start reading from or to seek to.
///
/// [`Offset::Beginning`], [`Offset::End`] and [`Offset::Timestamp`] are
/// resolved to an exact offset before the consumer moves (through the
/// partition's watermarks or a lookup by timestamp), so that
/// [`Consumer::position`](crate::consumer::Consumer::position) is known at
/// once afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offset {
    /// The oldest record still in the partition (its low watermark).
    Beginning,
    /// Just after the newest record (the high watermark): only records
    /// written from now on are read.
    End,
    /// This exact offset: the next record read is the one at this offset.
    At(i64),
    /// The first record whose timestamp is at or after this many
    /// milliseconds since the epoch. A broker that has none answers -1,
    /// which is reported as
    /// [`Error::NoOffsetForTimestamp`](crate::Error::NoOffsetForTimestamp)
    /// rather than silently meaning "the end". The embedded cluster always
    /// answers -1: it does not implement lookups by timestamp.
    Timestamp(i64),
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Offset::Beginning => f.write_str("the beginning"),
            Offset::End => f.write_str("the end"),
            Offset::At(offset) => write!(f, "offset {offset}"),
            Offset::Timestamp(ts) => write!(f, "timestamp {ts}"),
        }
    }
}

/// What a consumer does for a partition with no committed offset, or whose
/// committed offset no longer exists (librdkafka's `auto.offset.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetReset {
    /// Start at the oldest record.
    Earliest,
    /// Start after the newest record (Kafka's default).
    Latest,
    /// Report an error from `recv` instead of guessing.
    Error,
}

impl OffsetReset {
    /// The value of librdkafka's `auto.offset.reset` setting.
    pub fn as_config_value(self) -> &'static str {
        match self {
            OffsetReset::Earliest => "earliest",
            OffsetReset::Latest => "latest",
            OffsetReset::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_describe_themselves() {
        assert_eq!(Offset::At(42).to_string(), "offset 42");
        assert_eq!(Offset::Beginning.to_string(), "the beginning");
        assert_eq!(Offset::Timestamp(7).to_string(), "timestamp 7");
    }

    #[test]
    fn resets_map_to_librdkafka_values() {
        assert_eq!(OffsetReset::Earliest.as_config_value(), "earliest");
        assert_eq!(OffsetReset::Latest.as_config_value(), "latest");
        assert_eq!(OffsetReset::Error.as_config_value(), "error");
    }
}
