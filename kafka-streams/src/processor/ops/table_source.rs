//! `StreamsBuilder::table` and `KStream::to_table`: materializes each record
//! as the latest value of its key (a tombstone deletes) and forwards the
//! change.

use crate::error::Result;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};
use crate::state::{KeyValueStore, ReadOnlyKeyValueStore};

pub(crate) struct TableSource {
    pub(crate) store: String,
}

impl<K: Data, V: Data> Processor<K, V, K, Change<V>> for TableSource {
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, Change<V>>,
    ) -> Result<()> {
        let Some(key) = record.key() else {
            tracing::debug!(
                processor = ctx.processor_name(),
                "skipping a table record with a null key"
            );
            return Ok(());
        };
        let mut store = ctx.key_value_store::<K, V>(&self.store)?;
        let old = match record.value() {
            Some(value) => {
                let old = store.get(key)?;
                store.put(key, value)?;
                old
            }
            None => store.delete(key)?,
        };
        let (key, new, timestamp, headers) = record.into_parts();
        let change = Change::new(new, old);
        if change.is_empty() {
            // A tombstone for a key the table never had: nothing changed.
            return Ok(());
        }
        ctx.forward(Record {
            key,
            value: Some(change),
            timestamp,
            headers,
        });
        Ok(())
    }
}
