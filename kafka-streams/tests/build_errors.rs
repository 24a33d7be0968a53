//! Mistakes in a topology are errors from `build()`, not panics later.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap

use kafka_streams::processor::{Processor, ProcessorContext, Record};
use kafka_streams::state::StoreBuilder;
use kafka_streams::{Consumed, Error, Grouped, Materialized, Produced, StreamsBuilder};

struct Noop;
impl Processor<String, String, String, String> for Noop {
    fn process(
        &mut self,
        r: Record<String, String>,
        ctx: &mut ProcessorContext<'_, String, String>,
    ) -> kafka_streams::Result<()> {
        ctx.forward(r);
        Ok(())
    }
}

#[test]
fn a_missing_store_is_named_in_the_error() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .process(|| Noop, &["sessions"])
        .named("sessionize")
        .to("out", Produced::default());
    let err = builder.build().unwrap_err();
    assert!(
        matches!(&err, Error::MissingStore { processor, store } if processor == "sessionize" && store == "sessions"),
        "{err:?}"
    );
    assert!(err.to_string().contains("add_state_store"), "{err}");
    // Adding the store fixes it.
    builder.add_state_store(StoreBuilder::<String, String>::key_value("sessions"));
    builder.build().unwrap();
}

#[test]
fn a_topology_that_writes_nowhere_is_rejected() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .map_values(|v| v.len() as i64);
    assert!(matches!(builder.build(), Err(Error::NoOutput)));

    // A store makes it useful (it can be queried), so does a side effect.
    let with_store = StreamsBuilder::new();
    with_store
        .stream::<String, String>("in", Consumed::default())
        .group_by_key(Grouped::default())
        .count(Materialized::as_store("n"));
    with_store.build().unwrap();
    let with_foreach = StreamsBuilder::new();
    with_foreach
        .stream::<String, String>("in", Consumed::default())
        .foreach(|_, _| {});
    with_foreach.build().unwrap();
}

#[test]
fn an_empty_builder_has_no_source() {
    assert!(matches!(
        StreamsBuilder::new().build(),
        Err(Error::NoSource)
    ));
}

#[test]
fn duplicate_processor_and_store_names_are_rejected() {
    let builder = StreamsBuilder::new();
    let s = builder.stream::<String, String>("in", Consumed::default());
    s.filter(|_, _| true)
        .named("same")
        .to("a", Produced::default());
    s.filter(|_, _| false)
        .named("same")
        .to("b", Produced::default());
    let err = builder.build().unwrap_err();
    assert!(
        matches!(&err, Error::DuplicateName { kind: "processor", name } if name == "same"),
        "{err:?}"
    );

    let builder = StreamsBuilder::new();
    let s = builder.stream::<String, String>("in", Consumed::default());
    s.group_by_key(Grouped::default())
        .count(Materialized::as_store("counts"));
    s.group_by_key(Grouped::default())
        .count(Materialized::as_store("counts"));
    let err = builder.build().unwrap_err();
    assert!(
        matches!(&err, Error::DuplicateName { kind: "store", name } if name == "counts"),
        "{err:?}"
    );
}

#[test]
fn duplicate_repartition_names_are_rejected() {
    let builder = StreamsBuilder::new();
    let s = builder.stream::<String, String>("in", Consumed::default());
    s.group_by(|_, v| v.clone(), Grouped::default().with_name("by-v"))
        .count(Materialized::as_store("c1"));
    s.group_by(
        |_, v| v.to_uppercase(),
        Grouped::default().with_name("by-v"),
    )
    .count(Materialized::as_store("c2"));
    let err = builder.build().unwrap_err();
    // The repartition sink/source names collide first.
    assert!(matches!(&err, Error::DuplicateName { .. }), "{err:?}");
    assert!(err.to_string().contains("by-v"), "{err}");
}

#[test]
fn a_topic_read_twice_is_rejected() {
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .to("a", Produced::default());
    builder
        .stream::<String, String>("in", Consumed::default())
        .to("b", Produced::default());
    let err = builder.build().unwrap_err();
    assert!(
        matches!(&err, Error::TopicAlreadyRegistered { topic, .. } if topic == "in"),
        "{err:?}"
    );
}

#[test]
fn building_twice_gives_equal_descriptions_and_topologies_are_send_sync() {
    fn shareable<T: Send + Sync + 'static>(_: &T) {}
    let builder = StreamsBuilder::new();
    builder
        .stream::<String, String>("in", Consumed::default())
        .to("out", Produced::default());
    let a = builder.build().unwrap();
    let b = builder.build().unwrap();
    assert_eq!(a.describe(), b.describe());
    shareable(&std::sync::Arc::new(a));
}
