//! The rolling update, step for step the Deployment controller's `rolloutRolling`, with two
//! additions: scale-downs never spend more Ready pods than PodDisruptionBudgets allow, and a
//! stale ReplicaSet status never counts pods above the ReplicaSet's size.
//!
//! ```text
//!  assess (what was observed) ─► scale (the writes) ─► report (status, events, requeue)
//! ```
//!
//! One pass: ensure the target ReplicaSet exists, then either grow it within
//! `replicas + maxSurge`, or (if it could not grow) shrink old ones while keeping
//! `replicas - maxUnavailable` available; clean up history once complete.

pub(crate) mod assess;
mod report;
mod scale;

pub use report::BLOCKED_RECHECK;
pub(crate) use scale::ensure_new;

use super::revision::Desired;
use super::{Plan, action::Action, observed::Observed, replicas::Limits};
use crate::api::RollingUpdateStrategy;

/// Plans one pass of a rolling update.
pub fn plan(obs: &Observed, strategy: &RollingUpdateStrategy, template: &Desired) -> Plan {
    let limits = Limits::resolve(
        obs.rollout.spec.replicas,
        strategy.max_surge.as_ref(),
        strategy.max_unavailable.as_ref(),
    );
    let assessment = assess::assess(obs, limits, template);
    let scaling = scale::scale(obs, &assessment, template);
    let (status, transition_notes, requeue_after) = report::report(obs, &assessment, &scaling);
    let mut actions = scaling.actions;
    actions.extend(scaling.notes.into_iter().chain(transition_notes).map(Action::Event));
    Plan { actions, status, requeue_after, analyses: Vec::new() }
}
