//! The state of a task that its processors reach through their context.

use super::stores::TaskStores;
use crate::error::{RecordOrigin, Result};
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
    pub(crate) fn store(&self, name: &str) -> Result<&StoreSlot> {
        self.stores.get(name)
    }

    pub(crate) fn store_mut(&mut self, name: &str) -> Result<&mut StoreSlot> {
        self.stores.get_mut(name)
    }
}
