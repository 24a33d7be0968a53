//! Record ids on repartition records, so that a downstream task applies each
//! upstream result once even when the upstream task processes its input
//! again after a crash (at-least-once).
//!
//! Every record a task sends to a repartition topic carries a header
//! `ks.o`: the source partition and offset of the input record that
//! produced it, and its index among that record's repartition outputs. The
//! same input processed again yields the same ids (processing is assumed to
//! be deterministic), in the same order. The downstream task remembers, per
//! origin partition, the largest id it applied, skips anything not larger,
//! and commits that high-water mark with its offsets (see `commit_meta`).

#[cfg(test)]
use kafka_client::Headers;

/// The header's key.
pub(crate) const ORIGIN_HEADER: &str = "ks.o";

/// Where a repartition record came from: an upstream source partition, the
/// offset of the input record there, and the output's index for that record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    /// The source topic, as its index among the topology's source topics
    /// (sorted full names: the same on every instance), and the partition.
    pub(crate) topic: u16,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    pub(crate) index: u32,
}

impl Origin {
    /// The header value, 18 bytes big-endian: offset (8), index (4),
    /// partition (4), topic index (2). Kept small: every repartition record
    /// carries it.
    pub(crate) fn encode(&self) -> [u8; 18] {
        let mut out = [0u8; 18];
        out[0..8].copy_from_slice(&self.offset.to_be_bytes());
        out[8..12].copy_from_slice(&self.index.to_be_bytes());
        out[12..16].copy_from_slice(&self.partition.to_be_bytes());
        out[16..18].copy_from_slice(&self.topic.to_be_bytes());
        out
    }

    /// Reads the header of `headers`, if it has a well-formed one.
    #[cfg(test)]
    pub(crate) fn from_headers(headers: &Headers) -> Option<Origin> {
        Origin::decode(headers.last(ORIGIN_HEADER)?)
    }

    /// Reads a header value, if it is a well-formed one.
    pub(crate) fn decode(raw: &[u8]) -> Option<Origin> {
        let raw: &[u8; 18] = raw.try_into().ok()?;
        Some(Origin {
            offset: i64::from_be_bytes(raw[0..8].try_into().ok()?),
            index: u32::from_be_bytes(raw[8..12].try_into().ok()?),
            partition: i32::from_be_bytes(raw[12..16].try_into().ok()?),
            topic: u16::from_be_bytes(raw[16..18].try_into().ok()?),
        })
    }

    /// The upstream partition it came from, as (topic index, partition).
    pub(crate) fn source(&self) -> (u16, i32) {
        (self.topic, self.partition)
    }

    /// The id, ordered: later outputs have larger ids.
    pub(crate) fn id(&self) -> (i64, u32) {
        (self.offset, self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_headers() {
        let origin = Origin {
            topic: 2,
            partition: 3,
            offset: 1_234_567_890_123,
            index: 7,
        };
        let mut headers = Headers::new();
        headers.insert("other", "x");
        headers.insert(ORIGIN_HEADER, origin.encode().to_vec());
        assert_eq!(Origin::from_headers(&headers), Some(origin));
        let mut short = Headers::new();
        short.insert(ORIGIN_HEADER, vec![1, 2, 3]);
        assert_eq!(Origin::from_headers(&short), None);
        assert_eq!(Origin::from_headers(&Headers::new()), None);
    }
}
