//! `KStream::map`: a new key and value per record.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct Map<F> {
    pub(crate) mapper: Arc<F>,
}

impl<K: Data, V: Data, K2: Data, V2: Data, F> Processor<K, V, K2, V2> for Map<F>
where
    F: Fn(Option<&K>, &V) -> (K2, V2) + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K2, V2>,
    ) -> Result<()> {
        let Some(value) = record.value() else {
            super::skip_null_value(ctx.processor_name());
            return Ok(());
        };
        let (k, v) = (self.mapper)(record.key(), value);
        ctx.forward(record.with_key(Some(k)).with_value(Some(v)));
        Ok(())
    }
}
