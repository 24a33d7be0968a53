//! Task identity: one task per (sub-topology, partition).

use std::fmt;

/// A task: sub-topology `subtopology` for partition `partition` of its
/// source topics. Shown as Kafka shows it, `subtopology_partition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    /// The sub-topology.
    pub subtopology: usize,
    /// The partition.
    pub partition: i32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.subtopology, self.partition)
    }
}
