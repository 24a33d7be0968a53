//! Building a [`Consumer`]: serdes, group, offsets policy, listener.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rdkafka::consumer::BaseConsumer;
use tokio::sync::Notify;

use super::consumer::Consumer;
use super::context::ConsumerCtx;
use super::core::Core;
use super::listener::RebalanceListener;
use super::offsets::OffsetReset;
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::serde::Deserializer;

/// How to build a [`Consumer`].
///
/// Defaults, which differ from librdkafka's where that is safer:
/// - `enable.auto.commit=false`: commit what you processed, with
///   [`Consumer::commit`] or from a [`RebalanceListener`]. Turning it on
///   gives Java-like at-least-once auto-commit: a record counts as
///   processed once the application asks for the next one (`recv` again) or
///   closes the consumer, and only processed records are committed.
/// - `enable.auto.offset.store=false`: librdkafka's own store would mark a
///   record as done the moment it is fetched, before the application saw
///   it. This consumer stores offsets itself, as described above.
/// - `allow.auto.create.topics=false`: subscribing to a missing topic is
///   [`Error::UnknownTopic`], never a silent creation.
/// - `auto.offset.reset`: librdkafka's `latest`, as Kafka's; see
///   [`ConsumerBuilder::auto_offset_reset`].
/// - `fetch.queue.backoff.ms=10` (librdkafka: 1000): once its local queue
///   holds `queued.min.messages` (100,000) or `queued.max.messages.kbytes`
///   (64 MiB), librdkafka stops fetching for this long. A reader that
///   drains 100,000 records in a tenth of a second would then sit idle for
///   most of the second; at 10 ms the queue stays bounded and the fetcher
///   looks again soon after the reader made room.
///
/// ```no_run
/// # async fn demo() -> kafka_client::Result<()> {
/// use kafka_client::consumer::{Consumer, OffsetReset};
/// use kafka_client::serde::{Json, StringSerde};
/// use kafka_client::ClientConfig;
///
/// #[derive(serde::Deserialize)]
/// struct Order { id: u64 }
///
/// let consumer: Consumer<String, Order> = Consumer::<String, String>::builder(&ClientConfig::new())
///     .value_deserializer(Json::<Order>::default())
///     .group_id("billing")
///     .auto_offset_reset(OffsetReset::Earliest)
///     .build()?;
/// consumer.subscribe(&["orders"]).await?;
/// # Ok(()) }
/// ```
pub struct ConsumerBuilder<K, V> {
    config: ClientConfig,
    key: Arc<dyn Deserializer<K>>,
    value: Arc<dyn Deserializer<V>>,
    listener: Option<Arc<dyn RebalanceListener>>,
}

impl<K, V> fmt::Debug for ConsumerBuilder<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsumerBuilder")
            .field("config", &self.config)
            .field("key", &std::any::type_name::<K>())
            .field("value", &std::any::type_name::<V>())
            .field("listener", &self.listener.is_some())
            .finish()
    }
}

impl<K: 'static, V: 'static> ConsumerBuilder<K, V> {
    /// A builder with explicit deserializers, for types without a
    /// [`DefaultSerde`](crate::serde::DefaultSerde).
    pub fn with_deserializers(
        config: &ClientConfig,
        key: impl Deserializer<K>,
        value: impl Deserializer<V>,
    ) -> Self {
        ConsumerBuilder {
            config: config.clone(),
            key: Arc::new(key),
            value: Arc::new(value),
            listener: None,
        }
    }

    /// Reads keys with `deserializer` (changing the key type).
    pub fn key_deserializer<K2: 'static>(
        self,
        deserializer: impl Deserializer<K2>,
    ) -> ConsumerBuilder<K2, V> {
        ConsumerBuilder {
            config: self.config,
            key: Arc::new(deserializer),
            value: self.value,
            listener: self.listener,
        }
    }

    /// Reads values with `deserializer` (changing the value type).
    pub fn value_deserializer<V2: 'static>(
        self,
        deserializer: impl Deserializer<V2>,
    ) -> ConsumerBuilder<K, V2> {
        ConsumerBuilder {
            config: self.config,
            key: self.key,
            value: Arc::new(deserializer),
            listener: self.listener,
        }
    }

    /// The consumer group to join (`group.id`): required to
    /// [`subscribe`](Consumer::subscribe) and to commit.
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.config = self.config.set("group.id", group_id);
        self
    }

    /// Where to start in a partition without a committed offset.
    pub fn auto_offset_reset(mut self, reset: OffsetReset) -> Self {
        self.config = self
            .config
            .set("auto.offset.reset", reset.as_config_value());
        self
    }

    /// Commits processed records every `auto.commit.interval.ms` (default
    /// 5 s), on revoke and on close. Off by default.
    pub fn enable_auto_commit(mut self, enabled: bool) -> Self {
        self.config = self
            .config
            .set("enable.auto.commit", if enabled { "true" } else { "false" });
        self
    }

    /// Uses the cooperative-sticky assignor: a rebalance only moves the
    /// partitions that must move, and the others keep being consumed.
    pub fn cooperative(mut self) -> Self {
        self.config = self
            .config
            .set("partition.assignment.strategy", "cooperative-sticky");
        self
    }

    /// Sets any librdkafka setting (e.g. `session.timeout.ms`).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config = self.config.set(key, value);
        self
    }

    /// Runs `listener` on every rebalance, before records of the new
    /// assignment are handed out.
    pub fn rebalance_listener(mut self, listener: impl RebalanceListener + 'static) -> Self {
        self.listener = Some(Arc::new(listener));
        self
    }

    /// Creates the consumer. A bad setting is [`Error::Config`] naming it.
    /// Nothing is contacted yet: the cluster is first asked in
    /// [`subscribe`](Consumer::subscribe) or [`assign`](Consumer::assign).
    pub fn build(self) -> Result<Consumer<K, V>> {
        let user_group = self.config.get("group.id").map(str::to_string);
        if let Some(group) = &user_group {
            if group.trim().is_empty() {
                return Err(Error::Config {
                    key: "group.id".into(),
                    message: "must not be empty (leave it unset to use assign without a group)"
                        .into(),
                });
            }
        }
        let bootstrap_servers = self.config.resolved_bootstrap_servers()?;
        let mut config = self
            .config
            .set_default("enable.auto.commit", "false")
            .set_default("enable.auto.offset.store", "false")
            .set_default("allow.auto.create.topics", "false")
            .set_default("fetch.queue.backoff.ms", "10");
        if user_group.is_none() {
            // librdkafka needs a group even for manual assignment; this one
            // is never joined and never committed to.
            config = config
                .set("group.id", private_group_id())
                .set("enable.auto.commit", "false");
        }
        let auto_commit = config
            .get("enable.auto.commit")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "t" | "1"));
        let timeout = config.timeout();
        let wakeup = Arc::new(Notify::new());
        let mut base: BaseConsumer<ConsumerCtx> = config
            .to_rdkafka()?
            .create_with_context(ConsumerCtx::new(wakeup.clone()))
            .map_err(|e| Error::kafka("creating the consumer", e))?;
        base.set_nonempty_callback(move || wakeup.notify_one());
        let core = Core::new(base, user_group, bootstrap_servers, timeout, auto_commit);
        Ok(Consumer::from_parts(
            core,
            self.key,
            self.value,
            self.listener,
        ))
    }
}

fn private_group_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "kafka-client-unjoined-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
