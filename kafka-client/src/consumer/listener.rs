//! Rebalance listeners: application code run when the group gives this
//! consumer partitions or takes them away.

use std::sync::Arc;

use async_trait::async_trait;

use super::handle::RebalanceHandle;
use crate::record::TopicPartition;

/// What a listener returns when it fails. Any error converts into it with
/// `?`, including this crate's [`Error`](crate::Error).
pub type ListenerError = Box<dyn std::error::Error + Send + Sync>;

/// Called when the consumer group moves partitions to or from this consumer.
///
/// The calls happen inside [`Consumer::recv`](super::Consumer::recv) (and
/// [`Consumer::close`](super::Consumer::close)), on the application's task,
/// so a listener may await. Guarantees:
/// - `on_revoked` runs while the partitions are still assigned and before
///   the group moves on, so offsets committed there are what the next owner
///   starts from. Every record handed out by `recv` before the call is
///   covered by [`RebalanceHandle::commit`].
/// - `on_assigned` runs after the partitions are assigned and before any of
///   their records is handed out; it may [`seek`](RebalanceHandle::seek) or
///   read [`committed`](RebalanceHandle::committed) offsets (to restore
///   state, for example).
/// - With the eager protocols (`range`, `roundrobin`) every rebalance
///   revokes everything and assigns the new set. With `cooperative-sticky`
///   only the partitions that move are revoked or assigned.
/// - `on_lost` is called instead of `on_revoked` when the partitions were
///   lost involuntarily (session timeout, fenced): other members may own
///   them already, so commits through the handle are skipped. By default it
///   runs `on_revoked` with such a handle.
///
/// A listener that fails makes `recv` return
/// [`Error::RebalanceListener`](crate::Error::RebalanceListener) once the
/// rebalance itself is complete; the next `recv` goes on. If the `recv`
/// future is dropped while a listener runs (a `select!` or timeout), the
/// listener is run again, from the start, by the next `recv` or `close`.
///
/// ```
/// use kafka_client::consumer::{async_trait, ListenerError, RebalanceHandle, RebalanceListener};
/// use kafka_client::TopicPartition;
///
/// struct CommitOnRevoke;
///
/// #[async_trait]
/// impl RebalanceListener for CommitOnRevoke {
///     async fn on_revoked(
///         &self,
///         _partitions: &[TopicPartition],
///         consumer: &RebalanceHandle<'_>,
///     ) -> Result<(), ListenerError> {
///         consumer.commit().await?;
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait RebalanceListener: Send + Sync {
    /// The group gave this consumer `partitions` (with the eager protocols,
    /// the whole new assignment; with cooperative, only the new ones).
    async fn on_assigned(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        let _ = (partitions, consumer);
        Ok(())
    }

    /// The group is taking `partitions` away; commit or save state now.
    async fn on_revoked(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        let _ = (partitions, consumer);
        Ok(())
    }

    /// `partitions` were lost without a clean handover. Defaults to
    /// [`on_revoked`](RebalanceListener::on_revoked) with commits skipped.
    async fn on_lost(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        self.on_revoked(partitions, consumer).await
    }
}

#[async_trait]
impl<T: RebalanceListener + ?Sized> RebalanceListener for Arc<T> {
    async fn on_assigned(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        (**self).on_assigned(partitions, consumer).await
    }

    async fn on_revoked(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        (**self).on_revoked(partitions, consumer).await
    }

    async fn on_lost(
        &self,
        partitions: &[TopicPartition],
        consumer: &RebalanceHandle<'_>,
    ) -> Result<(), ListenerError> {
        (**self).on_lost(partitions, consumer).await
    }
}
