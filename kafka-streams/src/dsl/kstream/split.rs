//! `split` into named branches.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::KStream;
use crate::dsl::{Branched, Named};
use crate::processor::erased::factory;
use crate::processor::ops::{Branch, BranchPredicate, PassThrough};
use crate::processor::Data;

impl<K: Data, V: Data> KStream<K, V> {
    /// Splits the stream into branches: each record goes to the first
    /// branch whose predicate it matches. The branches' streams are returned
    /// by name: `<prefix><branch name>`, where the prefix is the split's
    /// name (`named`, or `KSTREAM-BRANCH-<n>-`).
    ///
    /// ```
    /// use kafka_streams::{Branched, Consumed, Named, Produced, StreamsBuilder};
    /// use kafka_streams::serde::{LongSerde, StringSerde};
    /// use kafka_streams::test_driver::TopologyTestDriver;
    /// let builder = StreamsBuilder::new();
    /// let branches = builder
    ///     .stream::<String, i64>("amounts", Consumed::default())
    ///     .split(Named::new("size-"))
    ///     .branch(|_k, v| *v >= 100, Branched::named("large"))
    ///     .branch(|_k, v| *v >= 10, Branched::named("medium"))
    ///     .default_branch(Branched::named("small"));
    /// branches["size-large"].to("large", Produced::default());
    /// branches["size-small"].to("small", Produced::default());
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.create_input_topic("amounts", StringSerde, LongSerde);
    /// let large = driver.create_output_topic("large", StringSerde, LongSerde);
    /// let small = driver.create_output_topic("small", StringSerde, LongSerde);
    /// for v in [500, 50, 5] {
    ///     input.pipe_input("k".to_string(), v)?;
    /// }
    /// assert_eq!(large.read_values_to_list()?, vec![500]);
    /// assert_eq!(small.read_values_to_list()?, vec![5]);
    /// # Ok::<(), kafka_streams::Error>(())
    /// ```
    pub fn split(&self, named: Named) -> BranchedKStream<K, V> {
        let mut g = self.graph.borrow_mut();
        let node_name = g.generate("KSTREAM-BRANCH");
        let prefix = named.name.unwrap_or_else(|| format!("{node_name}-"));
        let node = g.add_processor(
            node_name,
            vec![self.node],
            factory::<_, K, V, K, V>(|| Branch::<K, V> {
                branches: Vec::new(),
                default: None,
            }),
        );
        drop(g);
        BranchedKStream {
            parent: KStream::new(self.graph.clone(), node, self.repartition_required),
            prefix,
            branches: Vec::new(),
            streams: BTreeMap::new(),
        }
    }
}

/// A split in progress: add branches, then finish with
/// [`default_branch`](Self::default_branch) or
/// [`no_default_branch`](Self::no_default_branch).
pub struct BranchedKStream<K, V> {
    parent: KStream<K, V>,
    prefix: String,
    branches: Vec<(BranchPredicate<K, V>, String)>,
    streams: BTreeMap<String, KStream<K, V>>,
}

impl<K, V> fmt::Debug for BranchedKStream<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BranchedKStream")
            .field("prefix", &self.prefix)
            .field("branches", &self.streams.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<K: Data, V: Data> BranchedKStream<K, V> {
    fn add_child(&mut self, branched: Branched, index: usize) -> String {
        let child = format!(
            "{}{}",
            self.prefix,
            branched.name.unwrap_or_else(|| index.to_string())
        );
        let mut g = self.parent.graph.borrow_mut();
        let node = g.add_processor(
            child.clone(),
            vec![self.parent.node],
            factory::<_, K, V, K, V>(|| PassThrough),
        );
        drop(g);
        self.streams.insert(
            child.clone(),
            KStream::new(
                self.parent.graph.clone(),
                node,
                self.parent.repartition_required,
            ),
        );
        child
    }

    fn record(&self, default: Option<String>) {
        let branches = self.branches.clone();
        self.parent.graph.borrow_mut().set_factory(
            self.parent.node,
            factory::<_, K, V, K, V>(move || Branch {
                branches: branches.clone(),
                default: default.clone(),
            }),
        );
    }

    /// Adds a branch for the records that match `predicate` (and no earlier
    /// branch).
    pub fn branch<F>(mut self, predicate: F, branched: Branched) -> Self
    where
        F: Fn(Option<&K>, &V) -> bool + Send + Sync + 'static,
    {
        let child = self.add_child(branched, self.branches.len() + 1);
        self.branches.push((Arc::new(predicate), child));
        self.record(None);
        self
    }

    /// Ends the split with a branch for the records no predicate matched;
    /// returns every branch's stream by name.
    pub fn default_branch(mut self, branched: Branched) -> BTreeMap<String, KStream<K, V>> {
        let child = self.add_child(branched, 0);
        self.record(Some(child));
        self.streams
    }

    /// Ends the split; records no predicate matched are dropped.
    pub fn no_default_branch(self) -> BTreeMap<String, KStream<K, V>> {
        self.record(None);
        self.streams
    }
}
