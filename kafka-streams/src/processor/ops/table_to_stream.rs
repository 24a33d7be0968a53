//! `KTable::to_stream`: each update as a stream record; a deleted row
//! becomes a record with a null value (a tombstone).

use crate::error::Result;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};

pub(crate) struct TableToStream;

impl<K: Data, V: Data> Processor<K, Change<V>, K, V> for TableToStream {
    fn process(
        &mut self,
        record: Record<K, Change<V>>,
        ctx: &mut ProcessorContext<'_, K, V>,
    ) -> Result<()> {
        let (key, change, timestamp, headers) = record.into_parts();
        ctx.forward(Record {
            key,
            value: change.and_then(|c| c.new),
            timestamp,
            headers,
        });
        Ok(())
    }
}
