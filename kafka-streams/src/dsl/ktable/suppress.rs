//! `KTable::suppress`: one final result per window.

use super::KTable;
use crate::dsl::{Suppressed, Windowed};
use crate::processor::erased::factory;
use crate::processor::ops::{BufferedSerde, Suppress};
use crate::processor::{Change, Data};
use crate::state::StoreBuilder;
use kafka_client::serde::SharedSerde;

use crate::dsl::windows::SessionWindowedSerde;

impl<K: Data, V: Data> KTable<Windowed<K>, V> {
    /// Holds back the updates of a windowed table until each window closes
    /// (`end + grace` reached by stream time, with the grace of the windowed
    /// aggregation upstream), then emits the window's final result once.
    /// Without `suppress`, a windowed table emits every update. The buffer
    /// is a change-logged store named `<processor>-store`. Calling it on a
    /// table that does not come from a windowed aggregation is an error
    /// from `build()`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{BufferConfig, Consumed, Grouped, Materialized, Produced, StreamsBuilder, Suppressed, TimeWindows};
    /// use kafka_streams::dsl::TimeWindowedSerde;
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// builder
    ///     .stream::<String, String>("views", Consumed::default())
    ///     .group_by_key(Grouped::default())
    ///     .windowed_by(TimeWindows::of_size_and_grace(Duration::from_millis(10), Duration::from_millis(2))?)
    ///     .count(Materialized::as_store("counts"))
    ///     .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
    ///     .to_stream()
    ///     .to("final", Produced::with(TimeWindowedSerde::new(StringSerde, 10), LongSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("views", StringSerde, StringSerde);
    /// let output = driver.create_output_topic("final", TimeWindowedSerde::new(StringSerde, 10), LongSerde);
    /// for t in [1, 5, 9, 11] {
    ///     input.pipe_input_at("/".to_string(), "v".to_string(), t)?;
    /// }
    /// assert!(output.is_empty()); // [0, 10) closes at stream time 12
    /// input.pipe_input_at("/".to_string(), "v".to_string(), 12)?;
    /// let finals: Vec<(i64, i64)> = output.read_key_values_to_list()?.into_iter().map(|(w, n)| (w.window().start(), n)).collect();
    /// assert_eq!(finals, vec![(0, 3)]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn suppress(&self, suppressed: Suppressed<K, V>) -> KTable<Windowed<K>, V> {
        let mut g = self.graph.borrow_mut();
        let name = g.name_or(suppressed.name.clone(), "KTABLE-SUPPRESS");
        let store = format!("{name}-store");
        let (grace_ms, end_inclusive) = match g.window_grace(self.node) {
            Some(close) => close,
            None => {
                let table = g.node_name(self.node);
                g.invalid(format!(
                    "suppress `{name}` follows table `{table}`, which does not come from a windowed aggregation: suppress until window closes needs windowed_by(..) or windowed_by_session(..) upstream"
                ));
                (0, false)
            }
        };
        let buffer = suppressed.buffer;
        let store_name = store.clone();
        let node = g.add_processor(
            name,
            vec![self.node],
            factory::<_, Windowed<K>, Change<V>, Windowed<K>, Change<V>>(move || Suppress {
                store: store_name.clone(),
                grace_ms,
                end_inclusive,
                buffer,
                observed: None,
            }),
        );
        g.connect_store(node, store.clone());
        g.add_store(
            StoreBuilder::from_shared(
                store,
                SharedSerde::new(SessionWindowedSerde::from_shared(suppressed.keys)),
                SharedSerde::new(BufferedSerde::new(suppressed.values)),
            )
            .into_spec(),
        );
        g.set_window_grace(node, grace_ms, end_inclusive);
        drop(g);
        KTable::new(self.graph.clone(), node, None)
    }
}
