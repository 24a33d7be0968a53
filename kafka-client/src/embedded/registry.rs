//! Which bootstrap strings belong to embedded clusters of this process, so
//! that admin calls can go through the mock's handle instead of CreateTopics.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::EmbeddedHandle;

fn registry() -> &'static Mutex<HashMap<String, EmbeddedHandle>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, EmbeddedHandle>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

pub(super) fn register(bootstrap_servers: &str, handle: EmbeddedHandle) {
    let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
    map.insert(bootstrap_servers.to_string(), handle);
}

pub(super) fn unregister(bootstrap_servers: &str) {
    let mut map = registry().lock().unwrap_or_else(|p| p.into_inner());
    map.remove(bootstrap_servers);
}

/// The embedded cluster of this process that serves `bootstrap_servers`, if
/// any: matched when any of the listed servers is one of its brokers.
pub(crate) fn lookup(bootstrap_servers: &str) -> Option<EmbeddedHandle> {
    let map = registry().lock().unwrap_or_else(|p| p.into_inner());
    let wanted: Vec<&str> = bootstrap_servers.split(',').map(str::trim).collect();
    map.iter()
        .find(|(known, _)| known.split(',').map(str::trim).any(|b| wanted.contains(&b)))
        .map(|(_, handle)| handle.clone())
}
