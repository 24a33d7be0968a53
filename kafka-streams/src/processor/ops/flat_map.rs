//! `KStream::flat_map`: zero or more new records per record.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct FlatMap<F> {
    pub(crate) mapper: Arc<F>,
}

impl<K: Data, V: Data, K2: Data, V2: Data, I, F> Processor<K, V, K2, V2> for FlatMap<F>
where
    F: Fn(Option<&K>, &V) -> I + Send + Sync + 'static,
    I: IntoIterator<Item = (K2, V2)>,
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
        for (k, v) in (self.mapper)(record.key(), value) {
            ctx.forward(Record {
                key: Some(k),
                value: Some(v),
                timestamp: record.timestamp,
                headers: record.headers.clone(),
            });
        }
        Ok(())
    }
}
