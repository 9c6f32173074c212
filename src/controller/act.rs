//! Carries out a plan's actions: each write is rendered purely by [`render`](super::render)
//! and sent with the kube client. Every write first checks that this instance may still write
//! as leader.

use std::{future::Future, time::Duration};

use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::{
    Api, Resource, ResourceExt,
    runtime::events::{Event as KubeEvent, EventType},
};
use serde_json::Value;

use super::{
    context::Context,
    error::Error,
    metrics::WriteLabel,
    render::{self, Write, WriteKind},
};
use crate::{
    api::Rollout,
    plan::{EventKind, Plan},
};

pub use super::render::{MANAGER, ROLLOUT_LABEL};

pub(crate) fn may_write(ctx: &Context) -> Result<(), Error> {
    if ctx.leadership.borrow().may_write() {
        Ok(())
    } else {
        ctx.metrics.withheld.inc();
        Err(Error::NotLeader)
    }
}

fn count(ctx: &Context, kind: WriteKind) {
    ctx.metrics.writes.get_or_create(&WriteLabel { kind: kind.as_str().into() }).inc();
}

/// The error of a failed write, by what it wrote.
fn write_error(w: &Write, source: kube::Error) -> Error {
    match w.kind {
        WriteKind::DeleteReplicaSet => Error::DeleteReplicaSet { name: w.name.clone(), source },
        WriteKind::Status => Error::WriteStatus(source),
        WriteKind::ScaleDeployment => {
            Error::WriteWorkload { what: "scale the Deployment", name: w.name.clone(), source }
        }
        WriteKind::SetServiceSelector | WriteKind::SetRouteWeights | WriteKind::SetRouteRules => {
            Error::WriteTraffic { what: w.kind.as_str(), name: w.name.clone(), source }
        }
        _ => Error::WriteReplicaSet { name: w.name.clone(), source },
    }
}

/// Longest any one API call of a reconcile may take: a call that has not answered by then
/// failed (the reconcile backs off and retries) rather than holding a worker, and shutdown,
/// for as long as the connection stays open.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// An API call that did not answer within [`CALL_TIMEOUT`].
#[derive(Debug, thiserror::Error)]
#[error("no answer from the API server within {0:?}")]
pub struct TimedOut(pub Duration);

/// `call`, failed with [`TimedOut`] if it has not answered within [`CALL_TIMEOUT`].
pub async fn bounded<T>(call: impl Future<Output = Result<T, kube::Error>>) -> Result<T, kube::Error> {
    tokio::time::timeout(CALL_TIMEOUT, call)
        .await
        .unwrap_or_else(|_| Err(kube::Error::Service(Box::new(TimedOut(CALL_TIMEOUT)))))
}

pub(super) async fn send(ctx: &Context, w: &Write) -> Result<(), kube::Error> {
    let req = w.to_http().map_err(|e| kube::Error::Service(Box::new(e)))?;
    bounded(ctx.client.request::<Value>(req)).await.map(|_| ())
}

/// Sends one write; a create that meets a ReplicaSet of ours, or a delete of one already gone,
/// is done.
async fn write(ctx: &Context, rollout: &Rollout, w: &Write) -> Result<(), Error> {
    may_write(ctx)?;
    match (send(ctx, w).await, w.kind) {
        (Ok(()), _) => {}
        (Err(kube::Error::Api(s)), WriteKind::DeleteReplicaSet) if s.code == 404 => return Ok(()), // already gone
        (Err(kube::Error::Api(s)), WriteKind::CreateReplicaSet) if s.code == 409 => {
            let ns = rollout.namespace().unwrap_or_default();
            let rss: Api<ReplicaSet> = Api::namespaced(ctx.client.clone(), &ns);
            let existing = bounded(rss.get(&w.name)).await.map_err(|e| write_error(w, e))?;
            let ours =
                existing.owner_references().iter().any(|o| Some(&o.uid) == rollout.metadata.uid.as_ref());
            if !ours {
                return Err(Error::NameTaken(w.name.clone()));
            }
            // Planned from a cache that had not yet seen our own create: nothing was written.
            return Ok(());
        }
        (Err(e), _) => return Err(write_error(w, e)),
    }
    count(ctx, w.kind);
    Ok(())
}

/// What `act` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Acted {
    /// Whether anything was written.
    pub wrote: bool,
    /// A counts-only status change held back by pacing: look again after this long.
    pub status_deferred: Option<Duration>,
}

/// Writes every action of the plan, then the status if it changed (a change of counts only
/// at most once per [`COUNTS_INTERVAL`](super::pacing::COUNTS_INTERVAL)).
pub async fn act(plan: &Plan, rollout: &Rollout, ctx: &Context) -> Result<Acted, Error> {
    let mut acted = Acted::default();
    let key = kube::runtime::reflector::ObjectRef::from(rollout);
    for w in render::plan_writes(rollout, plan) {
        if w.kind == WriteKind::Status {
            let change = render::status_change(rollout.status.as_ref(), &plan.status);
            if change == render::StatusChange::CountsOnly
                && let Some(wait) = ctx.pacer.wait_for(&key)
            {
                acted.status_deferred = Some(wait);
                continue;
            }
        }
        write(ctx, rollout, &w).await?;
        if w.kind == WriteKind::Status {
            ctx.pacer.written(key.clone());
        }
        acted.wrote = true;
    }
    // Events after the writes they describe; a lost event is not worth failing the reconcile.
    if ctx.leadership.borrow().may_write() {
        let reference = rollout.object_ref(&());
        for e in plan.events() {
            let ev = KubeEvent {
                type_: if e.kind == EventKind::Warning { EventType::Warning } else { EventType::Normal },
                reason: e.reason.clone(),
                note: Some(truncate(&e.message, 1024)),
                action: e.reason.clone(),
                secondary: None,
            };
            if let Err(err) = bounded(ctx.recorder.publish(&ev, &reference)).await {
                tracing::warn!(error = %err, reason = %e.reason, "could not publish an event");
            }
        }
    }
    Ok(acted)
}

/// At most `max` bytes, cut at a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}
