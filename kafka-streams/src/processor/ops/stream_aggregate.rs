//! `KGroupedStream::count` / `reduce` / `aggregate`: folds each record into
//! its key's aggregate in a store and forwards the table update, through
//! the record cache (see [`ForwardCache`]).

use std::sync::Arc;

use crate::error::Result;
use crate::processor::forward_cache::ForwardCache;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

/// The new aggregate from the key, the value and the current aggregate
/// (`None` for a key seen for the first time).
pub(crate) type AggregateStep<K, V, VA> = Arc<dyn Fn(&K, &V, Option<&VA>) -> VA + Send + Sync>;

pub(crate) struct StreamAggregate<K, V, VA> {
    pub(crate) store: String,
    pub(crate) step: AggregateStep<K, V, VA>,
    pub(crate) cache: ForwardCache<K, VA>,
}

impl<K: Data, V: Data, VA: Data> Processor<K, V, K, Change<VA>> for StreamAggregate<K, V, VA> {
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, Change<VA>>,
    ) -> Result<()> {
        // As in Kafka Streams, records with a null key or value are dropped
        // and counted (`dropped-records`).
        let (Some(key), Some(value)) = (record.key(), record.value()) else {
            ctx.record_dropped("a null key or value: an aggregation cannot group it");
            return Ok(());
        };
        let capacity = ctx.forward_cache_capacity();
        let mut store = ctx.key_value_store::<K, VA>(&self.store)?;
        // Serialized once: for the store (one lookup to read and write)
        // and the cache.
        let key_bytes = store.key_bytes(key)?;
        let step = &self.step;
        let (old, new) = store.update_serialized(&key_bytes, |old| step(key, value, old))?;
        let place = self.cache.place(capacity, key_bytes);
        let (key, _, timestamp, headers) = record.into_parts();
        let update = Record {
            key,
            value: Some(Change::new(Some(new), old)),
            timestamp,
            headers,
        };
        self.cache.put_at(place, capacity, update, ctx);
        Ok(())
    }

    fn flush(&mut self, ctx: &mut ProcessorContext<'_, K, Change<VA>>) -> Result<()> {
        self.cache.flush(ctx);
        Ok(())
    }
}
