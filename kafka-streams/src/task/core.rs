//! The state of a task that its processors reach through their context.

use super::stores::TaskStores;
use crate::error::{Error, RecordOrigin, Result};
use crate::processor::Schedule;
use crate::state::StoreSlot;

/// Stores, punctuation schedules, clocks and the current record's origin.
#[derive(Debug)]
pub(crate) struct TaskCore {
    pub(crate) application_id: String,
    pub(crate) partition: i32,
    pub(crate) stores: TaskStores,
    pub(crate) schedules: Vec<Schedule>,
    pub(crate) next_schedule_id: u64,
    pub(crate) stream_time: Option<i64>,
    pub(crate) wall_clock: i64,
    pub(crate) origin: RecordOrigin,
    /// Records dropped because their window (or join window) had closed,
    /// or because an aggregation got a null key or value.
    pub(crate) dropped_records: u64,
    /// How many keys each processor's record cache may hold (0: no caches).
    pub(crate) forward_cache_capacity: usize,
    /// Per node: whether it may cache (no repartition sink downstream in
    /// this sub-topology).
    pub(crate) cacheable: Vec<bool>,
}

impl TaskCore {
    fn unknown(&self, name: &str) -> Error {
        Error::UnknownStore {
            store: name.to_string(),
            available: self.stores.names().map(str::to_string).collect(),
        }
    }

    pub(crate) fn store(&self, name: &str) -> Result<&StoreSlot> {
        self.stores.get(name).ok_or_else(|| self.unknown(name))
    }

    pub(crate) fn store_mut(&mut self, name: &str) -> Result<&mut StoreSlot> {
        if self.stores.get(name).is_none() {
            return Err(self.unknown(name));
        }
        self.stores
            .get_mut(name)
            .ok_or_else(|| Error::UnknownStore {
                store: name.to_string(),
                available: Vec::new(),
            })
    }
}
