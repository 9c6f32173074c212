//! What a rolling-update pass learns from the observation before it decides anything: which
//! ReplicaSet is the new revision, the pod counts, whether the rollout progressed, completed,
//! timed out or is aborted, and which ReplicaSet it is moving towards.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::{
    api::{
        RolloutPhase,
        condition::{reasons, types},
    },
    plan::{
        observed::{Observed, ReplicaSetView},
        replicas::Limits,
        revision,
        status::Counts,
    },
};

/// The facts one pass decides on.
#[derive(Clone, Debug)]
pub struct Assessment {
    /// Resolved surge and unavailability limits.
    pub limits: Limits,
    /// ReplicaSets not being deleted.
    pub live: Vec<ReplicaSetView>,
    /// Fingerprint of the Rollout's template.
    pub fingerprint: String,
    /// The ReplicaSet of the template, if it exists.
    pub existing_new: Option<ReplicaSetView>,
    /// Its pod-template-hash (or the one it will get).
    pub new_hash: String,
    /// Its name (or the one it will get).
    pub new_name: String,
    /// Collision count to write.
    pub collision_count: Option<i32>,
    /// Pod counts as observed.
    pub counts: Counts,
    /// Every replica on the new revision and available, nothing else left.
    pub complete: bool,
    /// Counts moved towards the new revision, the revision changed, or the rollout resumed.
    pub progressed: bool,
    /// When progress was last seen.
    pub last_progress: Timestamp,
    /// `progressDeadline`.
    pub deadline: Duration,
    /// No progress for the deadline.
    pub timed_out: bool,
    /// Rolling back to the stable revision.
    pub aborted: bool,
    /// The ReplicaSet capacity moves to: the new one, or the stable one when aborted.
    pub target: Option<String>,
}

/// Reads the observation.
pub fn assess(obs: &Observed, limits: Limits, template: &revision::Desired) -> Assessment {
    let spec = &obs.rollout.spec;
    let prior = &obs.rollout.status;
    let live: Vec<ReplicaSetView> = obs.replica_sets.iter().filter(|rs| !rs.deleting).cloned().collect();
    let fingerprint = template.fingerprint.clone();
    let existing_new = revision::find_by_fingerprint(&live, &fingerprint).cloned();
    let (new_hash, collision_count) = match &existing_new {
        Some(rs) => (rs.pod_template_hash.clone(), prior.collision_count),
        None => revision::free_name(
            &obs.rollout.name,
            &template.template,
            prior.collision_count,
            &obs.replica_sets,
        ),
    };
    let new_name = existing_new
        .as_ref()
        .map_or_else(|| revision::child_name(&obs.rollout.name, &new_hash), |rs| rs.name.clone());
    let counts = count(&live, existing_new.as_ref());
    let complete = is_complete(&live, existing_new.as_ref(), limits.replicas);

    let deadline = spec.progress_deadline.parse().unwrap_or(Duration::from_secs(600));
    let resumed = prior.phase == Some(RolloutPhase::Paused) && !spec.paused;
    let will_create = existing_new.is_none() && !spec.paused;
    let progressed = prior.updated_revision.as_deref() != Some(new_hash.as_str())
        || counts.progressed_since(prior)
        || resumed
        || will_create;
    // Time spent paused does not count against the deadline.
    let last_progress = match &prior.last_progress_time {
        Some(t) if !progressed && !spec.paused => t.0,
        _ => obs.now,
    };
    let was_aborted = prior.aborted_revision.as_deref() == Some(new_hash.as_str());
    let stable = prior
        .stable_revision
        .as_deref()
        .filter(|h| *h != new_hash)
        .and_then(|h| live.iter().find(|rs| rs.pod_template_hash == h))
        .map(|rs| rs.name.clone());
    // Once exceeded, the deadline stays exceeded until progress is seen again.
    let still_exceeded = prior.phase == Some(RolloutPhase::Degraded)
        && prior
            .conditions
            .iter()
            .any(|c| c.type_ == types::PROGRESSING && c.reason == reasons::PROGRESS_DEADLINE_EXCEEDED)
        && !progressed;
    let timed_out = !complete
        && !spec.paused
        && !was_aborted
        && (still_exceeded || remaining(last_progress, deadline, obs.now).is_zero());
    let aborted = was_aborted || (timed_out && spec.progress_deadline_abort && stable.is_some());
    let target = if aborted { stable } else { Some(new_name.clone()) };
    Assessment {
        limits,
        live,
        fingerprint,
        existing_new,
        new_hash,
        new_name,
        collision_count,
        counts,
        complete,
        progressed,
        last_progress,
        deadline,
        timed_out,
        aborted,
        target,
    }
}

/// Time left before the deadline (zero once past).
pub fn remaining(since: Timestamp, deadline: Duration, now: Timestamp) -> Duration {
    let elapsed = now.duration_since(since);
    let left = SignedDuration::try_from(deadline).unwrap_or(SignedDuration::MAX) - elapsed;
    Duration::try_from(left).unwrap_or(Duration::ZERO)
}

fn count(live: &[ReplicaSetView], new: Option<&ReplicaSetView>) -> Counts {
    Counts {
        replicas: live.iter().map(|rs| rs.status.replicas).sum(),
        updated: new.map_or(0, |rs| rs.status.replicas),
        ready: live.iter().map(ReplicaSetView::countable_ready).sum(),
        available: live.iter().map(ReplicaSetView::countable_available).sum(),
        updated_ready: new.map_or(0, ReplicaSetView::countable_ready),
    }
}

/// `DeploymentComplete`: every replica on the new revision and available, no other pods.
fn is_complete(live: &[ReplicaSetView], new: Option<&ReplicaSetView>, replicas: i32) -> bool {
    let Some(new) = new else { return false };
    new.replicas == replicas
        && new.status.replicas == replicas
        && new.countable_available() == replicas
        && live.iter().filter(|rs| rs.name != new.name).all(|rs| rs.replicas == 0 && rs.status.replicas == 0)
}
