//! `KTable::filter` / `filter_not`: rows that fail the predicate are absent
//! from the result table, so an update that makes a row fail deletes it.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

pub(crate) struct TableFilter<F> {
    pub(crate) predicate: Arc<F>,
    pub(crate) keep: bool,
}

impl<K: Data, V: Data, F> Processor<K, Change<V>, K, Change<V>> for TableFilter<F>
where
    F: Fn(&K, &V) -> bool + Send + Sync + 'static,
{
    fn process(
        &mut self,
        record: Record<K, Change<V>>,
        ctx: &mut ProcessorContext<'_, K, Change<V>>,
    ) -> Result<()> {
        let (Some(key), Some(change)) = (record.key.as_ref(), record.value.as_ref()) else {
            return Ok(());
        };
        let pass = |v: &Option<V>| v.clone().filter(|v| (self.predicate)(key, v) == self.keep);
        let filtered = Change::new(pass(&change.new), pass(&change.old));
        if !filtered.is_empty() {
            ctx.forward(record.with_value(Some(filtered)));
        }
        Ok(())
    }
}
