//! What every stream thread of one application shares.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustc_hash::{FxHashMap, FxHashSet};
use tokio::sync::{watch, Notify};

use super::config::StreamsConfig;
use super::metrics::{MetricsRecorder, ThreadCounters};
use super::state::StreamsState;
use super::task_set::TaskSet;
use super::topics::TopicPlan;
use crate::topology::Topology;

/// A stream thread's status, as the application state is computed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ThreadStatus {
    /// Joining the group, or moving / restoring tasks.
    Rebalancing = 0,
    /// Processing its tasks.
    Running = 1,
    /// Stopped cleanly.
    Stopped = 2,
    /// Stopped by an error.
    Failed = 3,
}

/// One stream thread as the others (and interactive queries) see it.
#[derive(Debug)]
pub(crate) struct ThreadHandle {
    pub(crate) index: usize,
    pub(crate) tasks: Mutex<TaskSet>,
    /// What this thread counts per record (see [`ThreadCounters`]).
    pub(crate) counters: ThreadCounters,
    status: AtomicU8,
    /// Set on shutdown once the thread has made its final commit (or
    /// failed): from then on it may leave the group.
    done_committing: AtomicBool,
    done_committing_signal: Notify,
}

impl ThreadHandle {
    pub(crate) fn new(index: usize) -> Self {
        ThreadHandle {
            index,
            tasks: Mutex::new(TaskSet::default()),
            counters: ThreadCounters::default(),
            status: AtomicU8::new(ThreadStatus::Rebalancing as u8),
            done_committing: AtomicBool::new(false),
            done_committing_signal: Notify::new(),
        }
    }

    /// Records that this thread made its final commit (or will make none).
    pub(crate) fn mark_done_committing(&self) {
        self.done_committing.store(true, Ordering::Release);
        self.done_committing_signal.notify_waiters();
    }

    async fn wait_done_committing(&self) {
        loop {
            let signal = self.done_committing_signal.notified();
            tokio::pin!(signal);
            signal.as_mut().enable();
            if self.done_committing.load(Ordering::Acquire) {
                return;
            }
            signal.await;
        }
    }

    pub(crate) fn status(&self) -> ThreadStatus {
        match self.status.load(Ordering::Acquire) {
            0 => ThreadStatus::Rebalancing,
            1 => ThreadStatus::Running,
            2 => ThreadStatus::Stopped,
            _ => ThreadStatus::Failed,
        }
    }

    pub(crate) fn lock_tasks(&self) -> std::sync::MutexGuard<'_, TaskSet> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The application as its threads see it.
#[derive(Debug)]
pub(crate) struct AppContext {
    pub(crate) topology: Arc<Topology>,
    pub(crate) config: StreamsConfig,
    pub(crate) plan: TopicPlan,
    pub(crate) metrics: Arc<MetricsRecorder>,
    pub(crate) threads: Vec<Arc<ThreadHandle>>,
    pub(crate) state: watch::Sender<StreamsState>,
    pub(crate) shutdown: watch::Sender<bool>,
    /// Full source topic name → the sub-topology that reads it.
    pub(crate) subtopology_of: FxHashMap<String, usize>,
    /// The full names of the repartition topics.
    pub(crate) repartition_topics: FxHashSet<String>,
    /// Every source topic's index among the sorted full names (the same on
    /// every instance), as repartition record ids name them.
    pub(crate) source_topic_index: FxHashMap<String, u16>,
    /// Names this process in transactional ids (`<app>-<process>-<thread>`).
    pub(crate) process_id: String,
}

impl AppContext {
    pub(crate) fn application_id(&self) -> &str {
        self.config.application_id()
    }

    /// Waits, at most `timeout`, until every thread has made its final
    /// commit. A thread that leaves the group starts a rebalance, during
    /// which the coordinator may refuse the other threads' commits (the
    /// embedded cluster always does): on shutdown no thread leaves before
    /// all have committed.
    pub(crate) async fn wait_for_final_commits(&self, timeout: Duration) {
        let all = futures::future::join_all(self.threads.iter().map(|t| t.wait_done_committing()));
        if tokio::time::timeout(timeout, all).await.is_err() {
            tracing::warn!(
                ?timeout,
                "not every stream thread committed in time; leaving the group anyway"
            );
        }
    }

    /// Records a thread's new status and recomputes the application state.
    pub(crate) fn set_thread_status(&self, thread: &ThreadHandle, status: ThreadStatus) {
        thread.status.store(status as u8, Ordering::Release);
        self.refresh_state();
    }

    /// Moves the application to `Error` (once) and asks every thread to stop.
    pub(crate) fn fail(&self, message: String) {
        self.state.send_if_modified(|state| {
            if matches!(state, StreamsState::Error(_)) {
                return false;
            }
            *state = StreamsState::Error(message);
            true
        });
        let _ = self.shutdown.send(true);
    }

    fn refresh_state(&self) {
        let statuses: Vec<ThreadStatus> = self.threads.iter().map(|t| t.status()).collect();
        self.state.send_if_modified(|state| {
            let next = match state {
                StreamsState::Error(_) | StreamsState::NotRunning => return false,
                StreamsState::PendingShutdown => {
                    if statuses
                        .iter()
                        .all(|s| matches!(s, ThreadStatus::Stopped | ThreadStatus::Failed))
                    {
                        StreamsState::NotRunning
                    } else {
                        return false;
                    }
                }
                _ => {
                    if statuses.iter().all(|s| *s == ThreadStatus::Running) {
                        StreamsState::Running
                    } else {
                        StreamsState::Rebalancing
                    }
                }
            };
            if *state == next {
                return false;
            }
            tracing::info!(from = ?state, to = ?next, "application state changed");
            *state = next;
            true
        });
    }
}
