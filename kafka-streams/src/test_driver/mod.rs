//! `TopologyTestDriver`: runs a topology without a broker, deterministically.
//!
//! The driver creates one `StreamTask` per sub-topology (all
//! on partition 0), the same tasks a runtime runs, and moves bytes between
//! them as the cluster would:
//!
//! - [`TestInputTopic`] serializes records and feeds them to the task that
//!   reads the topic; everything they cause runs before `pipe_*` returns.
//! - Records written to repartition topics are fed to the sub-topology that
//!   reads them (in the order they were produced), as are records written
//!   to a user topic the topology also reads.
//! - Records written to user topics queue up for [`TestOutputTopic`].
//! - Changelog records are kept per store ([`TopologyTestDriver::changelog`]).
//! - Wall-clock time only moves with [`TopologyTestDriver::advance_wall_clock_time`].
//!
//! There are no threads and no real clock. An error (a failing processor, a
//! record that does not deserialize) is returned from the `pipe_*` call;
//! records still queued for other sub-topologies at that point are dropped.
//!
//! ```
//! use kafka_streams::{Consumed, Produced, StreamsBuilder};
//! use kafka_streams::serde::StringSerde;
//! use kafka_streams::test_driver::TopologyTestDriver;
//! let builder = StreamsBuilder::new();
//! builder
//!     .stream::<String, String>("in", Consumed::default())
//!     .map_values(|v| v.to_uppercase())
//!     .to("out", Produced::default());
//! let driver = TopologyTestDriver::new(builder.build()?)?;
//! let input = driver.create_input_topic("in", StringSerde, StringSerde);
//! let output = driver.create_output_topic("out", StringSerde, StringSerde);
//! input.pipe_input("k".to_string(), "hi".to_string())?;
//! assert_eq!(output.read_key_values_to_list()?, vec![("k".to_string(), "HI".to_string())]);
//! # Ok::<(), kafka_streams::Error>(())
//! ```

mod input;
mod output;
mod state;
mod store;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use kafka_client::serde::{Deserializer, Serde};

pub use input::TestInputTopic;
pub use output::{TestOutputTopic, TestRecord};
pub use store::{TestKeyValueStore, TestSessionStore, TestWindowStore};

use self::state::DriverState;
use crate::error::Result;
use crate::state::StoreKind;
use crate::task::StreamTask;
use crate::topology::{changelog_topic_name, Topology};

/// Settings of a [`TopologyTestDriver`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverConfig {
    application_id: String,
    wall_clock_ms: i64,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            application_id: "test-app".to_string(),
            wall_clock_ms: 0,
        }
    }
}

impl DriverConfig {
    /// The application id, used in internal topic names (default `test-app`).
    pub fn application_id(mut self, id: impl Into<String>) -> Self {
        self.application_id = id.into();
        self
    }

    /// The initial wall-clock time in milliseconds (default 0).
    pub fn wall_clock_ms(mut self, ms: i64) -> Self {
        self.wall_clock_ms = ms;
        self
    }
}

/// Runs a [`Topology`] on its own tasks, without a broker.
#[derive(Debug)]
pub struct TopologyTestDriver {
    state: Rc<RefCell<DriverState>>,
}

impl TopologyTestDriver {
    /// A driver with the default [`DriverConfig`].
    pub fn new(topology: Topology) -> Result<Self> {
        TopologyTestDriver::with_config(topology, DriverConfig::default())
    }

    /// A driver with these settings.
    pub fn with_config(topology: Topology, config: DriverConfig) -> Result<Self> {
        let topology = Arc::new(topology);
        let tasks = topology
            .subtopologies()
            .iter()
            .map(|s| {
                StreamTask::new(
                    topology.clone(),
                    s.id(),
                    0,
                    &config.application_id,
                    config.wall_clock_ms,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TopologyTestDriver {
            state: Rc::new(RefCell::new(DriverState::new(
                topology,
                config.application_id,
                config.wall_clock_ms,
                tasks,
            ))),
        })
    }

    /// A handle to pipe records into `topic`, serialized with these serdes
    /// (full serdes, so that `StringSerde` means `String`, not `str`).
    pub fn create_input_topic<K: 'static, V: 'static>(
        &self,
        topic: impl Into<String>,
        keys: impl Serde<K>,
        values: impl Serde<V>,
    ) -> TestInputTopic<K, V> {
        TestInputTopic::new(
            self.state.clone(),
            topic.into(),
            Box::new(keys),
            Box::new(values),
        )
    }

    /// A handle to read what the topology wrote to `topic`, deserialized
    /// with these serdes.
    pub fn create_output_topic<K: 'static, V: 'static>(
        &self,
        topic: impl Into<String>,
        keys: impl Deserializer<K>,
        values: impl Deserializer<V>,
    ) -> TestOutputTopic<K, V> {
        TestOutputTopic::new(
            self.state.clone(),
            topic.into(),
            Box::new(keys),
            Box::new(values),
        )
    }

    /// Moves wall-clock time forward by `ms` and runs the wall-clock
    /// punctuations that became due.
    pub fn advance_wall_clock_time(&self, ms: i64) -> Result<()> {
        self.state.borrow_mut().advance_wall_clock(ms)
    }

    /// The current wall-clock time in milliseconds.
    pub fn wall_clock_time(&self) -> i64 {
        self.state.borrow().wall_clock()
    }

    /// The application id.
    pub fn application_id(&self) -> String {
        self.state.borrow().application_id().to_string()
    }

    /// Typed read access to a key-value store. Errors name the missing
    /// store or the store's real types.
    pub fn key_value_store<K: 'static, V: 'static>(
        &self,
        name: &str,
    ) -> Result<TestKeyValueStore<K, V>> {
        self.check_store_kind(name, StoreKind::KeyValue)?;
        TestKeyValueStore::new(self.state.clone(), name.to_string())
    }

    /// Typed read access to a window store (a windowed aggregation's
    /// `Materialized` store). Errors name a missing store, one of another
    /// kind, or the store's real types.
    pub fn window_store<K: 'static, V: 'static>(
        &self,
        name: &str,
    ) -> Result<TestWindowStore<K, V>> {
        self.check_store_kind(name, StoreKind::Window { retention_ms: 0 })?;
        TestWindowStore::new(self.state.clone(), name.to_string())
    }

    /// Typed read access to a session store (a session-windowed
    /// aggregation's `Materialized` store). Errors name a missing store,
    /// one of another kind, or the store's real types.
    pub fn session_store<K: 'static, V: 'static>(
        &self,
        name: &str,
    ) -> Result<TestSessionStore<K, V>> {
        self.check_store_kind(name, StoreKind::Session { retention_ms: 0 })?;
        TestSessionStore::new(self.state.clone(), name.to_string())
    }

    fn check_store_kind(&self, name: &str, wanted: StoreKind) -> Result<()> {
        self.state
            .borrow()
            .topology()
            .check_store_kind(name, wanted)
    }

    /// How many records the tasks dropped because they arrived after their
    /// window closed (window end + grace reached by stream time) or because
    /// an aggregation got a null key or value, summed over the driver's
    /// tasks.
    pub fn dropped_records(&self) -> u64 {
        self.state.borrow().dropped_records()
    }

    /// The name of a store's changelog topic under this application id.
    pub fn changelog_topic(&self, store: &str) -> String {
        changelog_topic_name(self.state.borrow().application_id(), store)
    }

    /// Every record the store's changelog received so far, deserialized
    /// with the store's serdes (tombstones have value `None`).
    pub fn changelog<K: 'static, V: 'static>(&self, store: &str) -> Result<Vec<TestRecord<K, V>>> {
        let state = self.state.borrow();
        let slot = state.store_slot(store)?;
        let serdes = slot.serdes();
        let (keys, values) = serdes.typed::<K, V>(store)?;
        let topic = changelog_topic_name(state.application_id(), store);
        state
            .changelog(store)
            .iter()
            .map(|r| output::decode(&topic, r, keys, values))
            .collect()
    }
}
