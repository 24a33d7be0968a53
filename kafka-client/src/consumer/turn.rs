//! The consumer's turn: one `recv` (or `try_recv`, `close`...) at a time,
//! so that records and rebalances are served in order. Taking a free turn
//! is one atomic swap; only callers that find it taken wait on a `Notify`.
//! (A `tokio::sync::Mutex` costs a lock of its waiter list on every
//! release, and `recv` takes the turn once per record.)

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// An async lock without data.
#[derive(Debug, Default)]
pub(crate) struct Turn {
    taken: AtomicBool,
    released: Notify,
}

/// Holds the turn until dropped.
#[derive(Debug)]
pub(crate) struct TurnGuard<'a> {
    turn: &'a Turn,
}

impl Turn {
    /// Waits for the turn. Cancel-safe: a caller dropped while waiting
    /// holds nothing.
    pub(crate) async fn take(&self) -> TurnGuard<'_> {
        loop {
            if self.try_take() {
                return TurnGuard { turn: self };
            }
            let released = self.released.notified();
            tokio::pin!(released);
            // Registered before the second look: a release in between
            // wakes this waiter.
            released.as_mut().enable();
            if self.try_take() {
                return TurnGuard { turn: self };
            }
            released.await;
        }
    }

    fn try_take(&self) -> bool {
        !self.taken.swap(true, Ordering::Acquire)
    }
}

impl Drop for TurnGuard<'_> {
    fn drop(&mut self) {
        self.turn.taken.store(false, Ordering::Release);
        // Wakes one waiter, if any (else keeps one permit, which at most
        // makes a later waiter look once more).
        self.turn.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_and_waiters_get_their_turn() {
        let turn = Arc::new(Turn::default());
        let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (turn, inside) = (turn.clone(), inside.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..50 {
                    let _guard = turn.take().await;
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(inside.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_cancelled_waiter_leaves_the_turn_free() {
        let turn = Turn::default();
        let held = turn.take().await;
        let waited = tokio::time::timeout(Duration::from_millis(20), turn.take()).await;
        assert!(waited.is_err(), "the turn was held");
        drop(held);
        let again = tokio::time::timeout(Duration::from_secs(1), turn.take()).await;
        assert!(again.is_ok(), "the turn was free again");
    }
}
