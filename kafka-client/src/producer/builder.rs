//! Building a [`Producer`] with chosen serdes, partitioner and timeouts.

use std::fmt;
use std::time::Duration;

use super::core::{CoreSettings, ProducerCore};
use super::partitioner::{DefaultPartitioner, Partitioner};
use super::typed::Producer;
use crate::config::ClientConfig;
use crate::error::Result;
use crate::serde::{DefaultSerde, Serde, SharedSerde};

/// Marks a key or value serde left to the type's [`DefaultSerde`].
#[derive(Debug, Clone, Copy, Default)]
pub struct UseDefaultSerde;

/// A serde choice a [`ProducerBuilder`] can build with: a given serde, or
/// [`UseDefaultSerde`] for a type that has a default.
pub trait SerdeChoice<T> {
    /// The chosen serde.
    fn into_serde(self) -> SharedSerde<T>;
}

impl<T: DefaultSerde> SerdeChoice<T> for UseDefaultSerde {
    fn into_serde(self) -> SharedSerde<T> {
        T::default_serde()
    }
}

impl<T> SerdeChoice<T> for SharedSerde<T> {
    fn into_serde(self) -> SharedSerde<T> {
        self
    }
}

/// Builds a [`Producer`]. Start with [`Producer::builder`].
///
/// Serdes not named are the types' defaults ([`DefaultSerde`]); the key and
/// value types follow from the serdes, or from the type the result is
/// assigned to.
///
/// ```no_run
/// # async fn demo() -> kafka_client::Result<()> {
/// use kafka_client::producer::{Producer, RoundRobinPartitioner};
/// use kafka_client::serde::{Json, LongSerde};
/// use kafka_client::ClientConfig;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Order { id: u64 }
///
/// let producer = Producer::builder(&ClientConfig::new())
///     .key_serde(LongSerde)
///     .value_serde(Json::<Order>::new())
///     .partitioner(RoundRobinPartitioner::new())
///     .build()?;
/// # let _: Producer<i64, Order> = producer;
/// // Default serdes for both: the types say which.
/// let plain: Producer<String, String> = Producer::builder(&ClientConfig::new()).build()?;
/// # Ok(()) }
/// ```
pub struct ProducerBuilder<KS = UseDefaultSerde, VS = UseDefaultSerde> {
    config: ClientConfig,
    key_serde: KS,
    value_serde: VS,
    partitioner: Option<Box<dyn Partitioner>>,
    settings: CoreSettings,
}

impl<KS, VS> fmt::Debug for ProducerBuilder<KS, VS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProducerBuilder")
            .field("config", &self.config)
            .field("key_serde", &std::any::type_name::<KS>())
            .field("value_serde", &std::any::type_name::<VS>())
            .field("custom_partitioner", &self.partitioner.is_some())
            .field("settings", &self.settings)
            .finish()
    }
}

impl ProducerBuilder {
    pub(crate) fn new(config: &ClientConfig) -> Self {
        ProducerBuilder {
            config: config.clone(),
            key_serde: UseDefaultSerde,
            value_serde: UseDefaultSerde,
            partitioner: None,
            settings: CoreSettings {
                close_timeout: Duration::from_secs(30),
                metadata_max_age: Duration::from_secs(300),
            },
        }
    }
}

impl<KS, VS> ProducerBuilder<KS, VS> {
    /// Serializes keys with `serde`.
    pub fn key_serde<K: 'static>(
        self,
        serde: impl Serde<K>,
    ) -> ProducerBuilder<SharedSerde<K>, VS> {
        ProducerBuilder {
            config: self.config,
            key_serde: SharedSerde::new(serde),
            value_serde: self.value_serde,
            partitioner: self.partitioner,
            settings: self.settings,
        }
    }

    /// Serializes values with `serde`.
    pub fn value_serde<V: 'static>(
        self,
        serde: impl Serde<V>,
    ) -> ProducerBuilder<KS, SharedSerde<V>> {
        ProducerBuilder {
            config: self.config,
            key_serde: self.key_serde,
            value_serde: SharedSerde::new(serde),
            partitioner: self.partitioner,
            settings: self.settings,
        }
    }

    /// Picks partitions with `partitioner` for records without an explicit
    /// partition. Default: [`DefaultPartitioner`] (murmur2 for keyed records
    /// as in Java, round-robin for keyless ones).
    pub fn partitioner(mut self, partitioner: impl Partitioner) -> Self {
        self.partitioner = Some(Box::new(partitioner));
        self
    }

    /// How long [`Producer::close`] (and dropping the last clone) waits for
    /// records in flight before giving up on them. Default: 30 s.
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.settings.close_timeout = timeout;
        self
    }

    /// How old a topic's cached partition count may get before it is
    /// refreshed (in the background; sends go on with the old count).
    /// Default: 5 minutes, like Java's `metadata.max.age.ms`.
    pub fn metadata_max_age(mut self, max_age: Duration) -> Self {
        self.settings.metadata_max_age = max_age;
        self
    }

    /// Creates the producer. Fails on an invalid setting (named in the
    /// error) or missing bootstrap servers; does not contact the cluster.
    pub fn build<K, V>(self) -> Result<Producer<K, V>>
    where
        KS: SerdeChoice<K>,
        VS: SerdeChoice<V>,
    {
        let partitioner = self
            .partitioner
            .unwrap_or_else(|| Box::new(DefaultPartitioner::new()));
        let core = ProducerCore::start(&self.config, partitioner, self.settings)?;
        Ok(Producer::from_parts(
            core,
            self.key_serde.into_serde(),
            self.value_serde.into_serde(),
        ))
    }
}
