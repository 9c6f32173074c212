//! The rolling update, step for step the Deployment controller's `rolloutRolling`, with two
//! additions: scale-downs never spend more Ready pods than PodDisruptionBudgets allow, and a
//! stale ReplicaSet status never counts pods above the ReplicaSet's size.
//!
//! One pass: ensure the target ReplicaSet exists, then either grow it within
//! `replicas + maxSurge`, or (if it could not grow) shrink old ones while keeping
//! `replicas - maxUnavailable` available; clean up history once complete.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::{api::core::v1::PodTemplateSpec, apimachinery::pkg::apis::meta::v1::Time};

use super::{
    Plan,
    action::{Action, EventNote, NewReplicaSet, RevisionUpdate},
    budget::{Blocked, DisruptionLedger},
    observed::{Observed, ReplicaSetView},
    replicas::Limits,
    revision, scaling,
    status::{Counts, StatusBuilder},
    working::Working,
};
use crate::api::{
    RollingUpdateStrategy, RolloutPhase,
    condition::{events, reasons, types},
};

/// How soon to look again while a disruption budget holds a scale-down (its status changes
/// also wake the controller; this bounds the wait if such a change is missed).
pub const BLOCKED_RECHECK: Duration = Duration::from_secs(10);

/// Plans one pass of a rolling update.
pub fn plan(obs: &Observed, strategy: &RollingUpdateStrategy, template: &PodTemplateSpec) -> Plan {
    let spec = &obs.rollout.spec;
    let prior = &obs.rollout.status;
    let limits = Limits::resolve(
        spec.replicas,
        strategy.max_surge.as_ref(),
        strategy.max_unavailable.as_ref(),
    );
    let live: Vec<ReplicaSetView> = obs
        .replica_sets
        .iter()
        .filter(|rs| !rs.deleting)
        .cloned()
        .collect();
    let fingerprint = revision::fingerprint(template);
    let existing_new = revision::find_by_fingerprint(&live, &fingerprint).cloned();
    let (new_hash, collision_count) = match &existing_new {
        Some(rs) => (rs.pod_template_hash.clone(), prior.collision_count),
        None => revision::free_name(
            &obs.rollout.name,
            template,
            prior.collision_count,
            &obs.replica_sets,
        ),
    };
    let new_name = existing_new.as_ref().map_or_else(
        || format!("{}-{new_hash}", obs.rollout.name),
        |rs| rs.name.clone(),
    );
    let counts = count(&live, existing_new.as_ref());
    let complete = is_complete(&live, existing_new.as_ref(), limits.replicas);

    // Progress and the deadline, judged on what was observed.
    let deadline = spec.progress_deadline.parse().unwrap_or(Duration::from_secs(600));
    let resumed = prior.phase == Some(RolloutPhase::Paused) && !spec.paused;
    let will_create = existing_new.is_none() && !spec.paused;
    let progressed = prior.updated_revision.as_deref() != Some(new_hash.as_str())
        || counts.progressed_since(prior)
        || resumed
        || will_create;
    let last_progress = match &prior.last_progress_time {
        Some(t) if !progressed && !spec.paused => t.0,
        _ => obs.now,
    };
    let was_aborted = prior.aborted_revision.as_deref() == Some(new_hash.as_str());
    let stable_rs = prior
        .stable_revision
        .as_deref()
        .filter(|h| *h != new_hash)
        .and_then(|h| live.iter().find(|rs| rs.pod_template_hash == h));
    let timed_out =
        !complete
            && !spec.paused
            && !was_aborted
            && ((prior.phase == Some(RolloutPhase::Degraded)
                && obs.rollout.status.conditions.iter().any(|c| {
                    c.type_ == types::PROGRESSING && c.reason == reasons::PROGRESS_DEADLINE_EXCEEDED
                })
                && !progressed)
                || past(last_progress, deadline, obs.now));
    let aborted = was_aborted || (timed_out && spec.progress_deadline_abort && stable_rs.is_some());

    // Scaling.
    let mut w = Working::new(&obs.replica_sets, limits);
    let mut ledger = DisruptionLedger::new(&obs.disruption_budgets, &obs.replica_sets);
    let mut actions = Vec::new();
    let mut notes = Vec::new();
    let target = if aborted {
        stable_rs.map(|rs| rs.name.clone())
    } else {
        Some(new_name.clone())
    };
    if scaling::is_scaling_event(&w, limits.replicas) {
        // Also while paused: a replica-count change is applied, the rollout is not advanced.
        let target = target.as_deref().filter(|t| w.get(t).is_some());
        scaling::scale(
            &mut w,
            target,
            limits,
            prior.replicas,
            &obs.replica_sets,
            &mut ledger,
        );
    } else if !spec.paused {
        if !aborted {
            ensure_new(
                obs,
                &mut w,
                existing_new.as_ref(),
                &new_name,
                &new_hash,
                &fingerprint,
                template,
                limits,
            )
            .into_iter()
            .for_each(|(a, n)| {
                actions.push(a);
                notes.extend(n);
            });
        }
        if let Some(t) = target.as_deref().filter(|t| w.get(t).is_some())
            && !reconcile_new(&mut w, t, limits, &obs.replica_sets, &mut ledger)
        {
            reconcile_old(&mut w, t, limits, &obs.replica_sets, &mut ledger);
        }
    }
    let scaled_up = w.scaled_up_any();
    let (scale_actions, scale_notes) = w.into_actions();
    actions.extend(scale_actions);
    notes.extend(scale_notes);
    if (complete && !aborted) || spec.paused {
        let old: Vec<&ReplicaSetView> = live.iter().filter(|rs| rs.name != new_name).collect();
        for rs in revision::history_to_delete(&old, spec.revision_history_limit) {
            actions.push(Action::DeleteReplicaSet {
                name: rs.name.clone(),
            });
            notes.push(EventNote::normal(
                events::REPLICA_SET_DELETED,
                format!(
                    "Deleted old ReplicaSet {} (revision {}) beyond revisionHistoryLimit",
                    rs.name, rs.revision
                ),
            ));
        }
    }

    // Status.
    let created = actions.iter().any(|a| matches!(a, Action::CreateReplicaSet(_)));
    let blocked = ledger.blocked.clone();
    let mut b = StatusBuilder::new(obs);
    b.counts(&counts);
    {
        let st = b.status_mut();
        st.updated_revision = Some(new_hash.clone());
        st.collision_count = collision_count;
        st.last_progress_time = Some(Time(last_progress));
        st.current_step = None;
        st.pause_conditions.clear();
        st.aborted_revision = aborted.then(|| new_hash.clone());
        if complete && !aborted {
            st.stable_revision = Some(new_hash.clone());
        }
    }
    let deadline_text = spec.progress_deadline.as_str();
    let stable_text = prior.stable_revision.clone().unwrap_or_default();
    if aborted {
        b.condition(
            types::PROGRESSING,
            false,
            reasons::ROLLOUT_ABORTED,
            format!("revision {new_hash} made no progress for {deadline_text}; rolled back to stable revision {stable_text}"),
        );
    } else if spec.paused {
        b.condition_unknown(
            types::PROGRESSING,
            reasons::ROLLOUT_PAUSED,
            "rollout is paused by spec.paused",
        );
    } else if complete {
        b.condition(
            types::PROGRESSING,
            true,
            reasons::NEW_REPLICA_SET_AVAILABLE,
            format!("ReplicaSet {new_name} has successfully progressed"),
        );
    } else if timed_out {
        b.condition(
            types::PROGRESSING,
            false,
            reasons::PROGRESS_DEADLINE_EXCEEDED,
            format!("ReplicaSet {new_name} has made no progress for {deadline_text}"),
        );
    } else if let Some(bl) = &blocked {
        let msg = blocked_message(bl);
        if b.prior_reason(types::PROGRESSING) != Some(reasons::BLOCKED_BY_DISRUPTION_BUDGET) {
            b.event(EventNote::warning(reasons::BLOCKED_BY_DISRUPTION_BUDGET, &msg));
        }
        b.condition(
            types::PROGRESSING,
            true,
            reasons::BLOCKED_BY_DISRUPTION_BUDGET,
            msg,
        );
    } else if created {
        b.condition(
            types::PROGRESSING,
            true,
            reasons::NEW_REPLICA_SET_CREATED,
            format!("Created new ReplicaSet {new_name}"),
        );
    } else if progressed || scaled_up {
        b.condition(
            types::PROGRESSING,
            true,
            reasons::REPLICA_SET_UPDATED,
            format!("ReplicaSet {new_name} is progressing"),
        );
    } else if b
        .prior()
        .conditions
        .iter()
        .all(|c| c.type_ != types::PROGRESSING || c.status != "True")
    {
        b.condition(
            types::PROGRESSING,
            true,
            reasons::FOUND_NEW_REPLICA_SET,
            format!("Found new ReplicaSet {new_name}"),
        );
    }
    let available_ok = counts.available >= limits.min_available();
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
            counts.available,
            limits.replicas,
            limits.min_available()
        ),
    );
    if spec.paused {
        b.condition(
            types::PAUSED,
            true,
            reasons::ROLLOUT_PAUSED,
            "paused by spec.paused",
        );
    } else {
        b.condition(types::PAUSED, false, reasons::NOT_PAUSED, "not paused");
    }
    let healthy = complete && !aborted;
    let (healthy_reason, healthy_msg) = if healthy {
        (
            reasons::ROLLOUT_COMPLETED,
            format!(
                "all {} replicas run revision {new_hash} and are available",
                limits.replicas
            ),
        )
    } else if aborted {
        (
            reasons::ROLLOUT_ABORTED,
            format!("revision {new_hash} was rolled back"),
        )
    } else if timed_out {
        (
            reasons::PROGRESS_DEADLINE_EXCEEDED,
            format!("no progress for {deadline_text}"),
        )
    } else {
        (
            reasons::ROLLOUT_NOT_COMPLETED,
            format!("{} of {} replicas updated", counts.updated, limits.replicas),
        )
    };
    b.condition(types::HEALTHY, healthy, healthy_reason, healthy_msg);
    b.clear_condition(types::INVALID_SPEC);

    let phase = if aborted {
        RolloutPhase::Aborted
    } else if timed_out {
        RolloutPhase::Degraded
    } else if spec.paused {
        RolloutPhase::Paused
    } else if complete {
        RolloutPhase::Healthy
    } else {
        RolloutPhase::Progressing
    };
    let message = summary(phase, &counts, limits, &new_hash, blocked.as_ref(), deadline_text);
    let (status, transition_notes) = b.finish(phase, message);
    actions.extend(notes.into_iter().chain(transition_notes).map(Action::Event));

    let mut requeue_after = (!complete && !spec.paused && !timed_out && !aborted)
        .then(|| until(last_progress, deadline, obs.now) + Duration::from_secs(1));
    if blocked.is_some() && !timed_out && !aborted {
        requeue_after = Some(requeue_after.map_or(BLOCKED_RECHECK, |r| r.min(BLOCKED_RECHECK)));
    }
    Plan {
        actions,
        status,
        requeue_after,
    }
}

/// Creates the ReplicaSet for the template, or renumbers an existing one re-used by a
/// rollback (and keeps its minReadySeconds current).
#[allow(clippy::too_many_arguments)]
fn ensure_new(
    obs: &Observed,
    w: &mut Working,
    existing: Option<&ReplicaSetView>,
    name: &str,
    hash: &str,
    fingerprint: &str,
    template: &PodTemplateSpec,
    limits: Limits,
) -> Option<(Action, Option<EventNote>)> {
    let spec = &obs.rollout.spec;
    let others: Vec<&ReplicaSetView> = obs.replica_sets.iter().filter(|rs| rs.name != name).collect();
    let next = revision::next_revision(&others);
    match existing {
        None => {
            let current = w.total();
            let replicas = if current >= limits.max_total() {
                0
            } else {
                (limits.max_total() - current).min(limits.replicas)
            };
            let (labelled, selector) = revision::with_hash_label(template, &spec.selector, hash);
            let labels = labelled
                .metadata
                .as_ref()
                .and_then(|m| m.labels.clone())
                .unwrap_or_default();
            w.add_created(ReplicaSetView {
                name: name.to_string(),
                pod_template_hash: hash.to_string(),
                template_fingerprint: Some(fingerprint.to_string()),
                template_labels: labels,
                revision: next,
                revision_history: Vec::new(),
                created: obs.now,
                replicas,
                min_ready_seconds: spec.min_ready_seconds,
                status: Default::default(),
                status_current: true,
                desired_replicas: Some(limits.replicas),
                max_replicas: Some(limits.max_total()),
                deleting: false,
            });
            let note = EventNote::normal(
                reasons::NEW_REPLICA_SET_CREATED,
                format!("Created ReplicaSet {name} (revision {next}) with {replicas} replicas"),
            );
            Some((
                Action::CreateReplicaSet(Box::new(NewReplicaSet {
                    name: name.to_string(),
                    pod_template_hash: hash.to_string(),
                    template_fingerprint: fingerprint.to_string(),
                    revision: next,
                    replicas,
                    desired_replicas: limits.replicas,
                    max_replicas: limits.max_total(),
                    min_ready_seconds: spec.min_ready_seconds,
                    selector,
                    template: labelled,
                })),
                Some(note),
            ))
        }
        Some(rs) if rs.revision < next || rs.min_ready_seconds != spec.min_ready_seconds => {
            let renumber = rs.revision < next;
            let mut history = rs.revision_history.clone();
            if renumber && rs.revision > 0 {
                history.push(rs.revision);
            }
            let note = (renumber && rs.revision > 0).then(|| {
                EventNote::normal(
                    events::ROLLED_BACK,
                    format!(
                        "Rolling back to ReplicaSet {} (revision {} becomes {next})",
                        rs.name, rs.revision
                    ),
                )
            });
            Some((
                Action::UpdateReplicaSetRevision(RevisionUpdate {
                    name: rs.name.clone(),
                    revision: if renumber { next } else { rs.revision },
                    revision_history: history,
                    min_ready_seconds: spec.min_ready_seconds,
                }),
                note,
            ))
        }
        Some(_) => None,
    }
}

/// `reconcileNewReplicaSet`: grow the target within the surge, or shrink it to `replicas`
/// (it is only ever above after `replicas` was lowered; that shrink spends disruption budget
/// like any other). Returns whether it changed size.
fn reconcile_new(
    w: &mut Working,
    target: &str,
    limits: Limits,
    observed: &[ReplicaSetView],
    ledger: &mut DisruptionLedger<'_>,
) -> bool {
    let size = w.size(target);
    let want = if size > limits.replicas {
        match observed.iter().find(|o| o.name == target) {
            Some(o) => ledger.clamp_scale_down(o, limits.replicas),
            None => limits.replicas,
        }
    } else {
        let room = limits.max_total() - w.total();
        if room <= 0 {
            size
        } else {
            size + room.min(limits.replicas - size)
        }
    };
    if want == size {
        return false;
    }
    w.scale(target, want);
    true
}

/// `reconcileOldReplicaSets`: first drop old pods that are not available (they lower
/// nothing), then scale old ReplicaSets down as far as availability allows. Both steps spend
/// disruption budget for the Ready pods they remove.
fn reconcile_old(
    w: &mut Working,
    target: &str,
    limits: Limits,
    observed: &[ReplicaSetView],
    ledger: &mut DisruptionLedger<'_>,
) {
    let old_names: Vec<String> = w.others(Some(target)).into_iter().map(|rs| rs.name).collect();
    if old_names.iter().map(|n| w.size(n)).sum::<i32>() == 0 {
        return;
    }
    let observed_view = |name: &str| observed.iter().find(|o| o.name == name);
    let Some(t) = w.get(target) else { return };
    let new_unavailable = t.replicas - t.countable_available();
    let max_scaled_down = w.total() - limits.min_available() - new_unavailable;
    if max_scaled_down <= 0 {
        return;
    }

    // Step 1: old pods that are not available.
    let mut cleaned = 0;
    for name in &old_names {
        if cleaned >= max_scaled_down {
            break;
        }
        let Some(rs) = w.get(name).cloned() else { continue };
        let unavailable = rs.replicas - rs.countable_available();
        if rs.replicas == 0 || unavailable == 0 {
            continue;
        }
        let mut to = rs.replicas - (max_scaled_down - cleaned).min(unavailable);
        if let Some(o) = observed_view(name) {
            to = ledger.clamp_scale_down(o, to);
        }
        cleaned += rs.replicas - to;
        w.scale(name, to);
    }

    // Step 2: available old pods, down to minAvailable overall.
    let available: i32 = w.rss.iter().map(ReplicaSetView::countable_available).sum();
    if available <= limits.min_available() {
        return;
    }
    let budget = available - limits.min_available();
    let mut done = 0;
    for name in &old_names {
        if done >= budget {
            break;
        }
        let size = w.size(name);
        if size == 0 {
            continue;
        }
        let mut to = size - size.min(budget - done);
        if let Some(o) = observed_view(name) {
            to = ledger.clamp_scale_down(o, to);
        }
        done += size - to;
        w.scale(name, to);
    }
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
        && live
            .iter()
            .filter(|rs| rs.name != new.name)
            .all(|rs| rs.replicas == 0 && rs.status.replicas == 0)
}

fn past(since: Timestamp, deadline: Duration, now: Timestamp) -> bool {
    until(since, deadline, now).is_zero()
}

fn until(since: Timestamp, deadline: Duration, now: Timestamp) -> Duration {
    let elapsed = now.duration_since(since);
    let remaining = SignedDuration::try_from(deadline).unwrap_or(SignedDuration::MAX) - elapsed;
    Duration::try_from(remaining).unwrap_or(Duration::ZERO)
}

/// Kept free of changing counts so that repeated events fold into one series.
fn blocked_message(b: &Blocked) -> String {
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
        RolloutPhase::Healthy => format!(
            "revision {hash}: {}/{} replicas available",
            c.available, limits.replicas
        ),
        RolloutPhase::Aborted => {
            format!("revision {hash} aborted after {deadline} without progress; returning to stable")
        }
        RolloutPhase::Degraded => format!("revision {hash}: no progress for {deadline}"),
        RolloutPhase::Paused => format!("paused: {} of {} replicas updated", c.updated, limits.replicas),
        RolloutPhase::Progressing => match blocked {
            Some(b) => format!(
                "{} ({} of {} pods removed)",
                blocked_message(b),
                b.removed,
                b.wanted
            ),
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
