//! `KafkaStreams`: runs a topology against a Kafka cluster.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_client::Admin;
use rustc_hash::FxHashMap;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::app::{AppContext, ThreadHandle};
use super::config::{ClientRole, StreamsConfig};
use super::metrics::{MetricsRecorder, StreamsMetrics};
use super::query::{KeyValueQuery, SessionQuery, WindowQuery};
use super::state::StreamsState;
use super::stream_thread;
use super::topics;
use crate::error::{Error, Result};
use crate::state::StoreKind;
use crate::topology::Topology;

/// A running stream-processing application: the Kafka Streams `KafkaStreams`.
///
/// ```no_run
/// # async fn demo(topology: kafka_streams::Topology) -> kafka_streams::Result<()> {
/// use kafka_streams::runtime::{KafkaStreams, StreamsConfig};
/// let config = StreamsConfig::new("wordcount").bootstrap_servers("localhost:9092");
/// let mut streams = KafkaStreams::new(topology, config)?;
/// streams.start().await?;
/// // ... until Ctrl-C:
/// streams.close().await?;
/// # Ok(()) }
/// ```
///
/// Several instances with the same application id share the work: each
/// stream thread is a member of the consumer group named by the application
/// id, and tasks (one per sub-topology and partition) follow the partitions
/// the group assigns. A task that arrives restores its stores from their
/// changelog topics before processing; a task that leaves commits first.
pub struct KafkaStreams {
    topology: Arc<Topology>,
    config: StreamsConfig,
    metrics: Arc<MetricsRecorder>,
    state: watch::Sender<StreamsState>,
    app: Option<Arc<AppContext>>,
    threads: Vec<JoinHandle<Result<()>>>,
}

impl std::fmt::Debug for KafkaStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaStreams")
            .field("application_id", &self.config.application_id())
            .field("state", &*self.state.borrow())
            .field("threads", &self.threads.len())
            .finish()
    }
}

impl KafkaStreams {
    /// An application that will run `topology` with `config`. Checks the
    /// configuration; connects to nothing until [`start`](Self::start).
    pub fn new(topology: Topology, config: StreamsConfig) -> Result<Self> {
        config.validate()?;
        let (state, _) = watch::channel(StreamsState::Created);
        Ok(KafkaStreams {
            topology: Arc::new(topology),
            config,
            metrics: Arc::new(MetricsRecorder::default()),
            state,
            app: None,
            threads: Vec::new(),
        })
    }

    /// Checks the input topics, creates the internal topics, and starts the
    /// stream threads. Returns once they are started; watch
    /// [`state`](Self::state) or [`state_changes`](Self::state_changes) to
    /// see them join the group and reach `Running`.
    ///
    /// An input topic that does not exist is an error naming it.
    pub async fn start(&mut self) -> Result<()> {
        if *self.state.borrow() != StreamsState::Created {
            return Err(Error::InvalidState {
                operation: "start",
                state: format!("{:?}", *self.state.borrow()),
            });
        }
        let application_id = self.config.application_id().to_string();
        let admin = Admin::new(&self.config.client_for(ClientRole::Admin))
            .map_err(|e| Error::client("connecting to the cluster", e))?;
        let plan = topics::prepare(
            &self.topology,
            &application_id,
            &admin,
            self.config.replication_factor_ref(),
        )
        .await?;
        let subtopology_of: FxHashMap<String, usize> = plan
            .source_partitions
            .keys()
            .filter_map(|topic| {
                self.topology
                    .subtopology_reading(topic, &application_id)
                    .map(|sub| (topic.clone(), sub))
            })
            .collect();
        let repartition_topics = plan
            .repartition_topics
            .iter()
            .map(|(topic, _)| topic.clone())
            .collect();
        // BTreeMap keys: sorted, so every instance numbers them alike.
        let source_topic_index = plan
            .source_partitions
            .keys()
            .enumerate()
            .map(|(i, topic)| (topic.clone(), u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        let threads: Vec<Arc<ThreadHandle>> = (0..self.config.num_stream_threads_ref())
            .map(|i| Arc::new(ThreadHandle::new(i)))
            .collect();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let app = Arc::new(AppContext {
            topology: self.topology.clone(),
            config: self.config.clone(),
            plan,
            metrics: self.metrics.clone(),
            threads: threads.clone(),
            state: self.state.clone(),
            shutdown,
            subtopology_of,
            repartition_topics,
            source_topic_index,
            process_id: process_id(),
        });
        self.state.send_replace(StreamsState::Rebalancing);
        for thread in threads {
            let handle = tokio::spawn(stream_thread::run(app.clone(), thread, shutdown_rx.clone()));
            self.threads.push(handle);
        }
        self.app = Some(app);
        tracing::info!(%application_id, threads = self.threads.len(), "application started");
        Ok(())
    }

    /// Stops processing: every thread commits what it processed (after its
    /// output is acknowledged), leaves the group and closes its clients.
    /// Returns the first thread error, if a thread failed.
    pub async fn close(&mut self) -> Result<()> {
        if let Some(app) = &self.app {
            self.state.send_if_modified(|s| {
                if s.is_terminal() {
                    return false;
                }
                *s = StreamsState::PendingShutdown;
                true
            });
            let _ = app.shutdown.send(true);
        }
        let mut first_error = None;
        for handle in self.threads.drain(..) {
            let result = match handle.await {
                Ok(result) => result,
                Err(join) => Err(Error::Internal {
                    node: "stream thread".into(),
                    message: format!("the thread ended abnormally: {join}"),
                }),
            };
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        self.state.send_if_modified(|s| {
            if matches!(s, StreamsState::Error(_) | StreamsState::NotRunning) {
                return false;
            }
            *s = StreamsState::NotRunning;
            true
        });
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The application's state now.
    pub fn state(&self) -> StreamsState {
        self.state.borrow().clone()
    }

    /// A receiver that sees every state change.
    pub fn state_changes(&self) -> watch::Receiver<StreamsState> {
        self.state.subscribe()
    }

    /// Waits until the state is `wanted` (or terminal), at most `timeout`.
    pub async fn wait_for_state(&self, wanted: StreamsState, timeout: Duration) -> Result<()> {
        let mut changes = self.state.subscribe();
        let reached = tokio::time::timeout(timeout, async {
            loop {
                let now = changes.borrow_and_update().clone();
                if now == wanted {
                    return Ok(());
                }
                if now.is_terminal() {
                    return Err(Error::InvalidState {
                        operation: "wait_for_state",
                        state: format!("{now:?}"),
                    });
                }
                if changes.changed().await.is_err() {
                    return Err(Error::InvalidState {
                        operation: "wait_for_state",
                        state: "dropped".into(),
                    });
                }
            }
        })
        .await;
        reached.map_err(|_| Error::Timeout {
            what: format!("state {wanted:?}"),
            timeout,
        })?
    }

    /// A snapshot of the metrics.
    pub fn metrics(&self) -> StreamsMetrics {
        let mut metrics = self.metrics.snapshot();
        if let Some(app) = &self.app {
            for thread in &app.threads {
                thread.counters.add_to(&mut metrics);
                let set = thread.lock_tasks();
                for (topic, n) in &set.processed_by_topic {
                    *metrics.processed_by_topic.entry(topic.clone()).or_insert(0) += n;
                }
                for (topic, n) in &set.produced_by_topic {
                    *metrics.produced_by_topic.entry(topic.clone()).or_insert(0) += n;
                }
            }
        }
        metrics
    }

    /// Waits until this instance has processed everything in its source
    /// partitions: the lag of every source partition (user and repartition
    /// topics) is zero at two consecutive commits with nothing processed in
    /// between, and every source partition is assigned to one of its
    /// threads. Meant for tests and batch-style runs (like the `wordcount`
    /// example) on a single instance; a multi-instance application only sees
    /// its own partitions.
    pub async fn wait_until_caught_up(&self, timeout: Duration) -> Result<()> {
        let app = self.app.as_ref().ok_or(Error::InvalidState {
            operation: "wait_until_caught_up",
            state: "Created".into(),
        })?;
        let deadline = Instant::now() + timeout;
        let expected = app.plan.source_partitions.values().sum::<i32>() as usize;
        // (records processed, lag refreshes) when the lag was first seen at zero.
        let mut zero_since: Option<(u64, u64)> = None;
        loop {
            if let StreamsState::Error(message) = self.state() {
                return Err(Error::InvalidState {
                    operation: "wait_until_caught_up",
                    state: format!("Error({message})"),
                });
            }
            let refreshes = self.metrics.lag_refreshes();
            let m = self.metrics();
            tracing::debug!(lag = ?m.lag, processed = m.records_processed, refreshes, "waiting to catch up");
            let caught_up = m.lag.len() >= expected && m.total_lag() == 0;
            match zero_since {
                _ if !caught_up => zero_since = None,
                None => zero_since = Some((m.records_processed, refreshes)),
                Some((processed, _)) if processed != m.records_processed => {
                    zero_since = Some((m.records_processed, refreshes));
                }
                // Every thread refreshed its lag again since, with nothing
                // processed in between: nothing is in flight anywhere.
                Some((_, seen)) if refreshes >= seen + 2 * app.threads.len() as u64 => {
                    return Ok(());
                }
                Some(_) => {}
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!(
                        "the application to catch up (lag {} over {} of {} partitions)",
                        m.total_lag(),
                        m.lag.len(),
                        expected
                    ),
                    timeout,
                });
            }
            let pause = self
                .config
                .commit_interval_ref()
                .min(Duration::from_millis(50));
            tokio::time::sleep(pause).await;
        }
    }

    /// Read-only access to a key-value store by name, across this
    /// instance's tasks (interactive queries). An unknown name or a store
    /// of another kind is an error now; wrong types are errors on first
    /// use, naming the store.
    pub fn store<K: Clone + 'static, V: Clone + 'static>(
        &self,
        name: &str,
    ) -> Result<KeyValueQuery<K, V>> {
        let app = self.queried_store("store", name, StoreKind::KeyValue)?;
        Ok(KeyValueQuery::new(app.threads.clone(), name.to_string()))
    }

    /// Read-only access to a window store (a windowed aggregation's
    /// `Materialized` store) by name, across this instance's tasks.
    pub fn window_store<K: 'static, V: 'static>(&self, name: &str) -> Result<WindowQuery<K, V>> {
        let app =
            self.queried_store("window_store", name, StoreKind::Window { retention_ms: 0 })?;
        Ok(WindowQuery::new(app.threads.clone(), name.to_string()))
    }

    /// Read-only access to a session store (a session-windowed
    /// aggregation's `Materialized` store) by name, across this instance's
    /// tasks.
    pub fn session_store<K: 'static, V: 'static>(&self, name: &str) -> Result<SessionQuery<K, V>> {
        let app = self.queried_store(
            "session_store",
            name,
            StoreKind::Session { retention_ms: 0 },
        )?;
        Ok(SessionQuery::new(app.threads.clone(), name.to_string()))
    }

    /// The running application, once `name` is known to be a store of
    /// `wanted`'s kind.
    fn queried_store(
        &self,
        operation: &'static str,
        name: &str,
        wanted: StoreKind,
    ) -> Result<&Arc<AppContext>> {
        let app = self.app.as_ref().ok_or(Error::InvalidState {
            operation,
            state: "Created".into(),
        })?;
        self.topology.check_store_kind(name, wanted)?;
        Ok(app)
    }

    /// The topology this application runs.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }
}

/// A name for this process's transactional ids, unique across restarts.
fn process_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}-{:x}", std::process::id(), nanos)
}

impl Drop for KafkaStreams {
    fn drop(&mut self) {
        if let Some(app) = &self.app {
            let _ = app.shutdown.send(true);
        }
    }
}
