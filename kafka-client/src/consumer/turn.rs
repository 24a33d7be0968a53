//! The consumer's turn: one `recv` (or `try_recv`, `close`...) at a time,
//! so that records and rebalances are served in order. Taking a free turn
//! is one atomic swap, and releasing it one store: only callers that find
//! it taken wait on a `Notify`, and only then does a release notify. (A
//! `tokio::sync::Mutex` costs a lock of its waiter list on every release,
//! and `recv` takes the turn once per record.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::Notify;

/// An async lock without data.
#[derive(Debug, Default)]
pub(crate) struct Turn {
    taken: AtomicBool,
    /// Callers between their first failed look and their return.
    waiting: AtomicUsize,
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
        if self.try_take() {
            return TurnGuard { turn: self };
        }
        let _waiting = Waiting::enter(&self.waiting);
        loop {
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

    /// The turn if it is free now, without waiting: the common case, kept
    /// out of `take`'s future so that callers in other crates inline it.
    #[inline]
    pub(crate) fn try_guard(&self) -> Option<TurnGuard<'_>> {
        self.try_take().then_some(TurnGuard { turn: self })
    }

    #[inline]
    fn try_take(&self) -> bool {
        !self.taken.swap(true, Ordering::SeqCst)
    }
}

impl Drop for TurnGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.turn.taken.store(false, Ordering::SeqCst);
        // A waiter counts itself before its second look, and this release
        // stored `false` before reading the count (both SeqCst): either the
        // waiter's look finds the turn free, or this sees the waiter and
        // wakes one (else keeps one permit, which at most makes a later
        // waiter look once more).
        if self.turn.waiting.load(Ordering::SeqCst) > 0 {
            self.turn.released.notify_one();
        }
    }
}

/// Counts a waiting caller for as long as it lives (so a cancelled waiter
/// uncounts itself).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
