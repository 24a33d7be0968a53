//! Consumer groups on the embedded cluster: members split partitions, commit
//! on revoke, and with cooperative-sticky only moved partitions are revoked.

mod consumer_support;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use consumer_support::{group_builder, produce_strings};
use kafka_client::consumer::{Consumer, ListenerError, RebalanceHandle, RebalanceListener};
use kafka_client::{ConsumerRecord, EmbeddedKafka, TopicPartition};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Assigned(BTreeSet<i32>),
    Revoked(BTreeSet<i32>),
    Lost(BTreeSet<i32>),
}

/// Records every rebalance and commits what was consumed on revoke.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    /// The partitions this member holds according to its events.
    fn held(&self) -> BTreeSet<i32> {
        let mut held = BTreeSet::new();
        for event in self.events() {
            match event {
                Event::Assigned(p) => held.extend(p),
                Event::Revoked(p) | Event::Lost(p) => held.retain(|x| !p.contains(x)),
            }
        }
        held
    }
}

fn numbers(partitions: &[TopicPartition]) -> BTreeSet<i32> {
    partitions.iter().map(TopicPartition::partition).collect()
}

#[async_trait::async_trait]
impl RebalanceListener for Recorder {
    async fn on_assigned(
        &self,
        partitions: &[TopicPartition],
        _: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        self.events
            .lock()
            .unwrap()
            .push(Event::Assigned(numbers(partitions)));
        Ok(())
    }

    async fn on_revoked(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        // Still assigned here: positions are readable, and commits count.
        for tp in partitions {
            consumer.position(tp)?;
        }
        consumer.commit().await?;
        self.events
            .lock()
            .unwrap()
            .push(Event::Revoked(numbers(partitions)));
        Ok(())
    }

    async fn on_lost(
        &self,
        partitions: &[TopicPartition],
        _: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        self.events
            .lock()
            .unwrap()
            .push(Event::Lost(numbers(partitions)));
        Ok(())
    }
}

type Seen = (&'static str, ConsumerRecord<String, String>);

/// A member consuming in its own task until told to stop, then closing.
struct Member {
    recorder: Arc<Recorder>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Member {
    async fn join(
        cluster: &EmbeddedKafka,
        name: &'static str,
        cooperative: bool,
        sink: mpsc::UnboundedSender<Seen>,
    ) -> Member {
        let recorder = Arc::new(Recorder::default());
        let mut builder = group_builder(cluster, "group").rebalance_listener(recorder.clone());
        if cooperative {
            builder = builder.cooperative();
        }
        let consumer: Consumer<String, String> = builder.build().unwrap();
        consumer.subscribe(&["orders"]).await.unwrap();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    record = consumer.recv() => sink.send((name, record.unwrap())).unwrap(),
                }
            }
            consumer.close().await.unwrap();
        });
        Member {
            recorder,
            stop: Some(stop),
            task,
        }
    }

    async fn leave(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap();
    }
}

async fn wait_for(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn drain(rx: &mut mpsc::UnboundedReceiver<Seen>, into: &mut Vec<Seen>) -> usize {
    while let Ok(seen) = rx.try_recv() {
        into.push(seen);
    }
    into.len()
}

/// Every offset 0..per_partition of every partition, each exactly once.
fn assert_exactly_once(seen: &[Seen], partitions: i32, per_partition: i64) {
    let mut by_partition: HashMap<i32, Vec<i64>> = HashMap::new();
    for (_, record) in seen {
        by_partition
            .entry(record.partition)
            .or_default()
            .push(record.offset);
    }
    for p in 0..partitions {
        let mut offsets = by_partition.remove(&p).unwrap_or_default();
        offsets.sort_unstable();
        assert_eq!(
            offsets,
            (0..per_partition).collect::<Vec<_>>(),
            "partition {p}: duplicates or gaps"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_split_the_partitions_and_consume_every_record_once() {
    consumer_support::init_logs();
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("orders", 4).unwrap();
    for p in 0..4 {
        produce_strings(&cluster, "orders", p, 0..50, "first");
    }
    let (sink, mut rx) = mpsc::unbounded_channel();
    let mut seen = Vec::new();

    let a = Member::join(&cluster, "a", false, sink.clone()).await;
    wait_for("a to consume", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen) >= 40
    })
    .await;
    assert_eq!(a.recorder.held(), BTreeSet::from([0, 1, 2, 3]));

    let b = Member::join(&cluster, "b", false, sink.clone()).await;
    wait_for("a 2+2 split", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen);
        a.recorder.held().len() == 2 && b.recorder.held().len() == 2
    })
    .await;
    let (held_a, held_b) = (a.recorder.held(), b.recorder.held());
    assert!(held_a.is_disjoint(&held_b), "{held_a:?} {held_b:?}");
    // Eager: a gave everything back before taking its share again.
    assert!(a
        .recorder
        .events()
        .contains(&Event::Revoked(BTreeSet::from([0, 1, 2, 3]))));

    for p in 0..4 {
        produce_strings(&cluster, "orders", p, 50..100, "second");
    }
    wait_for("both to consume", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen);
        seen.iter().any(|(who, r)| *who == "b" && r.offset >= 50)
    })
    .await;
    // b leaves: its revoke listener commits, and a takes over from there.
    b.leave().await;
    wait_for("a to take everything back", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen);
        a.recorder.held().len() == 4
    })
    .await;
    wait_for("every record", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen) >= 400
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    drain(&mut rx, &mut seen);
    a.leave().await;
    drain(&mut rx, &mut seen);

    assert_eq!(seen.len(), 400, "duplicates were consumed");
    assert_exactly_once(&seen, 4, 100);
    assert!(seen.iter().any(|(who, _)| *who == "b"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cooperative_rebalance_only_revokes_the_partitions_that_move() {
    consumer_support::init_logs();
    let cluster = EmbeddedKafka::start(1).unwrap();
    cluster.create_topic("orders", 4).unwrap();
    for p in 0..4 {
        produce_strings(&cluster, "orders", p, 0..50, "first");
    }
    let (sink, mut rx) = mpsc::unbounded_channel();
    let mut seen = Vec::new();

    let a = Member::join(&cluster, "a", true, sink.clone()).await;
    wait_for("a to consume", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen) >= 40
    })
    .await;
    assert_eq!(a.recorder.held(), BTreeSet::from([0, 1, 2, 3]));

    let b = Member::join(&cluster, "b", true, sink.clone()).await;
    wait_for("a 2+2 split", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen);
        a.recorder.held().len() == 2 && b.recorder.held().len() == 2
    })
    .await;
    let (kept, moved) = (a.recorder.held(), b.recorder.held());
    assert!(kept.is_disjoint(&moved));
    // a's partitions that stayed were never revoked; only the moved ones were.
    let a_events = a.recorder.events();
    let revoked_from_a: BTreeSet<i32> = a_events
        .iter()
        .filter_map(|e| match e {
            Event::Revoked(p) | Event::Lost(p) => Some(p.clone()),
            Event::Assigned(_) => None,
        })
        .flatten()
        .collect();
    assert_eq!(revoked_from_a, moved, "a's events: {a_events:?}");
    assert!(revoked_from_a.is_disjoint(&kept));
    assert_eq!(a_events[0], Event::Assigned(BTreeSet::from([0, 1, 2, 3])));
    assert_eq!(b.recorder.events(), vec![Event::Assigned(moved.clone())]);

    for p in 0..4 {
        produce_strings(&cluster, "orders", p, 50..100, "second");
    }
    wait_for("every record", Duration::from_secs(20), || {
        drain(&mut rx, &mut seen) >= 400
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.leave().await;
    a.leave().await;
    drain(&mut rx, &mut seen);
    assert_eq!(seen.len(), 400, "duplicates were consumed");
    assert_exactly_once(&seen, 4, 100);
    for (who, record) in &seen {
        if record.offset >= 50 {
            let owner = if kept.contains(&record.partition) {
                "a"
            } else {
                "b"
            };
            assert_eq!(*who, owner, "{record:?}");
        }
    }
}
