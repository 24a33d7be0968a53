//! The stream threads' group settings when the cluster is an embedded one
//! of this process.
//!
//! librdkafka's mock cluster starts every rebalance of a running group
//! with a wait of `session.timeout.ms` minus one second, however soon the
//! members rejoin, and with several members it sometimes needs a second
//! rebalance right after the first (a follower whose SyncGroup arrives
//! after the leader's is refused and joins again; see kafka-client's
//! `embedded` module). With librdkafka's default session timeout, 45 s,
//! an application with two stream threads on the embedded cluster sat idle
//! for 44 s in about one start in ten, and at every later rebalance.

use kafka_client::{ClientConfig, EmbeddedKafka};

/// The main consumers' `session.timeout.ms` on an embedded cluster, unless
/// configured: heartbeats go over loopback to a broker on the same machine,
/// so a short session does not run out by accident, and a rebalance waits
/// 5 s.
const EMBEDDED_SESSION_TIMEOUT_MS: &str = "6000";

/// The heartbeat that goes with it (librdkafka's default, 3 s, leaves room
/// for one late heartbeat in 6 s).
const EMBEDDED_HEARTBEAT_INTERVAL_MS: &str = "1000";

/// `config` with the embedded cluster's group defaults when its bootstrap
/// servers are an embedded cluster of this process and it sets no session
/// timeout of its own; otherwise `config` as it is.
pub(crate) fn embedded_group_defaults(config: ClientConfig) -> ClientConfig {
    let embedded = config
        .resolved_bootstrap_servers()
        .is_ok_and(|servers| EmbeddedKafka::serves(&servers));
    if !embedded || config.get("session.timeout.ms").is_some() {
        return config;
    }
    config
        .set("session.timeout.ms", EMBEDDED_SESSION_TIMEOUT_MS)
        .set_default("heartbeat.interval.ms", EMBEDDED_HEARTBEAT_INTERVAL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedded_cluster_gets_a_short_session_unless_one_is_set() {
        let cluster = EmbeddedKafka::start(1).unwrap();
        let servers = cluster.bootstrap_servers().to_string();

        let plain = embedded_group_defaults(ClientConfig::new().bootstrap_servers(&servers));
        assert_eq!(plain.get("session.timeout.ms"), Some("6000"));
        assert_eq!(plain.get("heartbeat.interval.ms"), Some("1000"));

        // The application's own settings stay, and a heartbeat is only
        // added beside the session timeout it was chosen for.
        let own = embedded_group_defaults(
            ClientConfig::new()
                .bootstrap_servers(&servers)
                .set("session.timeout.ms", "2000"),
        );
        assert_eq!(own.get("session.timeout.ms"), Some("2000"));
        assert_eq!(own.get("heartbeat.interval.ms"), None);
        let heartbeat = embedded_group_defaults(
            ClientConfig::new()
                .bootstrap_servers(&servers)
                .set("heartbeat.interval.ms", "500"),
        );
        assert_eq!(heartbeat.get("session.timeout.ms"), Some("6000"));
        assert_eq!(heartbeat.get("heartbeat.interval.ms"), Some("500"));
    }

    #[test]
    fn another_cluster_keeps_librdkafkas_defaults() {
        let other = embedded_group_defaults(ClientConfig::new().bootstrap_servers("127.0.0.1:1"));
        assert_eq!(other.get("session.timeout.ms"), None);
        assert_eq!(other.get("heartbeat.interval.ms"), None);
    }
}
