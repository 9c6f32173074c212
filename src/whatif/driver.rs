//! Runs the planner against a simulated cluster at compressed time: the planner decides, the
//! simulated controllers carry it out, the clock jumps to the next thing that can change
//! (a pod turning Ready or available, a requeue, a scheduled change). Used by `ramp plan`
//! and by the property tests, which assert the strategy's invariants at every step.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::{core::v1::PodTemplateSpec, policy::v1::PodDisruptionBudget};

pub use super::record::{BudgetCheck, Entry, PlanCheck, ReplicaSetRow, Run, SyncCheck};
use hollow::rng::Rng;

use super::{
    cluster::{Cluster, PodBehaviour, SimPod, SimReplicaSet},
    record::{record, rows},
};
use crate::{
    api::{Rollout, RolloutStatus, StrategyRef, selector},
    plan::{
        Action, Observed, Plan, ReplicaSetView, RolloutView, observed::ObserveError, plan, replicas::Limits,
        revision,
    },
};

/// Where the run starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Nothing runs yet: the first rollout of the template.
    Fresh,
    /// A previous revision runs at full size and is Ready; the Rollout's template is new.
    FromPrevious,
}

/// A change made partway through a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Set `spec.replicas` (as `kubectl scale` or an HPA would).
    Replicas(i32),
    /// Set the first container's image (a new revision).
    Image(String),
    /// Set `spec.paused`.
    Paused(bool),
    /// Replace the pod template (e.g. back to an older one: a rollback).
    Template(Box<PodTemplateSpec>),
}

/// A change and when it happens (since the start of the run).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduledChange {
    /// Offset from the start.
    pub at: Duration,
    /// What changes.
    pub change: Change,
}

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The Rollout (its status is ignored).
    pub rollout: Rollout,
    /// Budgets over its pods.
    pub budgets: Vec<PodDisruptionBudget>,
    /// Starting point.
    pub start: Start,
    /// How pods behave.
    pub behaviour: PodBehaviour,
    /// Seed for readiness jitter and lag.
    pub seed: u64,
    /// Changes during the run, in any order.
    pub changes: Vec<ScheduledChange>,
    /// Chance that the planner runs again on stale status before the ReplicaSet controller
    /// acts on its last writes (exercises decisions on lagging status).
    pub lag_chance: f64,
    /// Virtual time after which the run stops.
    pub time_limit: Duration,
}

/// A scenario that cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The Rollout lacks metadata.
    #[error("cannot read the Rollout")]
    Observe(#[from] ObserveError),
    /// The planner kept writing without time passing.
    #[error("the planner went back to ReplicaSets it had already written at {at:?} ({passes} passes)")]
    Livelock { at: Duration, passes: usize },
}

/// Everything a plan writes on a ReplicaSet: name, size, scaling annotations, revision.
type WrittenState = (String, i32, Option<i32>, Option<i32>, u64);

/// Planning passes at one instant after which the run stops even without a repeated state
/// (a PDB that allows one disruption at a time legitimately takes one pass per pod).
const MAX_PASSES_PER_INSTANT: usize = 10_000;

/// The virtual clock's origin.
pub fn epoch() -> Timestamp {
    hollow::clock::epoch()
}

/// Runs a scenario to the end.
pub fn run(sc: &Scenario) -> Result<Run, DriverError> {
    let start = epoch();
    let mut rng = Rng::new(sc.seed);
    let mut rollout = RolloutView::from_rollout(&sc.rollout)?;
    rollout.status = RolloutStatus::default();
    let mut cluster = Cluster::new(sc.behaviour.clone(), sc.budgets.clone());
    if sc.start == Start::FromPrevious {
        seed_previous(&mut rollout, &mut cluster, start);
    }
    let mut changes = sc.changes.clone();
    changes.sort_by_key(|c| c.at);
    let mut changes = changes.into_iter().peekable();

    let mut out = Run {
        seed: sc.seed,
        entries: Vec::new(),
        plans: Vec::new(),
        syncs: Vec::new(),
        status: RolloutStatus::default(),
        replica_sets: Vec::new(),
        final_fingerprint: String::new(),
        elapsed: Duration::ZERO,
        settled: false,
    };
    let mut now = start;
    let mut passes = 0;
    // ReplicaSet sizes seen at this instant: coming back to one is oscillation.
    let mut seen_at_instant: std::collections::BTreeSet<Vec<WrittenState>> = Default::default();
    let mut lagged = false;
    let mut user_scaled_down = false;
    let mut allowed_before: Vec<(String, i32)> = Vec::new();
    loop {
        let elapsed = Duration::try_from(now.duration_since(start)).unwrap_or_default();
        while let Some(c) = changes.next_if(|c| c.at <= elapsed) {
            user_scaled_down |= matches!(c.change, Change::Replicas(n) if n < rollout.spec.replicas);
            apply_change(&mut rollout, c.change);
        }
        let obs = Observed {
            rollout: rollout.clone(),
            replica_sets: cluster.replica_sets.values().map(|rs| rs.view.clone()).collect(),
            disruption_budgets: cluster.budget_views(),
            now,
        };
        if !lagged {
            // The budgets' real allowance before the plans whose deletions the next sync makes.
            allowed_before = cluster
                .budgets
                .iter()
                .map(|(b, _)| {
                    (
                        b.metadata.name.clone().unwrap_or_default(),
                        cluster.budget_status(b, now).disruptions_allowed,
                    )
                })
                .collect();
        }
        let p = plan(&obs);
        let deterministic = plan(&obs) == p;
        let total_before = total(&cluster);
        let wrote = apply_plan(&p, &mut cluster, now);
        let phase_changed = p.status.phase != rollout.status.phase;
        rollout.status = p.status.clone();
        out.plans.push(PlanCheck {
            at: elapsed,
            limits: limits_of(&rollout),
            total_before,
            total_after: total(&cluster),
            deterministic,
        });

        if wrote && !lagged && rng.chance(sc.lag_chance) {
            // The ReplicaSet controller has not caught up: plan again on stale status.
            lagged = true;
            record(&mut out, elapsed, &p, &cluster, phase_changed, now);
            continue;
        }
        lagged = false;
        let pods_changed =
            sync(&mut cluster, &mut out, &rollout, now, elapsed, &mut rng, user_scaled_down, &allowed_before);
        user_scaled_down = false;
        record(&mut out, elapsed, &p, &cluster, phase_changed || wrote, now);

        // A write, or pods the ReplicaSet controller just made or removed, wakes the
        // controller again at the same instant (its watches see the change).
        if wrote || pods_changed {
            passes += 1;
            let state: Vec<WrittenState> = cluster
                .replica_sets
                .values()
                .map(|rs| {
                    let v = &rs.view;
                    (v.name.clone(), v.replicas, v.desired_replicas, v.max_replicas, v.revision)
                })
                .collect();
            if (wrote && !seen_at_instant.insert(state)) || passes > MAX_PASSES_PER_INSTANT {
                return Err(DriverError::Livelock { at: elapsed, passes });
            }
            continue;
        }
        passes = 0;
        seen_at_instant.clear();
        let next_change = changes.peek().map(|c| start + SignedDuration::try_from(c.at).unwrap_or_default());
        let requeue = p.requeue_after.map(|d| now + SignedDuration::try_from(d).unwrap_or_default());
        let next = [cluster.next_pod_event(now), requeue, next_change].into_iter().flatten().min();
        let limit = start + SignedDuration::try_from(sc.time_limit).unwrap_or_default();
        match next {
            Some(t) if t <= limit => {
                now = t;
                // Kubelets report readiness; the ReplicaSet and disruption controllers see it.
                cluster.sync_status(now);
                cluster.sync_budgets(now);
            }
            Some(_) => break,
            None => {
                out.settled = true;
                break;
            }
        }
    }
    out.status = rollout.status.clone();
    out.replica_sets = rows(&cluster, now);
    out.final_fingerprint = rollout.spec.template.as_ref().map(revision::fingerprint).unwrap_or_default();
    out.elapsed = Duration::try_from(now.duration_since(start)).unwrap_or_default();
    Ok(out)
}

/// The template of the simulated previous revision: the Rollout's template with a marker
/// annotation, so it is a different revision running the same pods.
pub fn previous_template(template: &PodTemplateSpec) -> PodTemplateSpec {
    let mut previous = template.clone();
    previous
        .metadata
        .get_or_insert_with(Default::default)
        .annotations
        .get_or_insert_with(Default::default)
        .insert("ramp.dev/simulated-revision".into(), "previous".into());
    previous
}

/// A previous revision at full size, Ready an hour ago, with the status a completed rollout
/// of it would have left.
fn seed_previous(rollout: &mut RolloutView, cluster: &mut Cluster, start: Timestamp) {
    let Some(template) = rollout.spec.template.as_ref() else {
        return;
    };
    let previous = previous_template(template);
    let hash = revision::pod_template_hash(&previous, None);
    let name = format!("{}-{hash}", rollout.name);
    let (labelled, _) = revision::with_hash_label(&previous, &rollout.spec.selector, &hash);
    let replicas = rollout.spec.replicas;
    let limits = limits_of(rollout);
    let long_ago = start - SignedDuration::from_hours(1);
    let pods = (0..replicas)
        .map(|i| SimPod { serial: u64::try_from(i).unwrap_or(0), ready_at: Some(long_ago) })
        .collect();
    let view = ReplicaSetView {
        name: name.clone(),
        pod_template_hash: hash.clone(),
        template_fingerprint: Some(revision::fingerprint(&previous)),
        template_labels: labelled.metadata.and_then(|m| m.labels).unwrap_or_default(),
        revision: 1,
        revision_history: Vec::new(),
        created: long_ago,
        replicas,
        min_ready_seconds: rollout.spec.min_ready_seconds,
        status: Default::default(),
        status_current: true,
        desired_replicas: Some(replicas),
        max_replicas: Some(limits.max_total()),
        deleting: false,
    };
    cluster.replica_sets.insert(name, SimReplicaSet { view, pods });
    cluster.sync_status(start);
    cluster.sync_budgets(start);
    // The status a finished rollout of the previous revision leaves behind.
    let mut prev_view = rollout.clone();
    prev_view.spec.template = Some(previous);
    let obs = Observed {
        rollout: prev_view,
        replica_sets: cluster.replica_sets.values().map(|rs| rs.view.clone()).collect(),
        disruption_budgets: cluster.budget_views(),
        now: start,
    };
    rollout.status = plan(&obs).status;
    rollout.generation += 1;
}

#[allow(clippy::too_many_arguments)]
fn sync(
    cluster: &mut Cluster,
    out: &mut Run,
    rollout: &RolloutView,
    now: Timestamp,
    at: Duration,
    rng: &mut Rng,
    user_scaled_down: bool,
    before: &[(String, i32)],
) -> bool {
    let pods_before: Vec<usize> = cluster.replica_sets.values().map(|rs| rs.pods.len()).collect();
    let available_before = cluster.available_now(now);
    let labels_of =
        |cluster: &Cluster, rs: &str| cluster.replica_sets.get(rs).map(|r| r.view.template_labels.clone());
    let labels: Vec<_> = cluster.replica_sets.keys().map(|k| (k.clone(), labels_of(cluster, k))).collect();
    let deleted = cluster.sync_pods(now, rng);
    cluster.sync_status(now);
    cluster.sync_budgets(now);
    let pods_after: Vec<usize> = cluster.replica_sets.values().map(|rs| rs.pods.len()).collect();
    if deleted.is_empty() {
        return pods_before != pods_after;
    }
    let budgets = cluster
        .budgets
        .iter()
        .zip(before)
        .map(|((b, _), (name, allowed_before))| {
            let (name, allowed_before) = (name.clone(), *allowed_before);
            let sel = b.spec.as_ref().and_then(|s| s.selector.clone());
            let ready_removed = deleted
                .iter()
                .filter(|(rs, ready)| {
                    *ready
                        && labels.iter().any(|(n, l)| {
                            n == rs
                                && sel
                                    .as_ref()
                                    .zip(l.as_ref())
                                    .is_some_and(|(s, l)| selector::matches(s, l).unwrap_or(false))
                        })
                })
                .count();
            BudgetCheck {
                name,
                allowed_before,
                ready_removed: i32::try_from(ready_removed).unwrap_or(i32::MAX),
            }
        })
        .collect();
    out.syncs.push(SyncCheck {
        at,
        min_available: limits_of(rollout).min_available(),
        available_before,
        available_after: cluster.available_now(now),
        user_scaled_down,
        budgets,
    });
    true
}

/// Applies a plan's writes to the cluster; returns whether anything was written.
fn apply_plan(p: &Plan, cluster: &mut Cluster, now: Timestamp) -> bool {
    let mut wrote = false;
    for action in p.writes() {
        wrote = true;
        match action {
            Action::CreateReplicaSet(n) => {
                let view = ReplicaSetView {
                    name: n.name.clone(),
                    pod_template_hash: n.pod_template_hash.clone(),
                    template_fingerprint: Some(n.template_fingerprint.clone()),
                    template_labels: n
                        .template
                        .metadata
                        .as_ref()
                        .and_then(|m| m.labels.clone())
                        .unwrap_or_default(),
                    revision: n.revision,
                    revision_history: Vec::new(),
                    created: now,
                    replicas: n.replicas,
                    min_ready_seconds: n.min_ready_seconds,
                    status: Default::default(),
                    status_current: false,
                    desired_replicas: Some(n.desired_replicas),
                    max_replicas: Some(n.max_replicas),
                    deleting: false,
                };
                cluster
                    .replica_sets
                    .entry(n.name.clone())
                    .or_insert(SimReplicaSet { view, pods: Vec::new() });
            }
            Action::ScaleReplicaSet(s) => {
                if let Some(rs) = cluster.replica_sets.get_mut(&s.name) {
                    rs.view.replicas = s.to;
                    rs.view.desired_replicas = Some(s.desired_replicas);
                    rs.view.max_replicas = Some(s.max_replicas);
                    rs.view.status_current = false;
                }
            }
            Action::UpdateReplicaSetRevision(u) => {
                if let Some(rs) = cluster.replica_sets.get_mut(&u.name) {
                    rs.view.revision = u.revision;
                    rs.view.revision_history = u.revision_history.clone();
                    rs.view.min_ready_seconds = u.min_ready_seconds;
                }
            }
            Action::DeleteReplicaSet { name } => {
                cluster.replica_sets.remove(name);
            }
            Action::Event(_) => {}
        }
    }
    wrote
}

fn apply_change(rollout: &mut RolloutView, change: Change) {
    let spec = &mut rollout.spec;
    match change {
        Change::Replicas(n) => spec.replicas = n,
        Change::Paused(p) => spec.paused = p,
        Change::Template(t) => spec.template = Some(*t),
        Change::Image(image) => {
            if let Some(c) =
                spec.template.as_mut().and_then(|t| t.spec.as_mut()).and_then(|s| s.containers.first_mut())
            {
                c.image = Some(image);
            }
        }
    }
    rollout.generation += 1;
}

fn total(cluster: &Cluster) -> i32 {
    cluster.replica_sets.values().map(|rs| rs.view.replicas).sum()
}

/// The rolling limits of a rollout's current spec (canary limits for canary; zero otherwise).
pub fn limits_of(rollout: &RolloutView) -> Limits {
    let spec = &rollout.spec;
    match spec.strategy.selected() {
        Some(StrategyRef::RollingUpdate(r)) => {
            Limits::resolve(spec.replicas, r.max_surge.as_ref(), r.max_unavailable.as_ref())
        }
        Some(StrategyRef::Canary(c)) => {
            Limits::resolve(spec.replicas, c.max_surge.as_ref(), c.max_unavailable.as_ref())
        }
        _ => Limits { replicas: spec.replicas, max_surge: 0, max_unavailable: 0 },
    }
}
