//! `KStream::foreach`: a terminal side effect.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct Foreach<F> {
    pub(crate) action: Arc<F>,
}

impl<K: Data, V: Data, F> Processor<K, V, K, V> for Foreach<F>
where
    F: Fn(Option<&K>, &V) + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, V>,
    ) -> Result<()> {
        match record.value() {
            Some(value) => (self.action)(record.key(), value),
            None => super::skip_null_value(ctx.processor_name()),
        }
        Ok(())
    }
}
