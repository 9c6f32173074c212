//! The status a rolling-update pass writes: counts, revisions, conditions, phase, message,
//! the events that mark transitions, and when to look again.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::{
    assess::{Assessment, remaining},
    scale::Scaling,
};
use crate::{
    api::{
        RolloutPhase, RolloutStatus,
        condition::{reasons, types},
    },
    plan::{
        action::EventNote,
        budget::Blocked,
        observed::Observed,
        replicas::Limits,
        status::{Counts, StatusBuilder},
    },
};

/// How soon to look again while a disruption budget holds a scale-down (its status changes
/// also wake the controller; this bounds the wait if such a change is missed).
pub const BLOCKED_RECHECK: Duration = Duration::from_secs(10);

/// Status, events and the requeue hint for a pass.
pub fn report(
    obs: &Observed,
    a: &Assessment,
    s: &Scaling,
) -> (RolloutStatus, Vec<EventNote>, Option<Duration>) {
    let spec = &obs.rollout.spec;
    let mut b = StatusBuilder::new(obs);
    b.counts(&a.counts);
    {
        let st = b.status_mut();
        st.updated_revision = Some(a.new_hash.clone());
        st.collision_count = a.collision_count;
        st.last_progress_time = Some(Time(a.last_progress));
        st.current_step = None;
        st.pause_conditions.clear();
        st.aborted_revision = a.aborted.then(|| a.new_hash.clone());
        if a.complete && !a.aborted {
            st.stable_revision = Some(a.new_hash.clone());
        }
    }
    progressing(&mut b, obs, a, s);
    let available_ok = a.counts.available >= a.limits.min_available();
    b.condition(
        types::AVAILABLE,
        available_ok,
        if available_ok {
            reasons::MINIMUM_REPLICAS_AVAILABLE
        } else {
            reasons::MINIMUM_REPLICAS_UNAVAILABLE
        },
        format!(
            "{} of {} pods available (minimum {})",
            a.counts.available,
            a.limits.replicas,
            a.limits.min_available()
        ),
    );
    if spec.paused {
        b.condition(types::PAUSED, true, reasons::ROLLOUT_PAUSED, "paused by spec.paused");
    } else {
        b.condition(types::PAUSED, false, reasons::NOT_PAUSED, "not paused");
    }
    let deadline = spec.progress_deadline.as_str();
    let healthy = a.complete && !a.aborted;
    let (reason, message) = if healthy {
        (
            reasons::ROLLOUT_COMPLETED,
            format!("all {} replicas run revision {} and are available", a.limits.replicas, a.new_hash),
        )
    } else if a.aborted {
        (reasons::ROLLOUT_ABORTED, format!("revision {} was rolled back", a.new_hash))
    } else if a.timed_out {
        (reasons::PROGRESS_DEADLINE_EXCEEDED, format!("no progress for {deadline}"))
    } else {
        (
            reasons::ROLLOUT_NOT_COMPLETED,
            format!("{} of {} replicas updated", a.counts.updated, a.limits.replicas),
        )
    };
    b.condition(types::HEALTHY, healthy, reason, message);
    b.clear_condition(types::INVALID_SPEC);

    let phase = if a.aborted {
        RolloutPhase::Aborted
    } else if a.timed_out {
        RolloutPhase::Degraded
    } else if spec.paused {
        RolloutPhase::Paused
    } else if a.complete {
        RolloutPhase::Healthy
    } else {
        RolloutPhase::Progressing
    };
    let summary = summary(phase, &a.counts, a.limits, &a.new_hash, s.blocked.as_ref(), deadline);
    let (status, notes) = b.finish(phase, summary);

    let waiting = !a.complete && !spec.paused && !a.timed_out && !a.aborted;
    let mut requeue =
        waiting.then(|| remaining(a.last_progress, a.deadline, obs.now) + Duration::from_secs(1));
    if s.blocked.is_some() && waiting {
        requeue = Some(requeue.map_or(BLOCKED_RECHECK, |r| r.min(BLOCKED_RECHECK)));
    }
    (status, notes, requeue)
}

/// The Progressing condition: the most important thing happening, in order of precedence.
fn progressing(b: &mut StatusBuilder<'_>, obs: &Observed, a: &Assessment, s: &Scaling) {
    let spec = &obs.rollout.spec;
    let (name, hash, deadline) = (&a.new_name, &a.new_hash, spec.progress_deadline.as_str());
    if a.aborted {
        let stable = obs.rollout.status.stable_revision.clone().unwrap_or_default();
        let msg = format!(
            "revision {hash} made no progress for {deadline}; rolled back to stable revision {stable}"
        );
        b.condition(types::PROGRESSING, false, reasons::ROLLOUT_ABORTED, msg);
    } else if spec.paused {
        b.condition_unknown(types::PROGRESSING, reasons::ROLLOUT_PAUSED, "rollout is paused by spec.paused");
    } else if a.complete {
        let msg = format!("ReplicaSet {name} has successfully progressed");
        b.condition(types::PROGRESSING, true, reasons::NEW_REPLICA_SET_AVAILABLE, msg);
    } else if a.timed_out {
        let msg = format!("ReplicaSet {name} has made no progress for {deadline}");
        b.condition(types::PROGRESSING, false, reasons::PROGRESS_DEADLINE_EXCEEDED, msg);
    } else if let Some(blocked) = &s.blocked {
        let msg = blocked_message(blocked);
        if b.prior_reason(types::PROGRESSING) != Some(reasons::BLOCKED_BY_DISRUPTION_BUDGET) {
            b.event(EventNote::warning(reasons::BLOCKED_BY_DISRUPTION_BUDGET, &msg));
        }
        b.condition(types::PROGRESSING, true, reasons::BLOCKED_BY_DISRUPTION_BUDGET, msg);
    } else if s.created {
        b.condition(
            types::PROGRESSING,
            true,
            reasons::NEW_REPLICA_SET_CREATED,
            format!("Created new ReplicaSet {name}"),
        );
    } else if a.progressed || s.scaled_up {
        b.condition(
            types::PROGRESSING,
            true,
            reasons::REPLICA_SET_UPDATED,
            format!("ReplicaSet {name} is progressing"),
        );
    } else if b.prior().conditions.iter().all(|c| c.type_ != types::PROGRESSING || c.status != "True") {
        b.condition(
            types::PROGRESSING,
            true,
            reasons::FOUND_NEW_REPLICA_SET,
            format!("Found new ReplicaSet {name}"),
        );
    }
}

/// Kept free of changing counts so that repeated events fold into one series.
fn blocked_message(b: &Blocked) -> String {
    if let Some(why) = &b.unreadable {
        return format!(
            "PodDisruptionBudget {} cannot be read ({why}); it may cover any pod, so scale-down of ReplicaSet {} waits for it",
            b.budget, b.replica_set
        );
    }
    format!(
        "PodDisruptionBudget {} allows no more disruptions; scale-down of ReplicaSet {} waits for it",
        b.budget, b.replica_set
    )
}

fn summary(
    phase: RolloutPhase,
    c: &Counts,
    limits: Limits,
    hash: &str,
    blocked: Option<&Blocked>,
    deadline: &str,
) -> String {
    match phase {
        RolloutPhase::Healthy => {
            format!("revision {hash}: {}/{} replicas available", c.available, limits.replicas)
        }
        RolloutPhase::Aborted => {
            format!("revision {hash} aborted after {deadline} without progress; returning to stable")
        }
        RolloutPhase::Degraded => format!("revision {hash}: no progress for {deadline}"),
        RolloutPhase::Paused => format!("paused: {} of {} replicas updated", c.updated, limits.replicas),
        RolloutPhase::Progressing => match blocked {
            Some(b) => format!("{} ({} of {} pods removed)", blocked_message(b), b.removed, b.wanted),
            None => format!(
                "revision {hash}: {} of {} updated, {} available (minimum {}), {} old",
                c.updated,
                limits.replicas,
                c.available,
                limits.min_available(),
                c.replicas - c.updated
            ),
        },
    }
}
