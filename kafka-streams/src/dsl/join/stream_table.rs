//! `KStream::join_table`, `left_join_table`.
//!
//! Each stream record looks up its key in the table as it is when the
//! record is processed (every table update processed before it is visible);
//! table updates alone emit nothing. See the `stream_table_join` operator.

use std::sync::Arc;

use crate::dsl::kstream::repartition_through;
use crate::dsl::{Joined, KStream, KTable};
use crate::processor::erased::factory;
use crate::processor::ops::{StreamTableJoin, StreamTableJoiner};
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    fn stream_table<VT: Data, VR: Data>(
        &self,
        table: &KTable<K, VT>,
        joiner: StreamTableJoiner<V, VT, VR>,
        joined: Joined<K, V>,
        prefix: &str,
    ) -> KStream<K, VR> {
        let mut g = self.graph.borrow_mut();
        let name = g.name_or(joined.name.clone(), prefix);
        let table_store = match table.queryable_store_name() {
            Some(s) => s.to_string(),
            None => {
                let table_name = g.node_name(table.node);
                g.invalid(format!(
                    "join `{name}` needs table `{table_name}` to be materialized: join a table from StreamsBuilder::table, an aggregation or to_table (e.g. .to_stream().to_table(Materialized::as_store(..)))"
                ));
                String::new()
            }
        };
        let parent = if self.repartition_required {
            repartition_through(
                &mut g,
                self.node,
                &format!("{name}-left"),
                joined.keys.clone(),
                joined.values.clone(),
            )
        } else {
            self.node
        };
        let store = table_store.clone();
        let node = g.add_processor(
            name,
            vec![parent],
            factory::<_, K, V, K, VR>(move || StreamTableJoin {
                table_store: store.clone(),
                joiner: joiner.clone(),
            }),
        );
        if !table_store.is_empty() {
            g.connect_store(node, table_store);
        }
        drop(g);
        KStream::new(self.graph.clone(), node, false)
    }

    /// Joins each record with the table's value for its key; records whose
    /// key is not in the table produce nothing.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Joined, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let names = builder.table::<String, String>("customers", Consumed::default(), Materialized::as_store("customers"));
    /// builder
    ///     .stream::<String, String>("orders", Consumed::default())
    ///     .join_table(&names, |order, name| format!("{order} for {name}"), Joined::default())
    ///     .to("enriched", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let customers = driver.create_input_topic("customers", StringSerde, StringSerde);
    /// let orders = driver.create_input_topic("orders", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("enriched", StringSerde, StringSerde);
    /// orders.pipe_input("c1".to_string(), "book".to_string())?; // no customer yet: nothing
    /// customers.pipe_input("c1".to_string(), "Ada".to_string())?;
    /// orders.pipe_input("c1".to_string(), "pen".to_string())?;
    /// customers.pipe_input("c1".to_string(), "Ada L.".to_string())?; // later records see it
    /// orders.pipe_input("c1".to_string(), "ink".to_string())?;
    /// assert_eq!(out.read_values_to_list()?, vec!["pen for Ada".to_string(), "ink for Ada L.".to_string()]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn join_table<VT: Data, VR: Data, F>(
        &self,
        table: &KTable<K, VT>,
        joiner: F,
        joined: Joined<K, V>,
    ) -> KStream<K, VR>
    where
        F: Fn(&V, &VT) -> VR + Send + Sync + 'static,
    {
        self.stream_table(
            table,
            Arc::new(move |v: &V, t: Option<&VT>| t.map(|t| joiner(v, t))),
            joined,
            "KSTREAM-JOIN",
        )
    }

    /// Joins each record with the table's value for its key, if any.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Joined, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let names = builder.table::<String, String>("customers", Consumed::default(), Materialized::as_store("customers"));
    /// builder
    ///     .stream::<String, String>("orders", Consumed::default())
    ///     .left_join_table(&names, |order, name| format!("{order} for {}", name.map_or("?", |n| n.as_str())), Joined::default())
    ///     .to("enriched", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let customers = driver.create_input_topic("customers", StringSerde, StringSerde);
    /// let orders = driver.create_input_topic("orders", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("enriched", StringSerde, StringSerde);
    /// orders.pipe_input("c1".to_string(), "book".to_string())?;
    /// customers.pipe_input("c1".to_string(), "Ada".to_string())?;
    /// orders.pipe_input("c1".to_string(), "pen".to_string())?;
    /// customers.pipe_tombstone("c1".to_string())?;
    /// orders.pipe_input("c1".to_string(), "ink".to_string())?;
    /// assert_eq!(out.read_values_to_list()?, vec!["book for ?".to_string(), "pen for Ada".to_string(), "ink for ?".to_string()]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn left_join_table<VT: Data, VR: Data, F>(
        &self,
        table: &KTable<K, VT>,
        joiner: F,
        joined: Joined<K, V>,
    ) -> KStream<K, VR>
    where
        F: Fn(&V, Option<&VT>) -> VR + Send + Sync + 'static,
    {
        self.stream_table(
            table,
            Arc::new(move |v: &V, t: Option<&VT>| Some(joiner(v, t))),
            joined,
            "KSTREAM-LEFTJOIN",
        )
    }
}
