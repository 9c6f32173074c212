//! One reconcile: observe → plan → act, and the requeue that follows.

use std::{sync::Arc, time::Duration};

use kube::runtime::{controller::Action as Requeue, reflector::ObjectRef};
use tracing::instrument;

use super::{act::act, context::Context, error::Error, metrics::PhaseLabels, observe::observe};
use crate::{api::Rollout, plan::plan};

/// First retry delay after a failure; doubles per consecutive failure up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(500);
/// Longest retry delay.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Retry of a reconcile that found the lease held but its renewal late.
const LATE_RENEWAL_RETRY: Duration = Duration::from_secs(2);
/// Re-check of a healthy rollout even without events (a safety net for lost watch events).
const RESYNC: Duration = Duration::from_secs(300);

/// Reconciles one Rollout.
#[instrument(skip(rollout, ctx), fields(rollout = %rollout.metadata.name.as_deref().unwrap_or(""), namespace = %rollout.metadata.namespace.as_deref().unwrap_or("")))]
pub async fn reconcile(rollout: Arc<Rollout>, ctx: Arc<Context>) -> Result<Requeue, Error> {
    let leadership = *ctx.leadership.borrow();
    if !leadership.may_write() {
        return Ok(if leadership.leader {
            // Holding the lease, but its renewal is late: look again shortly.
            Requeue::requeue(LATE_RENEWAL_RETRY)
        } else {
            // A standby keeps its caches warm and does nothing else: winning the lease
            // reconciles every Rollout (`leadership_gained` in the shell).
            Requeue::await_change()
        });
    }
    let _measure = ctx.metrics.measure();
    if let Some(done) = super::workload::guard(&rollout, &ctx).await? {
        return Ok(done);
    }
    let observed = observe(&rollout, &ctx, ctx.clock.now())?;
    let p = plan(&observed);
    super::analysis::runs::sync(&ctx, &rollout, &p).await?;
    let acted = act(&p, &rollout, &ctx).await?;
    webhooks(&ctx, &rollout, &p);
    let wrote = acted.wrote;
    if wrote {
        observe_abort_reaction(&ctx, &observed, &p);
    }
    count_phases(&ctx, &rollout, &p);
    ctx.failures
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&ObjectRef::from(rollout.as_ref()));
    // After a write, the watch brings the next state; otherwise wait for the planner's timer.
    let requeue_after = match (p.requeue_after, acted.status_deferred) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(match (wrote, requeue_after) {
        (_, Some(d)) => Requeue::requeue(d),
        (true, None) => Requeue::requeue(RESYNC),
        (false, None) if p.status.conditions.iter().any(|c| c.type_ == "InvalidSpec") => {
            Requeue::await_change()
        }
        (false, None) => Requeue::requeue(RESYNC),
    })
}

/// Hands the plan's gate questions and the notifications its status owes to the webhook
/// sender (which never blocks).
fn webhooks(ctx: &Context, rollout: &Rollout, p: &crate::plan::Plan) {
    if rollout.spec.webhooks.is_empty() {
        return;
    }
    let mut after = rollout.clone();
    after.status = Some(p.status.clone());
    ctx.webhooks.ask(&after, &p.status);
    ctx.webhooks.send_pending(&after);
}

/// On failure: per-object exponential backoff; conflicts retry at once; never panics.
pub fn error_policy(rollout: Arc<Rollout>, error: &Error, ctx: Arc<Context>) -> Requeue {
    if matches!(error, Error::NotLeader) {
        // Lost leadership mid-reconcile: winning it again reconciles everything; a late
        // renewal of a lease still held is retried.
        return if ctx.leadership.borrow().leader {
            Requeue::requeue(LATE_RENEWAL_RETRY)
        } else {
            Requeue::await_change()
        };
    }
    ctx.metrics
        .failures
        .get_or_create(&super::metrics::CategoryLabel { category: error.category().into() })
        .inc();
    if error.is_conflict() {
        return Requeue::requeue(Duration::from_millis(50));
    }
    let message = chain(error);
    let (delay, first_of_its_kind) = {
        let mut failures = ctx.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let f = failures.entry(ObjectRef::from(rollout.as_ref())).or_default();
        f.count += 1;
        let new = f.last != message;
        if new {
            f.last.clone_from(&message);
        }
        (BASE_BACKOFF.saturating_mul(1u32 << (f.count - 1).min(10)).min(MAX_BACKOFF), new)
    };
    tracing::warn!(error = %message, category = error.category(), retry_in = ?delay, "reconcile failed");
    if first_of_its_kind && ctx.leadership.borrow().may_write() {
        warn_on_rollout(&ctx, &rollout, error.category(), message);
    }
    Requeue::requeue(delay)
}

/// An error and its causes, outermost first: `failed to write ReplicaSet web-1: ...`.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// A Warning event on the Rollout naming a failure's category, sent off the reconcile path
/// (error policies are synchronous, and a slow API server must not hold them).
fn warn_on_rollout(ctx: &Context, rollout: &Rollout, category: &'static str, message: String) {
    use kube::{
        Resource,
        runtime::events::{Event, EventType},
    };
    let (recorder, reference) = (ctx.recorder.clone(), rollout.object_ref(&()));
    let event = Event {
        type_: EventType::Warning,
        reason: category.into(),
        note: Some(super::act::truncate(&message, 1024)),
        action: "Reconcile".into(),
        secondary: None,
    };
    tokio::spawn(async move {
        if let Err(e) = super::act::bounded(recorder.publish(&event, &reference)).await {
            tracing::warn!(error = %e, reason = category, "could not publish a failure event");
        }
    });
}

/// Counts this Rollout under its strategy and phase as just planned.
fn count_phases(ctx: &Context, current: &Rollout, planned: &crate::plan::Plan) {
    let strategy = current.spec.strategy.selected().map_or("none", |s| s.name());
    let phase = planned.status.phase.map_or("Unknown", |p| p.as_str());
    let labels = PhaseLabels { strategy: strategy.into(), phase: phase.into() };
    ctx.metrics.count_rollout(ObjectRef::from(current), labels, ctx.scope.as_deref(), |r| {
        ctx.rollouts.get(r).is_some()
    });
}

/// In the pass whose writes took all traffic off a canary that an analysis failed: the time
/// from the failing measurement to now, once.
fn observe_abort_reaction(ctx: &Context, observed: &crate::plan::Observed, p: &crate::plan::Plan) {
    use crate::{api::RolloutPhase, plan::VerdictOutcome};
    let before = &observed.rollout.status;
    let now_on_stable = p.status.phase == Some(RolloutPhase::Aborted) && p.status.weight == Some(0);
    let was_on_stable = before.phase == Some(RolloutPhase::Aborted) && before.weight == Some(0);
    if !now_on_stable || was_on_stable {
        return;
    }
    let Some(revision) = p.status.aborted_revision.as_deref() else { return };
    let decided = observed
        .verdicts
        .iter()
        .filter(|v| v.revision == revision && v.outcome == VerdictOutcome::Failed)
        .filter_map(|v| v.decided_at)
        .min();
    if let Some(at) = decided {
        let seconds = ctx.clock.now().duration_since(at).as_secs_f64().max(0.0);
        ctx.metrics.abort_reaction.observe(seconds);
        tracing::info!(seconds, revision, "traffic back on stable after a failed analysis");
    }
}
