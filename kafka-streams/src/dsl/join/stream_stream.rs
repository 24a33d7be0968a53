//! `KStream::join`, `left_join`, `outer_join` over a [`JoinWindows`].
//!
//! Records of the two streams with the same key and timestamps within the
//! join window are joined; left and outer joins also emit records that
//! found no partner, once their window has closed. See the
//! `stream_stream_join` operator for the full semantics.

use std::sync::Arc;

use kafka_client::serde::SharedSerde;

use crate::dsl::kstream::repartition_through;
use crate::dsl::{JoinWindows, KStream, StreamJoined};
use crate::processor::erased::factory;
use crate::processor::ops::{
    BufferListSerde, JoinInput, JoinKind, StreamJoiner, StreamStreamJoin, TagLeft, TagRight,
};
use crate::processor::Data;
use crate::state::{StoreBuilder, StoreKind};

impl<K: Data, V: Data> KStream<K, V> {
    fn stream_stream<V2: Data, VR: Data>(
        &self,
        other: &KStream<K, V2>,
        joiner: StreamJoiner<V, V2, VR>,
        windows: JoinWindows,
        joined: StreamJoined<K, V, V2>,
        kind: JoinKind,
        prefix: &str,
    ) -> KStream<K, VR> {
        let mut g = self.graph.borrow_mut();
        let name = g.name_or(joined.name.clone(), prefix);
        let left_store = format!("{name}-left-store");
        let right_store = format!("{name}-right-store");
        let left_parent = if self.repartition_required {
            let topic = format!("{name}-left");
            repartition_through(
                &mut g,
                self.node,
                &topic,
                joined.keys.clone(),
                joined.left.clone(),
            )
        } else {
            self.node
        };
        let right_parent = if other.repartition_required {
            let topic = format!("{name}-right");
            repartition_through(
                &mut g,
                other.node,
                &topic,
                joined.keys.clone(),
                joined.right.clone(),
            )
        } else {
            other.node
        };
        let tag_left = g.generate("KSTREAM-JOINTHIS");
        let tag_left = g.add_processor(
            tag_left,
            vec![left_parent],
            factory::<_, K, V, K, JoinInput<V, V2>>(|| TagLeft),
        );
        let tag_right = g.generate("KSTREAM-JOINOTHER");
        let tag_right = g.add_processor(
            tag_right,
            vec![right_parent],
            factory::<_, K, V2, K, JoinInput<V, V2>>(|| TagRight),
        );
        let (ls, rs) = (left_store.clone(), right_store.clone());
        let node = g.add_processor(
            name,
            vec![tag_left, tag_right],
            factory::<_, K, JoinInput<V, V2>, K, VR>(move || StreamStreamJoin {
                left_store: ls.clone(),
                right_store: rs.clone(),
                windows,
                kind,
                joiner: joiner.clone(),
                observed: None,
            }),
        );
        let retention_ms = windows
            .before_ms()
            .saturating_add(windows.after_ms())
            .saturating_add(windows.grace_ms());
        let kind = StoreKind::Window { retention_ms };
        g.connect_store(node, left_store.clone());
        g.connect_store(node, right_store.clone());
        g.add_store(
            StoreBuilder::from_shared(
                left_store,
                joined.keys.clone(),
                SharedSerde::new(BufferListSerde::new(joined.left)),
            )
            .with_kind(kind)
            .into_spec(),
        );
        g.add_store(
            StoreBuilder::from_shared(
                right_store,
                joined.keys,
                SharedSerde::new(BufferListSerde::new(joined.right)),
            )
            .with_kind(kind)
            .into_spec(),
        );
        drop(g);
        KStream::new(self.graph.clone(), node, false)
    }

    /// Joins records of both streams with the same key whose timestamps are
    /// within `windows`; the result has the later timestamp of the two.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, JoinWindows, Produced, StreamJoined, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let views = builder.stream::<String, String>("views", Consumed::default());
    /// let clicks = builder.stream::<String, String>("clicks", Consumed::default());
    /// views
    ///     .join(&clicks, |v, c| format!("{v}->{c}"),
    ///           JoinWindows::of_time_difference_with_no_grace(Duration::from_millis(10))?,
    ///           StreamJoined::default().with_name("view-click"))
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let v = driver.create_input_topic("views", StringSerde, StringSerde);
    /// let c = driver.create_input_topic("clicks", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("out", StringSerde, StringSerde);
    /// v.pipe_input_at("u".to_string(), "ad1".to_string(), 100)?;
    /// c.pipe_input_at("u".to_string(), "c1".to_string(), 110)?; // exactly at the edge: joins
    /// c.pipe_input_at("u".to_string(), "c2".to_string(), 111)?; // 11 ms after: no
    /// let r = out.read_records_to_list()?;
    /// assert_eq!(r.len(), 1);
    /// assert_eq!((r[0].value.as_deref(), r[0].timestamp), (Some("ad1->c1"), 110));
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn join<V2: Data, VR: Data, F>(
        &self,
        other: &KStream<K, V2>,
        joiner: F,
        windows: JoinWindows,
        joined: StreamJoined<K, V, V2>,
    ) -> KStream<K, VR>
    where
        F: Fn(&V, &V2) -> VR + Send + Sync + 'static,
    {
        self.stream_stream(
            other,
            Arc::new(move |l: Option<&V>, r: Option<&V2>| match (l, r) {
                (Some(l), Some(r)) => Some(joiner(l, r)),
                _ => None,
            }),
            windows,
            joined,
            JoinKind::Inner,
            "KSTREAM-JOIN",
        )
    }

    /// Like [`join`](Self::join), and a left record that found no partner
    /// is emitted with `None` once its window closes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, JoinWindows, Produced, StreamJoined, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let orders = builder.stream::<String, String>("orders", Consumed::default());
    /// let payments = builder.stream::<String, String>("payments", Consumed::default());
    /// orders
    ///     .left_join(&payments, |o, p| format!("{o}:{}", p.map_or("unpaid", |p| p.as_str())),
    ///                JoinWindows::of_time_difference_with_no_grace(Duration::from_millis(5))?,
    ///                StreamJoined::default())
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let o = driver.create_input_topic("orders", StringSerde, StringSerde);
    /// let p = driver.create_input_topic("payments", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("out", StringSerde, StringSerde);
    /// o.pipe_input_at("a".to_string(), "o1".to_string(), 0)?;
    /// o.pipe_input_at("b".to_string(), "o2".to_string(), 1)?;
    /// p.pipe_input_at("b".to_string(), "paid".to_string(), 3)?;
    /// assert_eq!(out.read_values_to_list()?, vec!["o2:paid".to_string()]); // o1 may still be paid
    /// p.pipe_input_at("z".to_string(), "x".to_string(), 6)?; // stream time 6 > 0 + 5: o1's window closed
    /// assert_eq!(out.read_values_to_list()?, vec!["o1:unpaid".to_string()]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn left_join<V2: Data, VR: Data, F>(
        &self,
        other: &KStream<K, V2>,
        joiner: F,
        windows: JoinWindows,
        joined: StreamJoined<K, V, V2>,
    ) -> KStream<K, VR>
    where
        F: Fn(&V, Option<&V2>) -> VR + Send + Sync + 'static,
    {
        self.stream_stream(
            other,
            Arc::new(move |l: Option<&V>, r: Option<&V2>| l.map(|l| joiner(l, r))),
            windows,
            joined,
            JoinKind::Left,
            "KSTREAM-LEFTJOIN",
        )
    }

    /// Like [`join`](Self::join), and a record of either side that found no
    /// partner is emitted with `None` for the other side once its window
    /// closes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kafka_streams::{Consumed, JoinWindows, Produced, StreamJoined, StreamsBuilder};
    /// use kafka_streams::serde::StringSerde;
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let a = builder.stream::<String, String>("a", Consumed::default());
    /// let b = builder.stream::<String, String>("b", Consumed::default());
    /// a.outer_join(&b, |x, y| format!("{}|{}", x.map_or("-", |s| s.as_str()), y.map_or("-", |s| s.as_str())),
    ///              JoinWindows::of_time_difference_with_no_grace(Duration::from_millis(2))?,
    ///              StreamJoined::default())
    ///     .to("out", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let ia = driver.create_input_topic("a", StringSerde, StringSerde);
    /// let ib = driver.create_input_topic("b", StringSerde, StringSerde);
    /// let out = driver.create_output_topic("out", StringSerde, StringSerde);
    /// ib.pipe_input_at("k".to_string(), "y".to_string(), 0)?;
    /// ia.pipe_input_at("j".to_string(), "x".to_string(), 10)?; // closes y's window
    /// assert_eq!(out.read_values_to_list()?, vec!["-|y".to_string()]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn outer_join<V2: Data, VR: Data, F>(
        &self,
        other: &KStream<K, V2>,
        joiner: F,
        windows: JoinWindows,
        joined: StreamJoined<K, V, V2>,
    ) -> KStream<K, VR>
    where
        F: Fn(Option<&V>, Option<&V2>) -> VR + Send + Sync + 'static,
    {
        self.stream_stream(
            other,
            Arc::new(move |l: Option<&V>, r: Option<&V2>| Some(joiner(l, r))),
            windows,
            joined,
            JoinKind::Outer,
            "KSTREAM-OUTERJOIN",
        )
    }
}
