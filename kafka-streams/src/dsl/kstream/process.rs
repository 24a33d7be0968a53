//! `process`: a custom processor from the Processor API.

use super::KStream;
use crate::processor::erased::factory;
use crate::processor::{Data, Processor};

impl<K: Data, V: Data> KStream<K, V> {
    /// Adds a custom [`Processor`], made fresh for each task by `supplier`,
    /// connected to the named state stores (added with
    /// [`StreamsBuilder::add_state_store`](crate::StreamsBuilder::add_state_store);
    /// a missing one is an error from `build()`). It may change keys, so a
    /// later grouping repartitions. See the [`processor`](crate::processor)
    /// module for an example with a store; punctuations:
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::processor::{Processor, ProcessorContext, PunctuationId, PunctuationType, Record};
    /// use kafka_streams::{Consumed, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    ///
    /// /// Counts records and emits the count every 10 s of wall-clock time.
    /// #[derive(Default)]
    /// struct Ticker { seen: i64 }
    /// impl Processor<String, String, String, i64> for Ticker {
    ///     fn init(&mut self, ctx: &mut ProcessorContext<'_, String, i64>) -> kafka_streams::Result<()> {
    ///         ctx.schedule(Duration::from_secs(10), PunctuationType::WallClockTime)?;
    ///         Ok(())
    ///     }
    ///     fn process(&mut self, _r: Record<String, String>, _ctx: &mut ProcessorContext<'_, String, i64>) -> kafka_streams::Result<()> {
    ///         self.seen += 1;
    ///         Ok(())
    ///     }
    ///     fn punctuate(&mut self, _id: PunctuationId, now: i64, ctx: &mut ProcessorContext<'_, String, i64>) -> kafka_streams::Result<()> {
    ///         ctx.forward(Record::new(Some("seen".to_string()), Some(self.seen), now));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("in", Consumed::default())
    ///     .process(Ticker::default, &[])
    ///     .named("ticker")
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("in", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("out", StringSerde, LongSerde);
    /// input.pipe_value("a".to_string())?;
    /// input.pipe_value("b".to_string())?;
    /// assert!(output.is_empty());
    /// driver.advance_wall_clock_time(10_000)?;
    /// let record = output.read_record()?.unwrap();
    /// assert_eq!((record.value, record.timestamp), (Some(2), 10_000));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn process<KOut: Data, VOut: Data, P, S>(
        &self,
        supplier: S,
        stores: &[&str],
    ) -> KStream<KOut, VOut>
    where
        P: Processor<K, V, KOut, VOut>,
        S: Fn() -> P + Send + Sync + 'static,
    {
        let stream = self.then(
            "KSTREAM-PROCESSOR",
            factory::<P, K, V, KOut, VOut>(supplier),
            true,
        );
        let mut g = self.graph.borrow_mut();
        g.mark_side_effect(stream.node);
        for store in stores {
            g.connect_store(stream.node, (*store).to_string());
        }
        drop(g);
        stream
    }
}
