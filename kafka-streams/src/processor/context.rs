//! What a processor can do while it runs: forward, use stores, schedule.

use std::marker::PhantomData;
use std::time::Duration;

use super::erased::{fan_out, Env};
use super::punctuation::{interval_ms, Schedule};
use super::{Data, PunctuationId, PunctuationType, Record};
use crate::error::{Error, RecordOrigin, Result};
use crate::state::{KeyValueStoreHandle, SessionStoreHandle, StoreSlot, WindowStoreHandle};

/// The context of one processor, typed by what it forwards (`KOut`, `VOut`).
///
/// Forwarded records run through the downstream processors before the next
/// input record, depth first in the order they were forwarded.
pub struct ProcessorContext<'a, KOut, VOut> {
    env: Env<'a>,
    types: PhantomData<fn(KOut, VOut)>,
}

impl<KOut, VOut> std::fmt::Debug for ProcessorContext<'_, KOut, VOut> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessorContext")
            .field("processor", &self.processor_name())
            .field("origin", &self.env.core.origin)
            .finish()
    }
}

impl<'a, KOut, VOut> ProcessorContext<'a, KOut, VOut> {
    pub(crate) fn new(env: Env<'a>) -> Self {
        ProcessorContext {
            env,
            types: PhantomData,
        }
    }

    /// This processor's name.
    pub fn processor_name(&self) -> &str {
        self.env.topology.node(self.env.node).name()
    }

    /// The application id the task runs under.
    pub fn application_id(&self) -> &str {
        &self.env.core.application_id
    }

    /// The partition of the task (the same partition of every source topic).
    pub fn partition(&self) -> i32 {
        self.env.core.partition
    }

    /// Where the current record came from (an input record or a punctuation).
    pub fn origin(&self) -> &RecordOrigin {
        &self.env.core.origin
    }

    /// The input topic of the current record; `None` inside a punctuation.
    pub fn topic(&self) -> Option<&str> {
        match &self.env.core.origin {
            RecordOrigin::Input { topic, .. } => Some(topic),
            RecordOrigin::Punctuation { .. } => None,
        }
    }

    /// The input offset of the current record; `None` inside a punctuation.
    pub fn offset(&self) -> Option<i64> {
        match &self.env.core.origin {
            RecordOrigin::Input { offset, .. } => Some(*offset),
            RecordOrigin::Punctuation { .. } => None,
        }
    }

    /// The task's stream time (largest timestamp seen), if any record arrived.
    pub fn stream_time(&self) -> Option<i64> {
        self.env.core.stream_time
    }

    /// The task's wall-clock time in milliseconds, as last given by the
    /// runtime or the test driver.
    pub fn wall_clock_time(&self) -> i64 {
        self.env.core.wall_clock
    }

    /// A key-value store this processor is connected to, typed.
    ///
    /// Errors when the processor was not connected to the store, when no
    /// store has this name, or when `K`/`V` are not the store's types.
    pub fn key_value_store<K: 'static, V: 'static>(
        &mut self,
        name: &str,
    ) -> Result<KeyValueStoreHandle<'_, K, V>> {
        self.connected_store(name)?.key_value_mut::<K, V>()
    }

    /// A window store this processor is connected to, typed by its key
    /// (without the window) and value. Errors as for
    /// [`key_value_store`](Self::key_value_store).
    pub fn window_store<K: 'static, V: 'static>(
        &mut self,
        name: &str,
    ) -> Result<WindowStoreHandle<'_, K, V>> {
        self.connected_store(name)?.window_mut::<K, V>()
    }

    /// A session store this processor is connected to, typed by its key
    /// (without the window) and value. Errors as for
    /// [`key_value_store`](Self::key_value_store).
    pub fn session_store<K: 'static, V: 'static>(
        &mut self,
        name: &str,
    ) -> Result<SessionStoreHandle<'_, K, V>> {
        self.connected_store(name)?.session_mut::<K, V>()
    }

    /// How many keys this processor may hold back in a record cache
    /// ([`ForwardCache`](super::forward_cache::ForwardCache)): 0 when it must
    /// forward at once, because caching is off or because a repartition
    /// topic is downstream in this sub-topology (records sent there at a
    /// commit, not for an input record, could not carry the ids that make
    /// re-sent copies recognizable).
    pub(crate) fn forward_cache_capacity(&self) -> usize {
        let core = &*self.env.core;
        if core.cacheable.get(self.env.node).copied().unwrap_or(false) {
            core.forward_cache_capacity
        } else {
            0
        }
    }

    /// The store `name`, which this processor must be connected to.
    fn connected_store(&mut self, name: &str) -> Result<&mut StoreSlot> {
        let node = self.env.topology.node(self.env.node);
        self.env.core.stores.lookup(self.env.node, name, || {
            if node.stores().iter().any(|s| s == name) {
                Ok(())
            } else {
                Err(Error::StoreNotConnected {
                    processor: node.name().to_string(),
                    store: name.to_string(),
                })
            }
        })
    }

    /// Counts the current record as dropped (the task's `dropped_records`
    /// metric): it arrived after its window closed, or an aggregation
    /// cannot group it (a null key or value). Logs why at debug level.
    pub fn record_dropped(&mut self, reason: &str) {
        self.env.core.dropped_records += 1;
        tracing::debug!(
            processor = self.processor_name(),
            origin = %self.env.core.origin,
            stream_time = ?self.env.core.stream_time,
            reason,
            "dropping a record"
        );
    }

    /// Schedules [`Processor::punctuate`](super::Processor::punctuate) every
    /// `interval` of stream time or wall-clock time. A stream-time
    /// punctuation first fires at the first record (or at once if stream time
    /// is known), a wall-clock one after one interval.
    pub fn schedule(&mut self, interval: Duration, kind: PunctuationType) -> Result<PunctuationId> {
        let interval_ms = interval_ms(interval);
        if interval_ms <= 0 {
            return Err(Error::InvalidPunctuationInterval {
                processor: self.processor_name().to_string(),
            });
        }
        let core = &mut *self.env.core;
        let id = PunctuationId(core.next_schedule_id);
        core.next_schedule_id += 1;
        let next_due = match kind {
            PunctuationType::StreamTime => core.stream_time,
            PunctuationType::WallClockTime => Some(core.wall_clock.saturating_add(interval_ms)),
        };
        core.schedules.push(Schedule {
            id,
            node: self.env.node,
            kind,
            interval_ms,
            next_due,
            cancelled: false,
        });
        Ok(id)
    }

    /// Cancels a punctuation; cancelling twice is harmless.
    pub fn cancel(&mut self, id: PunctuationId) {
        for s in self.env.core.schedules.iter_mut().filter(|s| s.id == id) {
            s.cancelled = true;
        }
    }
}

impl<KOut: Data, VOut: Data> ProcessorContext<'_, KOut, VOut> {
    /// Forwards `record` to every child of this processor.
    pub fn forward(&mut self, record: Record<KOut, VOut>) {
        let children = self.env.topology.node(self.env.node).children();
        fan_out(record, children, self.env.outbox);
    }

    /// Forwards `record` to the child named `child` only.
    pub fn forward_to(&mut self, child: &str, record: Record<KOut, VOut>) -> Result<()> {
        let topology = self.env.topology;
        let node = topology.node(self.env.node);
        let Some(&id) = node
            .children()
            .iter()
            .find(|&&c| topology.node(c).name() == child)
        else {
            return Err(Error::UnknownChild {
                processor: node.name().to_string(),
                child: child.to_string(),
            });
        };
        self.env.outbox.push((id, Box::new(record)));
        Ok(())
    }
}
