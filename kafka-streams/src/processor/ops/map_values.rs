//! `KStream::map_values`: a new value, same key.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct MapValues<F> {
    pub(crate) mapper: Arc<F>,
}

impl<K: Data, V: Data, V2: Data, F> Processor<K, V, K, V2> for MapValues<F>
where
    F: Fn(&V) -> V2 + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, V2>,
    ) -> Result<()> {
        let Some(value) = record.value() else {
            super::skip_null_value(ctx.processor_name());
            return Ok(());
        };
        let mapped = (self.mapper)(value);
        ctx.forward(record.with_value(Some(mapped)));
        Ok(())
    }
}
