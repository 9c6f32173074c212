//! The writes of a rolling-update pass: create or renumber the new ReplicaSet, grow it within
//! the surge or shrink old ones within availability and disruption budgets, resize everything
//! proportionally when `spec.replicas` changed, and delete history beyond the limit.

use super::assess::Assessment;
use crate::{
    api::condition::{events, reasons},
    plan::{
        action::{Action, EventNote, NewReplicaSet, RevisionUpdate},
        budget::{Blocked, DisruptionLedger},
        observed::{Observed, ReplicaSetView},
        replicas::Limits,
        revision::{self, Desired},
        scaling,
        working::Working,
    },
};

/// What the scaling part of a pass decided.
#[derive(Clone, Debug, Default)]
pub struct Scaling {
    /// Creates, renumbers, scales and deletes, in that order.
    pub actions: Vec<Action>,
    /// Events for those writes.
    pub notes: Vec<EventNote>,
    /// The first scale-down a disruption budget held back.
    pub blocked: Option<Blocked>,
    /// A ReplicaSet was created.
    pub created: bool,
    /// Some ReplicaSet grew.
    pub scaled_up: bool,
}

/// Decides the writes.
pub fn scale(obs: &Observed, a: &Assessment, template: &Desired) -> Scaling {
    let spec = &obs.rollout.spec;
    let limits = a.limits;
    let mut out = Scaling::default();
    let mut w = Working::new(&obs.replica_sets, limits);
    let mut ledger = DisruptionLedger::new(&obs.disruption_budgets, &obs.replica_sets);
    if scaling::is_scaling_event(&w, limits.replicas) {
        // Also while paused: a replica-count change is applied, the rollout is not advanced.
        let target = a.target.as_deref().filter(|t| w.get(t).is_some());
        scaling::scale(&mut w, target, limits, obs.rollout.status.replicas, &obs.replica_sets, &mut ledger);
    } else if !spec.paused {
        if !a.aborted
            && let Some((action, note)) = ensure_new(obs, &mut w, a, template, limits.replicas)
        {
            out.created = matches!(action, Action::CreateReplicaSet(_));
            out.actions.push(action);
            out.notes.extend(note);
        }
        if let Some(t) = a.target.as_deref().filter(|t| w.get(t).is_some())
            && !reconcile_new(&mut w, t, limits, &obs.replica_sets, &mut ledger)
        {
            reconcile_old(&mut w, t, limits, &obs.replica_sets, &mut ledger);
        }
    }
    out.scaled_up = w.scaled_up_any();
    out.actions.extend(w.into_actions());
    if (a.complete && !a.aborted) || spec.paused {
        let old: Vec<&ReplicaSetView> = a.live.iter().filter(|rs| rs.name != a.new_name).collect();
        for rs in revision::history_to_delete(&old, spec.revision_history_limit) {
            out.actions.push(Action::DeleteReplicaSet { name: rs.name.clone() });
            out.notes.push(EventNote::normal(
                events::REPLICA_SET_DELETED,
                format!(
                    "Deleted old ReplicaSet {} (revision {}) beyond revisionHistoryLimit",
                    rs.name, rs.revision
                ),
            ));
        }
    }
    out.blocked = ledger.blocked;
    out
}

/// Creates the ReplicaSet for the template, or renumbers an existing one re-used by a
/// rollback (and keeps its minReadySeconds current).
/// A new ReplicaSet starts at most at `cap` replicas (the rolling update: `replicas`; a
/// canary: 0, sized by its own pass).
pub(crate) fn ensure_new(
    obs: &Observed,
    w: &mut Working,
    a: &Assessment,
    template: &Desired,
    cap: i32,
) -> Option<(Action, Option<EventNote>)> {
    let spec = &obs.rollout.spec;
    let (existing, name, hash, fingerprint, limits) =
        (a.existing_new.as_ref(), a.new_name.as_str(), a.new_hash.as_str(), a.fingerprint.as_str(), a.limits);
    let others: Vec<&ReplicaSetView> = obs.replica_sets.iter().filter(|rs| rs.name != name).collect();
    let next = revision::next_revision(&others);
    match existing {
        None => {
            let current = w.total();
            let replicas = if current >= limits.max_total() {
                0
            } else {
                (limits.max_total() - current).min(limits.replicas).min(cap)
            };
            let (labelled, selector) = revision::with_hash_label(&template.template, &spec.selector, hash);
            let labels = labelled.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
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
                revision::cap_history(&mut history);
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
        if room <= 0 { size } else { size + room.min(limits.replicas - size) }
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
