//! Type erasure between the typed processors and the task that runs them.
//!
//! The DSL checks types at compile time; the topology stores processors
//! behind [`ErasedProcessor`] and records as `Box<dyn Any + Send>`. The
//! adapter downcasts each record back to the type its processor was built
//! for; a failed downcast can only be a bug in this crate and comes back as
//! [`Error::Internal`].

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{Data, Processor, ProcessorContext, PunctuationId, Record};
use crate::error::{Error, Result};
use crate::task::TaskCore;
use crate::topology::{NodeId, Topology};

/// A record of some `Record<K, V>` type.
pub(crate) type AnyRecord = Box<dyn Any + Send>;

/// Records forwarded by a node, with the child each one is for.
pub(crate) type Outbox = Vec<(NodeId, AnyRecord)>;

/// What a running processor can reach: the task's state, the topology and
/// the queue of forwarded records.
pub(crate) struct Env<'a> {
    pub(crate) core: &'a mut TaskCore,
    pub(crate) topology: &'a Topology,
    pub(crate) node: NodeId,
    pub(crate) outbox: &'a mut Outbox,
}

/// A processor with its types erased.
pub(crate) trait ErasedProcessor: Send {
    fn init(&mut self, env: Env<'_>) -> Result<()>;
    fn process(&mut self, record: AnyRecord, env: Env<'_>) -> Result<()>;
    fn punctuate(&mut self, id: PunctuationId, timestamp: i64, env: Env<'_>) -> Result<()>;
    fn flush(&mut self, env: Env<'_>) -> Result<()>;
}

/// Makes a fresh processor for each task.
pub(crate) type ProcessorFactory = Arc<dyn Fn() -> Box<dyn ErasedProcessor> + Send + Sync>;

struct Adapter<P, KIn, VIn, KOut, VOut> {
    processor: P,
    types: PhantomData<fn(KIn, VIn, KOut, VOut)>,
}

impl<P, KIn, VIn, KOut, VOut> ErasedProcessor for Adapter<P, KIn, VIn, KOut, VOut>
where
    P: Processor<KIn, VIn, KOut, VOut>,
    KIn: Data,
    VIn: Data,
    KOut: Data,
    VOut: Data,
{
    fn init(&mut self, env: Env<'_>) -> Result<()> {
        self.processor.init(&mut ProcessorContext::new(env))
    }

    fn process(&mut self, record: AnyRecord, env: Env<'_>) -> Result<()> {
        let record = downcast::<KIn, VIn>(record, env.topology, env.node)?;
        self.processor
            .process(record, &mut ProcessorContext::new(env))
    }

    fn punctuate(&mut self, id: PunctuationId, timestamp: i64, env: Env<'_>) -> Result<()> {
        self.processor
            .punctuate(id, timestamp, &mut ProcessorContext::new(env))
    }

    fn flush(&mut self, env: Env<'_>) -> Result<()> {
        self.processor.flush(&mut ProcessorContext::new(env))
    }
}

/// A factory that makes a `P` per task and erases its types.
pub(crate) fn factory<P, KIn, VIn, KOut, VOut>(
    make: impl Fn() -> P + Send + Sync + 'static,
) -> ProcessorFactory
where
    P: Processor<KIn, VIn, KOut, VOut>,
    KIn: Data,
    VIn: Data,
    KOut: Data,
    VOut: Data,
{
    Arc::new(move || {
        Box::new(Adapter {
            processor: make(),
            types: PhantomData::<fn(KIn, VIn, KOut, VOut)>,
        }) as Box<dyn ErasedProcessor>
    })
}

/// Gets the typed record back, or says which node got the wrong type.
pub(crate) fn downcast<K: Data, V: Data>(
    record: AnyRecord,
    topology: &Topology,
    node: NodeId,
) -> Result<Record<K, V>> {
    record
        .downcast::<Record<K, V>>()
        .map(|r| *r)
        .map_err(|_| Error::Internal {
            node: topology.node(node).name().to_string(),
            message: format!(
                "expected a Record<{}, {}>",
                std::any::type_name::<K>(),
                std::any::type_name::<V>()
            ),
        })
}

/// Sends `record` to every child, cloning it for all but the last.
pub(crate) fn fan_out<K: Data, V: Data>(
    record: Record<K, V>,
    children: &[NodeId],
    outbox: &mut Outbox,
) {
    if let Some((&last, rest)) = children.split_last() {
        for &child in rest {
            outbox.push((child, Box::new(record.clone())));
        }
        outbox.push((last, Box::new(record)));
    }
}
