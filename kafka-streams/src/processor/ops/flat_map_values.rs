//! `KStream::flat_map_values`: zero or more new values per record, same key.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct FlatMapValues<F> {
    pub(crate) mapper: Arc<F>,
}

impl<K: Data, V: Data, V2: Data, I, F> Processor<K, V, K, V2> for FlatMapValues<F>
where
    F: Fn(&V) -> I + Send + Sync + 'static,
    I: IntoIterator<Item = V2>,
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
        for v in (self.mapper)(value) {
            ctx.forward(Record {
                key: record.key.clone(),
                value: Some(v),
                timestamp: record.timestamp,
                headers: record.headers.clone(),
            });
        }
        Ok(())
    }
}
