//! Client configuration: common settings by name, anything else passed
//! through to librdkafka.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

/// The environment variable that names the bootstrap servers.
pub const BOOTSTRAP_SERVERS_ENV: &str = "KAFKA_BOOTSTRAP_SERVERS";

/// Settings shared by producers, consumers and admin clients.
///
/// Bootstrap servers default to `KAFKA_BOOTSTRAP_SERVERS`. Any librdkafka
/// setting can be given with [`ClientConfig::set`]; a bad value is reported
/// with the setting's name when the client is created. `Debug` hides secrets.
///
/// librdkafka's own log messages go to `tracing` (target `librdkafka`):
/// warnings and errors, plus its debug messages when its `debug` setting
/// names what to trace (for example `.set("debug", "protocol,cgrp")`).
///
/// ```
/// use kafka_client::ClientConfig;
/// let config = ClientConfig::new()
///     .bootstrap_servers("localhost:9092")
///     .client_id("orders-service")
///     .set("sasl.password", "hunter2");
/// assert_eq!(config.get("client.id"), Some("orders-service"));
/// assert!(!format!("{config:?}").contains("hunter2"));
/// ```
#[derive(Clone, Default)]
pub struct ClientConfig {
    settings: BTreeMap<String, String>,
    request_timeout: Option<Duration>,
}

impl ClientConfig {
    /// An empty configuration; bootstrap servers come from
    /// `KAFKA_BOOTSTRAP_SERVERS` unless set.
    pub fn new() -> Self {
        ClientConfig::default()
    }

    /// Sets the bootstrap servers (`host:port,host:port`).
    pub fn bootstrap_servers(self, servers: impl Into<String>) -> Self {
        self.set("bootstrap.servers", servers)
    }

    /// Sets the client id shown in broker logs and metrics.
    pub fn client_id(self, id: impl Into<String>) -> Self {
        self.set("client.id", id)
    }

    /// How long blocking operations (metadata, commits, admin calls) wait
    /// before giving up with [`Error::Timeout`]. Default: 30 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Sets any librdkafka setting.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }

    /// Sets a setting unless it is already set, under this name or under
    /// librdkafka's other name for it (`linger.ms` and
    /// `queue.buffering.max.ms`, `acks` and `request.required.acks`, ...):
    /// given both names, librdkafka takes whichever it is handed last, in
    /// an order rdkafka's map does not fix, and a default must never win
    /// over what was set.
    ///
    /// ```
    /// use kafka_client::ClientConfig;
    /// let config = ClientConfig::new()
    ///     .set("request.required.acks", "1")
    ///     .set_default("acks", "all")
    ///     .set_default("linger.ms", "20");
    /// assert_eq!(config.get("acks"), None);
    /// assert_eq!(config.get("linger.ms"), Some("20"));
    /// ```
    pub fn set_default(mut self, key: &str, value: impl Into<String>) -> Self {
        if other_name(key).is_some_and(|other| self.settings.contains_key(other)) {
            return self;
        }
        self.settings
            .entry(key.to_string())
            .or_insert_with(|| value.into());
        self
    }

    /// Removes a setting.
    pub fn remove(mut self, key: &str) -> Self {
        self.settings.remove(key);
        self
    }

    /// A setting's value, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(String::as_str)
    }

    /// Every setting, sorted by name (secrets included: do not log these).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.settings.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The timeout for blocking operations.
    pub fn timeout(&self) -> Duration {
        self.request_timeout.unwrap_or(Duration::from_secs(30))
    }

    /// Checks every setting's name and value with librdkafka, without
    /// creating a client or connecting: an unknown name or a value of the
    /// wrong type is an [`Error::Config`] naming the setting. Conflicts
    /// between settings (and settings meant for another kind of client)
    /// still show only when a client is created.
    ///
    /// ```
    /// use kafka_client::ClientConfig;
    /// assert!(ClientConfig::new().set("linger.ms", "5").validate().is_ok());
    /// let err = ClientConfig::new().set("session.timeout.ms", "abc").validate().unwrap_err();
    /// assert!(err.to_string().contains("session.timeout.ms"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        let mut config = rdkafka::ClientConfig::new();
        for (key, value) in &self.settings {
            config.set(key, value);
        }
        config
            .create_native_config()
            .map(|_| ())
            .map_err(|e| Error::kafka("checking the client configuration", e))
    }

    /// The bootstrap servers: the configured ones (`bootstrap.servers`, else
    /// librdkafka's other name for it, `metadata.broker.list`), else
    /// `KAFKA_BOOTSTRAP_SERVERS`.
    ///
    /// ```
    /// use kafka_client::ClientConfig;
    ///
    /// let config = ClientConfig::new().set("metadata.broker.list", "kafka-1:9092");
    /// assert_eq!(config.resolved_bootstrap_servers().unwrap(), "kafka-1:9092");
    /// let both = config.bootstrap_servers("kafka-2:9092");
    /// assert_eq!(both.resolved_bootstrap_servers().unwrap(), "kafka-2:9092");
    /// ```
    pub fn resolved_bootstrap_servers(&self) -> Result<String> {
        for key in ["bootstrap.servers", "metadata.broker.list"] {
            if let Some(servers) = self.get(key) {
                if !servers.trim().is_empty() {
                    return Ok(servers.to_string());
                }
            }
        }
        match std::env::var(BOOTSTRAP_SERVERS_ENV) {
            Ok(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(Error::NoBootstrapServers),
        }
    }

    /// Builds librdkafka's configuration, checking every value by name.
    pub(crate) fn to_rdkafka(&self) -> Result<rdkafka::ClientConfig> {
        let mut config = rdkafka::ClientConfig::new();
        for (key, value) in &self.settings {
            // Given under one name below, whichever name it came under:
            // with both, librdkafka would take the one it saw last.
            if key != "metadata.broker.list" {
                config.set(key, value);
            }
        }
        config.set("bootstrap.servers", self.resolved_bootstrap_servers()?);
        config.set_log_level(self.log_level());
        Ok(config)
    }

    /// The lowest librdkafka log level handed to `tracing`: warnings, or
    /// debug messages too when librdkafka's `debug` setting asks for them
    /// (without this, `debug` would produce messages nobody sees).
    fn log_level(&self) -> rdkafka::config::RDKafkaLogLevel {
        match self.get("debug") {
            Some(contexts) if !contexts.trim().is_empty() => {
                rdkafka::config::RDKafkaLogLevel::Debug
            }
            _ => rdkafka::config::RDKafkaLogLevel::Warning,
        }
    }

    /// Parses a setting as a number, naming it on failure.
    pub fn get_parsed<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>>
    where
        T::Err: fmt::Display,
    {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => raw.parse().map(Some).map_err(|e: T::Err| Error::Config {
                key: key.to_string(),
                message: format!("`{raw}` is not valid: {e}"),
            }),
        }
    }
}

/// librdkafka's settings that have two names (its `_RK_C_ALIAS` entries).
const ALIASES: &[(&str, &str)] = &[
    ("bootstrap.servers", "metadata.broker.list"),
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("sasl.mechanism", "sasl.mechanisms"),
    ("max.partition.fetch.bytes", "fetch.message.max.bytes"),
    ("linger.ms", "queue.buffering.max.ms"),
    ("retries", "message.send.max.retries"),
    ("compression.type", "compression.codec"),
    ("acks", "request.required.acks"),
    ("delivery.timeout.ms", "message.timeout.ms"),
];

/// The other name of a setting that has two.
fn other_name(key: &str) -> Option<&'static str> {
    ALIASES.iter().find_map(|&(alias, name)| {
        if key == alias {
            Some(name)
        } else if key == name {
            Some(alias)
        } else {
            None
        }
    })
}

fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "key.pem",
        "private",
        "credential",
        "sasl.jaas",
    ]
    .iter()
    .any(|s| key.contains(s))
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in &self.settings {
            if is_secret(key) {
                map.entry(key, &"[redacted]");
            } else {
                map.entry(key, value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets_but_shows_the_rest() {
        let c = ClientConfig::new()
            .bootstrap_servers("b:1")
            .set("sasl.password", "p4ss")
            .set("ssl.key.password", "k3y")
            .set("sasl.oauthbearer.client.secret", "s3cr3t");
        let text = format!("{c:?}");
        assert!(text.contains("b:1"));
        for secret in ["p4ss", "k3y", "s3cr3t"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn librdkafka_gets_the_bootstrap_servers_under_one_name() {
        let old_name = ClientConfig::new().set("metadata.broker.list", "a:1");
        let rd = old_name.to_rdkafka().unwrap();
        assert_eq!(rd.get("bootstrap.servers"), Some("a:1"));
        assert_eq!(rd.get("metadata.broker.list"), None);
        let both = old_name.bootstrap_servers("b:1").to_rdkafka().unwrap();
        assert_eq!(both.get("bootstrap.servers"), Some("b:1"));
        assert_eq!(both.get("metadata.broker.list"), None);
    }

    #[test]
    fn librdkafka_debug_messages_pass_only_when_debug_is_set() {
        use rdkafka::config::RDKafkaLogLevel;
        // The level has no equality: compare its numeric value.
        let level = |c: &ClientConfig| c.to_rdkafka().unwrap().log_level as i32;
        let quiet = ClientConfig::new().bootstrap_servers("b:1");
        assert_eq!(level(&quiet), RDKafkaLogLevel::Warning as i32);
        assert_eq!(
            level(&quiet.clone().set("debug", "protocol,cgrp")),
            RDKafkaLogLevel::Debug as i32
        );
        assert_eq!(
            level(&quiet.set("debug", " ")),
            RDKafkaLogLevel::Warning as i32
        );
    }

    #[test]
    fn a_default_never_overrides_a_setting_given_under_its_other_name() {
        let set = ClientConfig::new()
            .set("queue.buffering.max.ms", "50")
            .set("acks", "1")
            .set_default("linger.ms", "20")
            .set_default("request.required.acks", "all")
            .set_default("enable.idempotence", "true");
        assert_eq!(set.get("linger.ms"), None);
        assert_eq!(set.get("request.required.acks"), None);
        assert_eq!(set.get("enable.idempotence"), Some("true"));
        // Every pair names two different settings, each in one pair only.
        let mut names: Vec<&str> = ALIASES.iter().flat_map(|&(a, b)| [a, b]).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 2 * ALIASES.len());
    }

    #[test]
    fn parse_errors_name_the_setting() {
        let c = ClientConfig::new().set("num.partitions", "many");
        let err = c.get_parsed::<i32>("num.partitions").unwrap_err();
        assert!(err.to_string().contains("num.partitions"), "{err}");
    }
}
