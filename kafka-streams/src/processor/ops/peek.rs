//! `KStream::peek`: a side effect, then the record goes on unchanged.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct Peek<F> {
    pub(crate) action: Arc<F>,
}

impl<K: Data, V: Data, F> Processor<K, V, K, V> for Peek<F>
where
    F: Fn(Option<&K>, &V) + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, V>,
    ) -> Result<()> {
        if let Some(value) = record.value() {
            (self.action)(record.key(), value);
        }
        ctx.forward(record);
        Ok(())
    }
}
