//! A task's stores by name, and which store each processor asked for last.
//!
//! Processors look their stores up by name for every record
//! (`ctx.key_value_store("counts")`). A task holds a few stores, kept in
//! name order; each node remembers which store it asked for last, so the
//! lookup for a record costs one name compare (against that store's name).

use crate::error::{Error, Result};
use crate::state::StoreSlot;
use crate::topology::NodeId;

/// The stores of one task.
#[derive(Debug, Default)]
pub(crate) struct TaskStores {
    /// By name, in name order.
    entries: Vec<(String, StoreSlot)>,
    /// Per node: the index of the store it last looked up.
    last_lookup: Vec<Option<usize>>,
}

impl TaskStores {
    /// Adds the store `name` (replacing one of the same name).
    pub(crate) fn insert(&mut self, name: String, slot: StoreSlot) {
        match self.index_of(&name) {
            Some(index) => self.entries[index].1 = slot,
            None => {
                self.entries.push((name, slot));
                self.entries.sort_by(|a, b| a.0.cmp(&b.0));
                // Indexes moved.
                self.last_lookup.clear();
            }
        }
    }

    /// The names, in order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| name.as_str())
    }

    /// Every store.
    pub(crate) fn slots(&self) -> impl Iterator<Item = &StoreSlot> {
        self.entries.iter().map(|(_, slot)| slot)
    }

    /// Every store with its name, in name order.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut StoreSlot)> {
        self.entries
            .iter_mut()
            .map(|(name, slot)| (name.as_str(), slot))
    }

    /// The store `name` ([`Error::UnknownStore`] if the task has none).
    pub(crate) fn get(&self, name: &str) -> Result<&StoreSlot> {
        let index = self.find(name)?;
        Ok(&self.entries[index].1)
    }

    /// The store `name`, to write to.
    pub(crate) fn get_mut(&mut self, name: &str) -> Result<&mut StoreSlot> {
        let index = self.find(name)?;
        Ok(&mut self.entries[index].1)
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
    }

    /// The index of the store `name`, or the error naming the stores there are.
    fn find(&self, name: &str) -> Result<usize> {
        self.index_of(name).ok_or_else(|| Error::UnknownStore {
            store: name.to_string(),
            available: self.names().map(str::to_string).collect(),
        })
    }

    /// The store `node` looks up as `name`: the one it looked up last when
    /// the name is the same, else found and remembered once
    /// `check_connected` (whether `node` may use it) passes.
    pub(crate) fn lookup(
        &mut self,
        node: NodeId,
        name: &str,
        check_connected: impl FnOnce() -> Result<()>,
    ) -> Result<&mut StoreSlot> {
        let remembered = self
            .last_lookup
            .get(node)
            .copied()
            .flatten()
            .filter(|&index| self.entries.get(index).is_some_and(|(n, _)| n == name));
        let index = match remembered {
            Some(index) => index,
            None => {
                check_connected()?;
                let index = self.find(name)?;
                if self.last_lookup.len() <= node {
                    self.last_lookup.resize(node + 1, None);
                }
                self.last_lookup[node] = Some(index);
                index
            }
        };
        Ok(&mut self.entries[index].1)
    }
}
