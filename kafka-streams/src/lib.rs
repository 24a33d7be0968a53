//! A Kafka-Streams-style stream-processing library.
//!
//! - [`dsl`]: describe an application with [`StreamsBuilder`], [`KStream`],
//!   [`KTable`], [`KGroupedStream`] and [`KGroupedTable`]; the DSL only
//!   records nodes.
//! - [`topology`]: the immutable [`Topology`] that `build()` returns, split
//!   into sub-topologies at repartition topics; `describe()` and Mermaid.
//! - [`processor`]: the Processor API under the DSL, and the operators.
//! - [`state`]: state stores, change logging, restoration, queries.
//! - [`time`]: event time and timestamp extractors.
//! - `test_driver` (feature `test-util`, on by default): run a topology
//!   deterministically without a broker.
//!
//! Word count, checked on the test driver:
//!
//! ```
//! use kafka_streams::{Consumed, Grouped, Materialized, Produced, StreamsBuilder};
//! use kafka_streams::serde::{LongSerde, StringSerde};
//! use kafka_streams::test_driver::TopologyTestDriver;
//! let words = regex::Regex::new(r"\W+").unwrap();
//! let builder = StreamsBuilder::new();
//! builder
//!     .stream::<String, String>("streams-plaintext-input", Consumed::default())
//!     .flat_map_values(move |line| {
//!         words.split(&line.to_lowercase()).filter(|w| !w.is_empty()).map(str::to_string).collect::<Vec<_>>()
//!     })
//!     .group_by(|_k, word| word.clone(), Grouped::default())
//!     .count(Materialized::as_store("counts"))
//!     .to_stream()
//!     .to("streams-wordcount-output", Produced::with(StringSerde, LongSerde));
//! let driver = TopologyTestDriver::new(builder.build()?)?;
//! let input = driver.create_input_topic("streams-plaintext-input", StringSerde, StringSerde);
//! let output = driver.create_output_topic("streams-wordcount-output", StringSerde, LongSerde);
//! input.pipe_value("Hello Kafka, 안녕 Kafka".to_string())?;
//! let counts = output.read_key_values_to_map()?;
//! assert_eq!(counts["kafka"], 2);
//! assert_eq!(counts["안녕"], 1);
//! # Ok::<(), kafka_streams::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod dsl;
pub mod error;
pub mod processor;
pub mod runtime;
pub mod state;
pub(crate) mod task;
#[cfg(feature = "test-util")]
pub mod test_driver;
pub mod time;
pub mod topology;

pub use dsl::{
    Branched, Consumed, Grouped, KGroupedStream, KGroupedTable, KStream, KTable, Materialized,
    Named, Produced, Repartitioned, StreamsBuilder,
};
pub use dsl::{
    BufferConfig, JoinWindows, Joined, SessionWindowedKStream, SessionWindows,
    SlidingWindowedKStream, SlidingWindows, StreamJoined, Suppressed, TimeWindowedKStream,
    TimeWindows, Window, Windowed,
};
pub use error::{Error, RecordOrigin, Result};
pub use topology::Topology;

/// The serdes of `kafka-client`, re-exported.
pub use kafka_client::serde;
