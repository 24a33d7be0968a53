//! `Suppressed` and `BufferConfig`: one final result per window.

use kafka_client::serde::{DefaultSerde, Serde, SharedSerde};

/// What a suppression buffer holds at most, and what happens when it is full.
///
/// ```
/// use kafka_streams::BufferConfig;
/// let strict = BufferConfig::max_records(10_000); // shuts down when full
/// let loose = BufferConfig::max_records(100).emit_early_when_full();
/// # let _ = (strict, loose, BufferConfig::unbounded());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferConfig {
    pub(crate) max_records: Option<usize>,
    pub(crate) emit_early: bool,
}

impl BufferConfig {
    /// No limit: memory grows with the number of open windows.
    pub fn unbounded() -> Self {
        BufferConfig {
            max_records: None,
            emit_early: false,
        }
    }

    /// At most `n` buffered windows. When a new window would exceed it, the
    /// task fails with [`Error::SuppressionBufferFull`](crate::Error::SuppressionBufferFull)
    /// (Kafka's `shutDownWhenFull`), unless
    /// [`emit_early_when_full`](Self::emit_early_when_full) is set.
    pub fn max_records(n: usize) -> Self {
        BufferConfig {
            max_records: Some(n),
            emit_early: false,
        }
    }

    /// When full, emit the buffered window that closes first, early (it is
    /// then not final: a later update of that window is emitted again).
    pub fn emit_early_when_full(mut self) -> Self {
        self.emit_early = true;
        self
    }

    /// When full, fail the task (the default for a bounded buffer).
    pub fn shut_down_when_full(mut self) -> Self {
        self.emit_early = false;
        self
    }
}

/// How [`KTable::suppress`](crate::KTable::suppress) holds back updates of a
/// windowed table: until the window closes (`end + grace` reached by
/// stream time), then one final result per window. Carries the serdes of
/// the inner key and the value, for the change-logged buffer store.
pub struct Suppressed<K, V> {
    pub(crate) keys: SharedSerde<K>,
    pub(crate) values: SharedSerde<V>,
    pub(crate) buffer: BufferConfig,
    pub(crate) name: Option<String>,
}

impl<K, V> std::fmt::Debug for Suppressed<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Suppressed")
            .field("name", &self.name)
            .field("buffer", &self.buffer)
            .finish()
    }
}

impl<K: DefaultSerde, V: DefaultSerde> Suppressed<K, V> {
    /// Until the window closes, with the default serdes.
    pub fn until_window_closes(buffer: BufferConfig) -> Self {
        Suppressed::until_window_closes_with(buffer, K::Serde::default(), V::Serde::default())
    }
}

impl<K: 'static, V: 'static> Suppressed<K, V> {
    /// Until the window closes, with these serdes for the buffer.
    pub fn until_window_closes_with(
        buffer: BufferConfig,
        keys: impl Serde<K>,
        values: impl Serde<V>,
    ) -> Self {
        Suppressed {
            keys: SharedSerde::new(keys),
            values: SharedSerde::new(values),
            buffer,
            name: None,
        }
    }

    /// Names the processor; its buffer store is `<name>-store`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}
