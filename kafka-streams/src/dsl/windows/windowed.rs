//! `Window`, `Windowed<K>` and their wire formats.
//!
//! Kafka writes windowed keys as the inner key's bytes followed by the
//! window (checked against `TimeWindowedSerializer`, which calls
//! `WindowKeySchema.toBinary`, and `SessionWindowedSerializer`, which calls
//! `SessionKeySchema.toBinary`):
//!
//! ```text
//! time windows:    key ++ start (8 bytes big-endian)
//! session windows: key ++ end (8 bytes BE) ++ start (8 bytes BE)
//! ```
//!
//! A time-windowed key does not carry its end: like Kafka's
//! `TimeWindowedDeserializer`, [`TimeWindowedSerde`] is told the window
//! size and sets `end = start + size`.

use std::fmt;

use kafka_client::serde::{Deserializer, Serde, SerdeError, Serializer, SharedSerde};

/// A window: `start` and `end` in milliseconds. The end is exclusive for
/// time windows and inclusive for session windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    start: i64,
    end: i64,
}

impl Window {
    /// A window from `start` to `end`.
    pub fn new(start: i64, end: i64) -> Self {
        Window { start, end }
    }

    /// Its start in milliseconds.
    pub fn start(&self) -> i64 {
        self.start
    }

    /// Its end in milliseconds.
    pub fn end(&self) -> i64 {
        self.end
    }
}

/// A key with the window its aggregate belongs to.
///
/// ```
/// use kafka_streams::dsl::{Window, Windowed};
/// let w = Windowed::new("page".to_string(), Window::new(0, 60_000));
/// assert_eq!(w.key(), "page");
/// assert_eq!(w.window().end(), 60_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Windowed<K> {
    key: K,
    window: Window,
}

impl<K> Windowed<K> {
    /// `key` in `window`.
    pub fn new(key: K, window: Window) -> Self {
        Windowed { key, window }
    }

    /// The key.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The window.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Takes it apart.
    pub fn into_parts(self) -> (K, Window) {
        (self.key, self.window)
    }
}

impl<K: fmt::Display> fmt::Display for Windowed<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}@{}/{}]",
            self.key, self.window.start, self.window.end
        )
    }
}

fn split_time(bytes: &[u8], n: usize) -> Result<(&[u8], &[u8]), SerdeError> {
    let split = bytes.len().checked_sub(n).ok_or_else(|| {
        SerdeError::new(format!(
            "a windowed key needs at least {n} bytes for its window, got {}",
            bytes.len()
        ))
    })?;
    Ok(bytes.split_at(split))
}

fn be_i64(bytes: &[u8]) -> Result<i64, SerdeError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| SerdeError::new("a window timestamp must be 8 bytes"))?;
    Ok(i64::from_be_bytes(arr))
}

/// Kafka's time-windowed key format: `key ++ start` (8 bytes big-endian);
/// the end is `start + window size` on reading.
///
/// ```
/// use kafka_streams::dsl::{TimeWindowedSerde, Window, Windowed};
/// use kafka_streams::serde::{Deserializer, Serializer, StringSerde};
/// let serde = TimeWindowedSerde::new(StringSerde, 100);
/// let bytes = serde.serialize("t", &Windowed::new("k".to_string(), Window::new(300, 400)))?;
/// assert_eq!(bytes, [b"k".as_slice(), &300i64.to_be_bytes()].concat());
/// assert_eq!(serde.deserialize("t", &bytes)?.window(), Window::new(300, 400));
/// # Ok::<(), kafka_streams::serde::SerdeError>(())
/// ```
pub struct TimeWindowedSerde<K> {
    inner: SharedSerde<K>,
    size_ms: i64,
}

impl<K> fmt::Debug for TimeWindowedSerde<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeWindowedSerde")
            .field("inner", &self.inner)
            .field("size_ms", &self.size_ms)
            .finish()
    }
}

impl<K> Clone for TimeWindowedSerde<K> {
    fn clone(&self) -> Self {
        TimeWindowedSerde {
            inner: self.inner.clone(),
            size_ms: self.size_ms,
        }
    }
}

impl<K: 'static> TimeWindowedSerde<K> {
    /// Windowed keys of `inner` keys, for windows of `size_ms`.
    pub fn new(inner: impl Serde<K>, size_ms: i64) -> Self {
        TimeWindowedSerde {
            inner: SharedSerde::new(inner),
            size_ms,
        }
    }
}

impl<K: 'static> Serializer<Windowed<K>> for TimeWindowedSerde<K> {
    fn serialize(&self, topic: &str, w: &Windowed<K>) -> Result<Vec<u8>, SerdeError> {
        let mut out = self.inner.serialize(topic, &w.key)?;
        out.extend_from_slice(&w.window.start.to_be_bytes());
        Ok(out)
    }
}

impl<K: 'static> Deserializer<Windowed<K>> for TimeWindowedSerde<K> {
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<Windowed<K>, SerdeError> {
        let (key, start) = split_time(bytes, 8)?;
        let start = be_i64(start)?;
        Ok(Windowed::new(
            self.inner.deserialize(topic, key)?,
            Window::new(start, start.saturating_add(self.size_ms)),
        ))
    }
}

/// Kafka's session-windowed key format: `key ++ end ++ start`, both 8
/// bytes big-endian.
///
/// ```
/// use kafka_streams::dsl::{SessionWindowedSerde, Window, Windowed};
/// use kafka_streams::serde::{Deserializer, Serializer, StringSerde};
/// let serde = SessionWindowedSerde::new(StringSerde);
/// let w = Windowed::new("k".to_string(), Window::new(5, 9));
/// let bytes = serde.serialize("t", &w)?;
/// assert_eq!(bytes, [b"k".as_slice(), &9i64.to_be_bytes(), &5i64.to_be_bytes()].concat());
/// assert_eq!(serde.deserialize("t", &bytes)?, w);
/// # Ok::<(), kafka_streams::serde::SerdeError>(())
/// ```
pub struct SessionWindowedSerde<K> {
    inner: SharedSerde<K>,
}

impl<K> fmt::Debug for SessionWindowedSerde<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionWindowedSerde")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<K> Clone for SessionWindowedSerde<K> {
    fn clone(&self) -> Self {
        SessionWindowedSerde {
            inner: self.inner.clone(),
        }
    }
}

impl<K: 'static> SessionWindowedSerde<K> {
    /// Session-windowed keys of `inner` keys.
    pub fn new(inner: impl Serde<K>) -> Self {
        SessionWindowedSerde::from_shared(SharedSerde::new(inner))
    }

    pub(crate) fn from_shared(inner: SharedSerde<K>) -> Self {
        SessionWindowedSerde { inner }
    }
}

impl<K: 'static> Serializer<Windowed<K>> for SessionWindowedSerde<K> {
    fn serialize(&self, topic: &str, w: &Windowed<K>) -> Result<Vec<u8>, SerdeError> {
        let mut out = self.inner.serialize(topic, &w.key)?;
        out.extend_from_slice(&w.window.end.to_be_bytes());
        out.extend_from_slice(&w.window.start.to_be_bytes());
        Ok(out)
    }
}

impl<K: 'static> Deserializer<Windowed<K>> for SessionWindowedSerde<K> {
    fn deserialize(&self, topic: &str, bytes: &[u8]) -> Result<Windowed<K>, SerdeError> {
        let (key, times) = split_time(bytes, 16)?;
        let (end, start) = times.split_at(8);
        Ok(Windowed::new(
            self.inner.deserialize(topic, key)?,
            Window::new(be_i64(start)?, be_i64(end)?),
        ))
    }
}
