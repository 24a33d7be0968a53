//! `KStream::join_table` / `left_join_table`: each stream record looks up
//! its key in the table.
//!
//! Kafka's `KStreamKTableJoinProcessor`, checked against its source: only
//! stream records trigger output; table updates only change the table.
//! The table side is the table as it is when the stream record is
//! processed: every table update processed before the record (in the test
//! driver, piped before it) is visible, later ones are not. (Kafka's
//! versioned stores, which look up the value as of the stream record's
//! timestamp, are not implemented; with non-versioned stores Kafka also
//! uses the latest value.) Stream records with a null value are skipped; a
//! null key is skipped by an inner join and joined with no table value by
//! a left join (as Kafka does since 3.7). The result keeps the stream
//! record's key and timestamp.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};
use crate::state::ReadOnlyKeyValueStore;

/// The joined value from the stream value and the table value (if any);
/// `None` emits nothing (an inner join without a table value).
pub(crate) type StreamTableJoiner<V, VT, VR> =
    Arc<dyn Fn(&V, Option<&VT>) -> Option<VR> + Send + Sync>;

pub(crate) struct StreamTableJoin<V, VT, VR> {
    pub(crate) table_store: String,
    pub(crate) joiner: StreamTableJoiner<V, VT, VR>,
}

impl<K: Data, V: Data, VT: Data, VR: Data> Processor<K, V, K, VR> for StreamTableJoin<V, VT, VR> {
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, VR>,
    ) -> Result<()> {
        let Some(value) = record.value() else {
            super::skip_null_value(ctx.processor_name());
            return Ok(());
        };
        let table_value = match record.key() {
            Some(key) => ctx.key_value_store::<K, VT>(&self.table_store)?.get(key)?,
            None => None,
        };
        if record.key().is_none() && (self.joiner)(value, None).is_none() {
            tracing::debug!(
                processor = ctx.processor_name(),
                "skipping a record with a null key"
            );
            return Ok(());
        }
        if let Some(joined) = (self.joiner)(value, table_value.as_ref()) {
            ctx.forward(record.with_value(Some(joined)));
        }
        Ok(())
    }
}
