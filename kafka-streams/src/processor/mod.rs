//! The Processor API under the DSL.
//!
//! A [`Processor`] receives [`Record`]s one at a time, may read and write the
//! state stores it is connected to, forwards records to its children through
//! its [`ProcessorContext`], and may schedule punctuations on stream time or
//! wall-clock time. Every DSL operator is such a processor (see [`ops`]), and
//! users add their own with [`KStream::process`](crate::dsl::KStream::process).
//!
//! ```
//! use kafka_streams::processor::{Processor, ProcessorContext, Record};
//! use kafka_streams::state::{KeyValueStore, ReadOnlyKeyValueStore, StoreBuilder};
//! use kafka_streams::{Consumed, Produced, StreamsBuilder};
//! use kafka_streams::test_driver::TopologyTestDriver;
//! use kafka_client::serde::{LongSerde, StringSerde};
//!
//! /// Emits the running total per key, kept in the store "totals".
//! struct Totals;
//! impl Processor<String, i64, String, i64> for Totals {
//!     fn process(
//!         &mut self,
//!         record: Record<String, i64>,
//!         ctx: &mut ProcessorContext<'_, String, i64>,
//!     ) -> kafka_streams::Result<()> {
//!         let (Some(key), Some(value)) = (record.key(), record.value()) else { return Ok(()) };
//!         let mut store = ctx.key_value_store::<String, i64>("totals")?;
//!         let total = store.get(key)?.unwrap_or(0) + value;
//!         store.put(key, &total)?;
//!         let out = record.clone().with_value(Some(total));
//!         ctx.forward(out);
//!         Ok(())
//!     }
//! }
//!
//! let builder = StreamsBuilder::new();
//! builder.add_state_store(StoreBuilder::<String, i64>::key_value("totals"));
//! builder
//!     .stream::<String, i64>("in", Consumed::default())
//!     .process(|| Totals, &["totals"])
//!     .to("out", Produced::default());
//! let driver = TopologyTestDriver::new(builder.build()?)?;
//! let input = driver.create_input_topic("in", StringSerde, LongSerde);
//! let output = driver.create_output_topic("out", StringSerde, LongSerde);
//! input.pipe_input("a".to_string(), 2)?;
//! input.pipe_input("a".to_string(), 3)?;
//! assert_eq!(output.read_key_values_to_list()?, vec![("a".to_string(), 2), ("a".to_string(), 5)]);
//! # Ok::<(), kafka_streams::Error>(())
//! ```

mod change;
mod context;
pub(crate) mod erased;
pub(crate) mod forward_cache;
pub mod ops;
mod punctuation;
mod record;
pub(crate) mod sink;
pub(crate) mod source;

pub use change::Change;
pub(crate) use change::ChangeSerde;
pub use context::ProcessorContext;
pub(crate) use punctuation::Schedule;
pub use punctuation::{PunctuationId, PunctuationType};
pub use record::Record;

use crate::error::Result;

/// What a key or value type must be to flow through a topology: cloneable
/// (a record forwarded to several children is cloned) and sendable to the
/// task's thread.
pub trait Data: Clone + Send + 'static {}

impl<T: Clone + Send + 'static> Data for T {}

/// A processor: receives records of `Record<KIn, VIn>` and forwards records
/// of `Record<KOut, VOut>`. One instance runs per task, on one thread at a
/// time.
pub trait Processor<KIn, VIn, KOut, VOut>: Send + 'static {
    /// Called once before the first record; schedule punctuations here.
    fn init(&mut self, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// Processes one record.
    fn process(
        &mut self,
        record: Record<KIn, VIn>,
        ctx: &mut ProcessorContext<'_, KOut, VOut>,
    ) -> Result<()>;

    /// Called for each punctuation this processor scheduled, with the
    /// current stream time or wall-clock time.
    fn punctuate(
        &mut self,
        id: PunctuationId,
        timestamp: i64,
        ctx: &mut ProcessorContext<'_, KOut, VOut>,
    ) -> Result<()> {
        let _ = (id, timestamp, ctx);
        Ok(())
    }

    /// Called when the task commits (the test driver: after each input
    /// record and punctuation), before the output is sent: forward here
    /// whatever the processor held back. The KTable aggregations forward
    /// their record cache here; most processors hold nothing back.
    fn flush(&mut self, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }
}
