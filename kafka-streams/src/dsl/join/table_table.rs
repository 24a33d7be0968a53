//! `KTable::join`, `left_join`, `outer_join`.
//!
//! An update on either side recomputes its key's joined row and forwards
//! the new and old joined values; rows that leave the result become
//! tombstones downstream. Both tables must be materialized. See the
//! `table_table_join` operator.

use std::sync::Arc;

use crate::dsl::KTable;
use crate::processor::erased::factory;
use crate::processor::ops::{PassThrough, TableJoiner, TableTableJoin, TableTableJoinRight};
use crate::processor::{Change, Data};

impl<K: Data, V: Data> KTable<K, V> {
    fn table_table<V2: Data, VR: Data>(
        &self,
        other: &KTable<K, V2>,
        joiner: TableJoiner<V, V2, VR>,
        prefix: &str,
    ) -> KTable<K, VR> {
        let mut g = self.graph.borrow_mut();
        let merge_name = g.generate(&format!("{prefix}-MERGE"));
        let mut store_of = |node, store: Option<&str>| match store {
            Some(s) => s.to_string(),
            None => {
                let table_name = g.node_name(node);
                g.invalid(format!(
                    "table join `{merge_name}` needs table `{table_name}` to be materialized: join tables from StreamsBuilder::table, aggregations or to_table"
                ));
                String::new()
            }
        };
        let left_store = store_of(self.node, self.queryable_store_name());
        let right_store = store_of(other.node, other.queryable_store_name());
        let this_name = g.generate(&format!("{prefix}-THIS"));
        let (store, j) = (right_store.clone(), joiner.clone());
        let this = g.add_processor(
            this_name,
            vec![self.node],
            factory::<_, K, Change<V>, K, Change<VR>>(move || TableTableJoin {
                other_store: store.clone(),
                joiner: j.clone(),
            }),
        );
        let other_name = g.generate(&format!("{prefix}-OTHER"));
        let store = left_store.clone();
        let that = g.add_processor(
            other_name,
            vec![other.node],
            factory::<_, K, Change<V2>, K, Change<VR>>(move || TableTableJoinRight {
                inner: TableTableJoin {
                    other_store: store.clone(),
                    joiner: joiner.clone(),
                },
            }),
        );
        if !right_store.is_empty() && !left_store.is_empty() {
            g.connect_store(this, right_store);
            g.connect_store(that, left_store);
        }
        let merge = g.add_processor(
            merge_name,
            vec![this, that],
            factory::<_, K, Change<VR>, K, Change<VR>>(|| PassThrough),
        );
        drop(g);
        KTable::new(self.graph.clone(), merge, None)
    }

    /// The rows whose key is in both tables, joined. A tombstone on either
    /// side deletes the joined row (a tombstone downstream).
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let names = builder.table::<String, String>("names", Consumed::default(), Materialized::as_store("names"));
    /// let cities = builder.table::<String, String>("cities", Consumed::default(), Materialized::as_store("cities"));
    /// names.join(&cities, |n, c| format!("{n}@{c}")).to_stream().to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let n = driver.create_input_topic("names", StringSerde, StringSerde);
    /// let c = driver.create_input_topic("cities", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("out", StringSerde, StringSerde);
    /// n.pipe_input("1".to_string(), "Ada".to_string())?; // no city yet: nothing
    /// c.pipe_input("1".to_string(), "Seoul".to_string())?;
    /// c.pipe_tombstone("1".to_string())?;
    /// let values: Vec<Option<String>> = out.read_records_to_list()?.into_iter().map(|r| r.value).collect();
    /// assert_eq!(values, vec![Some("Ada@Seoul".to_string()), None]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn join<V2: Data, VR: Data, F>(&self, other: &KTable<K, V2>, joiner: F) -> KTable<K, VR>
    where
        F: Fn(&V, &V2) -> VR + Send + Sync + 'static,
    {
        self.table_table(
            other,
            Arc::new(move |l: Option<&V>, r: Option<&V2>| match (l, r) {
                (Some(l), Some(r)) => Some(joiner(l, r)),
                _ => None,
            }),
            "KTABLE-JOIN",
        )
    }

    /// Every row of this table, joined with the other table's row if any.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let names = builder.table::<String, String>("names", Consumed::default(), Materialized::as_store("names"));
    /// let cities = builder.table::<String, String>("cities", Consumed::default(), Materialized::as_store("cities"));
    /// names
    ///     .left_join(&cities, |n, c| format!("{n}@{}", c.map_or("-", |c| c.as_str())))
    ///     .to_stream()
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let n = driver.create_input_topic("names", StringSerde, StringSerde);
    /// let c = driver.create_input_topic("cities", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("out", StringSerde, StringSerde);
    /// n.pipe_input("1".to_string(), "Ada".to_string())?;
    /// c.pipe_input("1".to_string(), "Seoul".to_string())?;
    /// c.pipe_tombstone("1".to_string())?;
    /// n.pipe_tombstone("1".to_string())?;
    /// let values: Vec<Option<String>> = out.read_records_to_list()?.into_iter().map(|r| r.value).collect();
    /// assert_eq!(values, vec![Some("Ada@-".to_string()), Some("Ada@Seoul".to_string()), Some("Ada@-".to_string()), None]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn left_join<V2: Data, VR: Data, F>(
        &self,
        other: &KTable<K, V2>,
        joiner: F,
    ) -> KTable<K, VR>
    where
        F: Fn(&V, Option<&V2>) -> VR + Send + Sync + 'static,
    {
        self.table_table(
            other,
            Arc::new(move |l: Option<&V>, r: Option<&V2>| l.map(|l| joiner(l, r))),
            "KTABLE-LEFTJOIN",
        )
    }

    /// Every key of either table, joined with whatever each side has.
    ///
    /// ```
    /// use kafka_streams::{Consumed, Materialized, Produced, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let a = builder.table::<String, String>("a", Consumed::default(), Materialized::as_store("a"));
    /// let b = builder.table::<String, String>("b", Consumed::default(), Materialized::as_store("b"));
    /// a.outer_join(&b, |x, y| format!("{}|{}", x.map_or("-", |s| s.as_str()), y.map_or("-", |s| s.as_str())))
    ///     .to_stream()
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let ia = driver.create_input_topic("a", StringSerde, StringSerde);
    /// let ib = driver.create_input_topic("b", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("out", StringSerde, StringSerde);
    /// ib.pipe_input("k".to_string(), "y".to_string())?;
    /// ia.pipe_input("k".to_string(), "x".to_string())?;
    /// ib.pipe_tombstone("k".to_string())?;
    /// ia.pipe_tombstone("k".to_string())?;
    /// let values: Vec<Option<String>> = out.read_records_to_list()?.into_iter().map(|r| r.value).collect();
    /// assert_eq!(values, vec![Some("-|y".into()), Some("x|y".into()), Some("x|-".into()), None]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn outer_join<V2: Data, VR: Data, F>(
        &self,
        other: &KTable<K, V2>,
        joiner: F,
    ) -> KTable<K, VR>
    where
        F: Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
    {
        self.table_table(
            other,
            Arc::new(move |l: Option<&V>, r: Option<&V2>| Some(joiner(l, r))),
            "KTABLE-OUTERJOIN",
        )
    }
}
