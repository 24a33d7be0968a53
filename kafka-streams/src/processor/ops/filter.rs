//! `KStream::filter` / `filter_not`.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

/// Keeps the records for which the predicate is `keep` (true for `filter`,
/// false for `filter_not`).
pub(crate) struct Filter<F> {
    pub(crate) predicate: Arc<F>,
    pub(crate) keep: bool,
}

impl<K: Data, V: Data, F> Processor<K, V, K, V> for Filter<F>
where
    F: Fn(Option<&K>, &V) -> bool + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, V>,
    ) -> Result<()> {
        let Some(value) = record.value() else {
            super::skip_null_value(ctx.processor_name());
            return Ok(());
        };
        if (self.predicate)(record.key(), value) == self.keep {
            ctx.forward(record);
        }
        Ok(())
    }
}
