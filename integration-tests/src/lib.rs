//! The suite against a broker: embedded by default, or the one named by
//! `KAFKA_BOOTSTRAP_SERVERS`.
#![forbid(unsafe_code)]
