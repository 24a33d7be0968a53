//! `KTable::join` / `left_join` / `outer_join`: each update of either table
//! recomputes the joined row of its key.
//!
//! Kafka's `KTableKTableInnerJoin` / `LeftJoin` / `OuterJoin`, checked
//! against their sources: an update on one side looks up the other side's
//! current value and forwards the joined row's new value and old value
//! (the join of the side's old value with the same other value). A row that
//! stops joining (a tombstone on either side of an inner join, on the left
//! side of a left join, or on both sides of an outer join) is forwarded as a
//! deletion, a tombstone downstream; an update that changes nothing visible
//! (neither new nor old joined row) forwards nothing. Results carry the
//! updating record's timestamp.

use std::sync::Arc;

use crate::error::Result;
use crate::processor::{Change, Data, Processor, ProcessorContext, Record};
use crate::state::ReadOnlyKeyValueStore;

/// Joins the two sides of a row; `None` when the row is not in the result.
pub(crate) type TableJoiner<V1, V2, VR> =
    Arc<dyn Fn(Option<&V1>, Option<&V2>) -> Option<VR> + Send + Sync>;

/// The processor for updates of the left table (`left_side`) or of the
/// right table, looking up the other table's store.
pub(crate) struct TableTableJoin<V1, V2, VR> {
    pub(crate) other_store: String,
    pub(crate) joiner: TableJoiner<V1, V2, VR>,
}

impl<V1, V2, VR> TableTableJoin<V1, V2, VR> {
    fn change<VThis: Data, VOther: Data>(
        &self,
        change: &Change<VThis>,
        other: Option<&VOther>,
        join: impl Fn(Option<&VThis>, Option<&VOther>) -> Option<VR>,
    ) -> Change<VR> {
        let new = join(change.new.as_ref(), other);
        let old = join(change.old.as_ref(), other);
        Change::new(new, old)
    }
}

impl<K: Data, V1: Data, V2: Data, VR: Data> Processor<K, Change<V1>, K, Change<VR>>
    for TableTableJoin<V1, V2, VR>
{
    fn process(
        &mut self,
        record: Record<K, Change<V1>>,
        ctx: &mut ProcessorContext<'_, K, Change<VR>>,
    ) -> Result<()> {
        let (Some(key), Some(change)) = (record.key(), record.value()) else {
            return Ok(());
        };
        let other = ctx.key_value_store::<K, V2>(&self.other_store)?.get(key)?;
        let joiner = &self.joiner;
        let out = self.change(change, other.as_ref(), |l, r| {
            if l.is_none() && r.is_none() {
                None
            } else {
                joiner(l, r)
            }
        });
        if out.is_empty() {
            return Ok(());
        }
        ctx.forward(record.with_value(Some(out)));
        Ok(())
    }
}

/// The same processor for the right table: its values are the joiner's
/// second argument.
pub(crate) struct TableTableJoinRight<V1, V2, VR> {
    pub(crate) inner: TableTableJoin<V1, V2, VR>,
}

impl<K: Data, V1: Data, V2: Data, VR: Data> Processor<K, Change<V2>, K, Change<VR>>
    for TableTableJoinRight<V1, V2, VR>
{
    fn process(
        &mut self,
        record: Record<K, Change<V2>>,
        ctx: &mut ProcessorContext<'_, K, Change<VR>>,
    ) -> Result<()> {
        let (Some(key), Some(change)) = (record.key(), record.value()) else {
            return Ok(());
        };
        let other = ctx
            .key_value_store::<K, V1>(&self.inner.other_store)?
            .get(key)?;
        let joiner = &self.inner.joiner;
        let out = self.inner.change(change, other.as_ref(), |r, l| {
            if l.is_none() && r.is_none() {
                None
            } else {
                joiner(l, r)
            }
        });
        if out.is_empty() {
            return Ok(());
        }
        ctx.forward(record.with_value(Some(out)));
        Ok(())
    }
}
