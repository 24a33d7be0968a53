//! `KTable::group_by`: maps each change to the group it leaves (the old
//! value's new key, as a subtraction) and the group it joins (the new
//! value's new key, as an addition). When both land in the same group, one
//! change carries both, so the aggregate updates once.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

pub(crate) struct TableGroupMap<F> {
    pub(crate) selector: Arc<F>,
}

impl<K: Data, V: Data, K2: Data + PartialEq, V2: Data, F> Processor<K, Change<V>, K2, Change<V2>>
    for TableGroupMap<F>
where
    F: Fn(&K, &V) -> (K2, V2) + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, Change<V>>,
        ctx: &mut ProcessorContext<'_, K2, Change<V2>>,
    ) -> Result<()> {
        let (Some(key), Some(change)) = (record.key.as_ref(), record.value.as_ref()) else {
            return Ok(());
        };
        let old = change.old.as_ref().map(|v| (self.selector)(key, v));
        let new = change.new.as_ref().map(|v| (self.selector)(key, v));
        let emit = |ctx: &mut ProcessorContext<'_, K2, Change<V2>>, k: K2, change: Change<V2>| {
            ctx.forward(Record {
                key: Some(k),
                value: Some(change),
                timestamp: record.timestamp,
                headers: record.headers.clone(),
            })
        };
        match (old, new) {
            (Some((ok, ov)), Some((nk, nv))) if ok == nk => {
                emit(ctx, nk, Change::new(Some(nv), Some(ov)));
            }
            (old, new) => {
                // Subtract first, then add, as Kafka Streams does.
                if let Some((ok, ov)) = old {
                    emit(ctx, ok, Change::new(None, Some(ov)));
                }
                if let Some((nk, nv)) = new {
                    emit(ctx, nk, Change::new(Some(nv), None));
                }
            }
        }
        Ok(())
    }
}
