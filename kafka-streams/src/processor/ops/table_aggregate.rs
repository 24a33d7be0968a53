//! `KGroupedTable::count` / `reduce` / `aggregate`: subtracts a row's old
//! value from its group's aggregate and adds its new value, forwarding the
//! group's update through the record cache (see [`ForwardCache`]).

use std::sync::Arc;

use crate::error::Result;
use crate::processor::forward_cache::ForwardCache;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

/// Adds a value to an aggregate (`None`: the group has none yet).
pub(crate) type TableAdd<K, V, VA> = Arc<dyn Fn(&K, &V, Option<&VA>) -> VA + Send + Sync>;
/// Subtracts a value from an aggregate; `None` removes the group's row.
pub(crate) type TableSubtract<K, V, VA> =
    Arc<dyn Fn(&K, &V, Option<&VA>) -> Option<VA> + Send + Sync>;

pub(crate) struct TableAggregate<K, V, VA> {
    pub(crate) store: String,
    pub(crate) add: TableAdd<K, V, VA>,
    pub(crate) subtract: TableSubtract<K, V, VA>,
    pub(crate) cache: ForwardCache<K, VA>,
}

impl<K: Data, V: Data, VA: Data> Processor<K, Change<V>, K, Change<VA>>
    for TableAggregate<K, V, VA>
{
    fn process(
        &mut self,
        record: Record<K, Change<V>>,
        ctx: &mut ProcessorContext<'_, K, Change<VA>>,
    ) -> Result<()> {
        let (Some(key), Some(change)) = (record.key(), record.value()) else {
            return Ok(());
        };
        let capacity = ctx.forward_cache_capacity();
        let mut store = ctx.key_value_store::<K, VA>(&self.store)?;
        // Serialized once: for the read, the write and the cache.
        let key_bytes = store.key_bytes(key)?;
        let old = store.get_serialized(&key_bytes)?;
        let mut agg = old.clone();
        if let Some(value) = &change.old {
            agg = (self.subtract)(key, value, agg.as_ref());
        }
        if let Some(value) = &change.new {
            agg = Some((self.add)(key, value, agg.as_ref()));
        }
        match &agg {
            Some(a) => store.put_serialized(&key_bytes, a)?,
            None => {
                store.delete_serialized(&key_bytes)?;
            }
        }
        if agg.is_none() && old.is_none() {
            return Ok(());
        }
        let place = self.cache.place(capacity, key_bytes);
        let update = record.with_value(Some(Change::new(agg, old)));
        self.cache.put_at(place, capacity, update, ctx);
        Ok(())
    }

    fn flush(&mut self, ctx: &mut ProcessorContext<'_, K, Change<VA>>) -> Result<()> {
        self.cache.flush(ctx);
        Ok(())
    }
}
