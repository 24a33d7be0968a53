//! `KStream::select_key` (and the key choice of `group_by`): a new key,
//! same value.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct SelectKey<F> {
    pub(crate) selector: Arc<F>,
}

impl<K: Data, V: Data, K2: Data, F> Processor<K, V, K2, V> for SelectKey<F>
where
    F: Fn(Option<&K>, &V) -> K2 + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K2, V>,
    ) -> Result<()> {
        let Some(value) = record.value() else {
            super::skip_null_value(ctx.processor_name());
            return Ok(());
        };
        let key = (self.selector)(record.key(), value);
        ctx.forward(record.with_key(Some(key)));
        Ok(())
    }
}
