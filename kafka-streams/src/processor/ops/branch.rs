//! `KStream::split`: each record goes to the first branch whose predicate
//! matches, else to the default branch (if any), else nowhere.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

/// A branch's predicate.
pub(crate) type BranchPredicate<K, V> = Arc<dyn Fn(Option<&K>, &V) -> bool + Send + Sync>;

pub(crate) struct Branch<K, V> {
    /// Predicates in order, with the name of the child node of each branch.
    pub(crate) branches: Vec<(BranchPredicate<K, V>, String)>,
    pub(crate) default: Option<String>,
}

impl<K: Data, V: Data> Processor<K, V, K, V> for Branch<K, V> {
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, V>,
    ) -> Result<()> {
        let chosen = match record.value() {
            Some(value) => self
                .branches
                .iter()
                .find(|(p, _)| p(record.key(), value))
                .map(|(_, child)| child),
            None => None,
        };
        match chosen.or(self.default.as_ref()) {
            Some(child) => ctx.forward_to(child, record),
            None => Ok(()),
        }
    }
}
