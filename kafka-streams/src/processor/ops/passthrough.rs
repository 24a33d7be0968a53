//! Forwards every record unchanged: the node of `merge` and of each branch
//! of `split`.

use crate::error::Result;
use crate::processor::{Data, Processor, ProcessorContext, Record};

pub(crate) struct PassThrough;

impl<K: Data, V: Data> Processor<K, V, K, V> for PassThrough {
    fn process(
        &mut self,
        record: Record<K, V>,
        ctx: &mut ProcessorContext<'_, K, V>,
    ) -> Result<()> {
        ctx.forward(record);
        Ok(())
    }
}
