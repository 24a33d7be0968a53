//! Serving the rebalances librdkafka handed over, on the application's
//! task: run the listener, then (incrementally) assign or unassign.
//!
//! librdkafka only needs the application to call assign/unassign within the
//! session timeout after the rebalance event, not from the callback itself,
//! so the listener can be async.

use rdkafka::consumer::Consumer as _;

use super::context::{apply_rebalance, list_of, PendingRebalance, RebalanceKind};
use super::core::Core;
use super::handle::RebalanceHandle;
use super::listener::RebalanceListener;
use crate::error::{Error, Result};

/// Serves every waiting rebalance. A listener's failure is returned after
/// its rebalance was completed (and after the others were served).
///
/// Cancel-safe: a rebalance leaves the queue only once fully served; if this
/// future is dropped while a listener runs, the next call runs it again
/// (an assignment is not applied twice).
pub(crate) async fn serve_pending(
    core: &Core,
    listener: Option<&dyn RebalanceListener>,
) -> Result<()> {
    let mut failure = None;
    while let Some(event) = core.ctx().front() {
        let outcome = match event.kind {
            RebalanceKind::Assign => serve_assign(core, listener, &event).await,
            RebalanceKind::Revoke => serve_revoke(core, listener, &event).await,
        };
        core.ctx().pop_front();
        if let Err(error) = outcome {
            tracing::warn!(%error, "rebalance listener failed");
            failure.get_or_insert(error);
        }
    }
    failure.map_or(Ok(()), Err)
}

async fn serve_assign(
    core: &Core,
    listener: Option<&dyn RebalanceListener>,
    event: &PendingRebalance,
) -> Result<()> {
    if !event.applied {
        core.forget(&event.partitions);
        apply_rebalance(
            core.base(),
            RebalanceKind::Assign,
            &list_of(&event.partitions),
        )
        .map_err(|e| Error::kafka("assigning partitions", e))?;
        core.ctx().update_front(|front| front.applied = true);
        tracing::info!(
            group = core.group_id().unwrap_or_default(),
            partitions = ?event.partitions,
            "partitions assigned"
        );
    }
    let Some(listener) = listener else {
        return Ok(());
    };
    let handle = RebalanceHandle::new(core, false);
    listener
        .on_assigned(&event.partitions, &handle)
        .await
        .map_err(|e| Error::RebalanceListener {
            event: "assigned",
            message: e.to_string(),
        })
}

async fn serve_revoke(
    core: &Core,
    listener: Option<&dyn RebalanceListener>,
    event: &PendingRebalance,
) -> Result<()> {
    // Read before the unassign, which resets librdkafka's flag.
    let lost = match event.lost {
        Some(lost) => lost,
        None => {
            let lost = core.base().assignment_lost();
            core.ctx().update_front(|front| front.lost = Some(lost));
            lost
        }
    };
    let mut outcome = Ok(());
    if let (Some(listener), false) = (listener, event.partitions.is_empty()) {
        let handle = RebalanceHandle::new(core, lost);
        let result = if lost {
            listener.on_lost(&event.partitions, &handle).await
        } else {
            listener.on_revoked(&event.partitions, &handle).await
        };
        outcome = result.map_err(|e| Error::RebalanceListener {
            event: if lost { "lost" } else { "revoked" },
            message: e.to_string(),
        });
    }
    if !lost {
        // With auto-commit, librdkafka commits the stored offsets of
        // revoked partitions as they are unassigned.
        core.store_processed(Some(&event.partitions));
    }
    apply_rebalance(
        core.base(),
        RebalanceKind::Revoke,
        &list_of(&event.partitions),
    )
    .map_err(|e| Error::kafka("unassigning partitions", e))?;
    core.forget(&event.partitions);
    tracing::info!(
        group = core.group_id().unwrap_or_default(),
        partitions = ?event.partitions,
        lost,
        "partitions revoked"
    );
    outcome
}
