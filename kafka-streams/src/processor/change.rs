//! The update a table forwards: its new value and the value it replaced.

use kafka_client::serde::{Deserializer, SerdeError, Serializer, SharedSerde};

/// One update of a table row: the new value (`None` when the row was
/// deleted) and the old one (`None` when the row is new). Table operators
/// forward changes so that downstream aggregations can subtract the old
/// value and add the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<V> {
    /// The value after the update.
    pub new: Option<V>,
    /// The value before the update.
    pub old: Option<V>,
}

impl<V> Change<V> {
    /// A change from `old` to `new`.
    pub fn new(new: Option<V>, old: Option<V>) -> Self {
        Change { new, old }
    }

    /// Whether neither side holds a value (nothing to forward).
    pub fn is_empty(&self) -> bool {
        self.new.is_none() && self.old.is_none()
    }
}

const NEW: u8 = 1;
const OLD: u8 = 2;

/// How a [`Change`] travels through a repartition topic: one flag byte
/// (bit 0: new present, bit 1: old present), then the new value's length as
/// 4 bytes big-endian and its bytes, then the old value's bytes.
///
/// This is this crate's own format, not byte-compatible with Java's
/// `ChangedSerializer`; only table re-grouping repartition topics use it.
#[derive(Debug, Clone)]
pub(crate) struct ChangeSerde<V> {
    inner: SharedSerde<V>,
}

impl<V> ChangeSerde<V> {
    pub(crate) fn new(inner: SharedSerde<V>) -> Self {
        ChangeSerde { inner }
    }
}

impl<V: 'static> Serializer<Change<V>> for ChangeSerde<V> {
    fn serialize(&self, topic: &str, change: &Change<V>) -> Result<Vec<u8>, SerdeError> {
        let new = change
            .new
            .as_ref()
            .map(|v| self.inner.serialize(topic, v))
            .transpose()?;
        let old = change
            .old
            .as_ref()
            .map(|v| self.inner.serialize(topic, v))
            .transpose()?;
        let new_len = new.as_ref().map_or(0, Vec::len);
        let len = u32::try_from(new_len)
            .map_err(|_| SerdeError::new("a changed value longer than 4 GiB"))?;
        let mut out = Vec::with_capacity(5 + new_len + old.as_ref().map_or(0, Vec::len));
        out.push(if new.is_some() { NEW } else { 0 } | if old.is_some() { OLD } else { 0 });
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(new.as_deref().unwrap_or_default());
        out.extend_from_slice(old.as_deref().unwrap_or_default());
        Ok(out)
    }
}

impl<V: 'static> Deserializer<Change<V>> for ChangeSerde<V> {
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<Change<V>, SerdeError> {
        let (&flags, rest) = bytes
            .split_first()
            .ok_or_else(|| SerdeError::new("an empty changed value"))?;
        if rest.len() < 4 {
            return Err(SerdeError::new("a changed value without its length"));
        }
        let (len, rest) = rest.split_at(4);
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        if rest.len() < len {
            return Err(SerdeError::new(format!(
                "a changed value says {len} bytes but has {}",
                rest.len()
            )));
        }
        let (new_bytes, old_bytes) = rest.split_at(len);
        let new = if flags & NEW != 0 {
            Some(self.inner.deserialize(topic, new_bytes)?)
        } else {
            None
        };
        let old = if flags & OLD != 0 {
            Some(self.inner.deserialize(topic, old_bytes)?)
        } else {
            None
        };
        Ok(Change { new, old })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap
mod tests {
    use super::*;
    use kafka_client::serde::LongSerde;

    #[test]
    fn change_round_trips_every_shape() {
        let serde = ChangeSerde::new(SharedSerde::new(LongSerde));
        for change in [
            Change::new(Some(1i64), Some(2)),
            Change::new(Some(1), None),
            Change::new(None, Some(-3)),
            Change::new(None, None),
        ] {
            let bytes = serde.serialize("t", &change).unwrap();
            assert_eq!(serde.deserialize("t", &bytes).unwrap(), change);
        }
        assert!(serde.deserialize("t", &[]).is_err());
        assert!(serde.deserialize("t", &[1, 0, 0, 0, 9, 1]).is_err());
    }
}
