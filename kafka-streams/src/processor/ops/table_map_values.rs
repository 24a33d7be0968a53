//! `KTable::map_values`: maps both sides of each change.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

pub(crate) struct TableMapValues<F> {
    pub(crate) mapper: Arc<F>,
}

impl<K: Data, V: Data, V2: Data, F> Processor<K, Change<V>, K, Change<V2>> for TableMapValues<F>
where
    F: Fn(&V) -> V2 + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, Change<V>>,
        ctx: &mut ProcessorContext<'_, K, Change<V2>>,
    ) -> Result<()> {
        let Some(change) = record.value.as_ref() else {
            return Ok(());
        };
        let mapped = Change::new(
            change.new.as_ref().map(|v| (self.mapper)(v)),
            change.old.as_ref().map(|v| (self.mapper)(v)),
        );
        ctx.forward(record.with_value(Some(mapped)));
        Ok(())
    }
}
