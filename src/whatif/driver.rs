//! Runs the planner against the hollow cluster at compressed time: the planner decides, its
//! writes reach the hollow API server as the controller's own requests, the hollow controllers,
//! kubelets and disruption controller carry them out, and the virtual clock jumps to the next
//! thing that can change (a pod turning Ready or available, a requeue, a scheduled change).
//! Used by `ramp plan` and by the property tests, which assert the strategy's invariants at
//! every step.

use std::time::Duration;

use hollow::{apiserver::selectors::object_selects, controllers, rng::Rng};
use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::{apps::v1::ReplicaSet, core::v1::PodTemplateSpec, policy::v1::PodDisruptionBudget};
use serde_json::Value;

pub use super::record::{
    BudgetCheck, Entry, PlanCheck, ReplicaSetRow, RoutedBackend, Run, SyncCheck, TrafficCheck,
};
use super::{
    record::{record, rows},
    world::{World, WorldError},
};
use crate::{
    api::{Rollout, StrategyRef},
    controller::{observe, render},
    plan::{Action, Observed, Plan, RolloutView, observed::ObserveError, plan, replicas::Limits, revision},
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
    /// Write an operation request (the `ramp.dev/request` annotation's JSON).
    Request(String),
}

/// The traffic objects a run starts with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traffic {
    /// Services to create, selecting the Rollout's pods by its selector labels.
    pub services: Vec<String>,
    /// An HTTPRoute to create (its CRD is installed first).
    pub route: Option<Value>,
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
    /// Services and routes.
    pub traffic: Traffic,
}

/// How pods behave.
#[derive(Clone, Debug, PartialEq)]
pub struct PodBehaviour {
    /// Time from creation to Ready.
    pub readiness_delay: Duration,
    /// Extra delay per pod, uniform in `0..=jitter` (drawn from the seed and the pod's name).
    pub jitter: Duration,
    /// Pods of templates with these fingerprints never become Ready.
    pub never_ready_templates: Vec<String>,
}

/// A scenario that cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The Rollout lacks metadata.
    #[error("cannot read the Rollout")]
    Observe(#[from] ObserveError),
    /// The hollow cluster refused a request or holds an object that does not parse.
    #[error("the hollow cluster")]
    World(#[from] WorldError),
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

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or_default()
}

/// Runs a scenario to the end.
pub fn run(sc: &Scenario) -> Result<Run, DriverError> {
    run_in_world(sc).map(|(run, _)| run)
}

/// Runs a scenario to the end; also returns the hollow cluster it ran in.
pub fn run_in_world(sc: &Scenario) -> Result<(Run, World), DriverError> {
    let start = epoch();
    let mut rng = Rng::new(sc.seed);
    let origin = if sc.start == Start::FromPrevious { start - SignedDuration::from_hours(1) } else { start };
    let world = World::new(origin)?;
    let behave = |instant: bool| {
        world.faults(|f| {
            f.readiness_delay_ms = Some(if instant { 0 } else { millis(sc.behaviour.readiness_delay) });
            f.readiness_jitter_ms = if instant { 0 } else { millis(sc.behaviour.jitter) };
            f.readiness_seed = sc.seed;
        });
    };
    // The previous revision's pods turn Ready at once: how it got there is not part of the
    // run, and a pod that is Ready stays so when the delays change.
    behave(sc.start == Start::FromPrevious);
    for b in &sc.budgets {
        world.create_budget(b)?;
    }
    let selector = sc.rollout.spec.selector.match_labels.clone().unwrap_or_default();
    for name in &sc.traffic.services {
        let svc = serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": selector, "ports": [{"port": 80}]}});
        world.create(&format!("/api/v1/namespaces/{}/services", super::world::NAMESPACE), &svc)?;
    }
    if let Some(route) = &sc.traffic.route {
        world.install_route_crd()?;
        world.create(
            &format!("/apis/gateway.networking.k8s.io/v1/namespaces/{}/httproutes", super::world::NAMESPACE),
            route,
        )?;
    }
    let mut first = sc.rollout.clone();
    first.status = None;
    let name = RolloutView::from_rollout(&first)?.name;
    let mut out = Run::new(sc.seed);
    if sc.start == Start::FromPrevious {
        // A previous revision, rolled out by the same planner an hour before the run starts.
        if let Some(t) = first.spec.template.as_mut() {
            *t = previous_template(t);
        }
        world.create_rollout(&first)?;
        let seeding = Loop { origin, limit: start, lag_chance: 0.0, never_ready: &[] };
        drive(&world, &name, &seeding, Vec::new(), &mut rng, &mut Run::new(sc.seed))?;
        world.advance_to(start);
        behave(false);
        world.set_rollout_spec(&name, &spec_json(&sc.rollout)?)?;
    } else {
        world.create_rollout(&first)?;
    }
    let limit = start + signed(sc.time_limit);
    let main = Loop {
        origin: start,
        limit,
        lag_chance: sc.lag_chance,
        never_ready: &sc.behaviour.never_ready_templates,
    };
    let mut changes = sc.changes.clone();
    changes.sort_by_key(|c| c.at);
    out.settled = drive(&world, &name, &main, changes, &mut rng, &mut out)?;
    let now = world.now();
    let rollout = world.rollout(&name)?;
    out.status = rollout.status.clone().unwrap_or_default();
    out.replica_sets = rows(&world.replica_sets()?, &world.pods(), now);
    out.final_fingerprint = rollout.spec.template.as_ref().map(revision::fingerprint).unwrap_or_default();
    out.elapsed = Duration::try_from(now.duration_since(start)).unwrap_or_default();
    Ok((out, world))
}

/// The fixed parts of one planning loop.
struct Loop<'a> {
    /// Time zero of the recorded offsets.
    origin: Timestamp,
    /// The loop stops when nothing can happen before this.
    limit: Timestamp,
    /// Chance of planning again on stale status (see [`Scenario::lag_chance`]).
    lag_chance: f64,
    /// Template fingerprints whose pods never turn Ready.
    never_ready: &'a [String],
}

fn spec_json(rollout: &Rollout) -> Result<Value, DriverError> {
    serde_json::to_value(&rollout.spec)
        .map_err(|source| DriverError::World(WorldError::Decode { what: "the Rollout spec", source }))
}

/// Plans, writes and lets the hollow cluster act until nothing is left to happen (true) or
/// the next thing would happen after the limit (false).
fn drive(
    world: &World,
    name: &str,
    lp: &Loop,
    changes: Vec<ScheduledChange>,
    rng: &mut Rng,
    out: &mut Run,
) -> Result<bool, DriverError> {
    let mut changes = changes.into_iter().peekable();
    let mut passes = 0;
    // ReplicaSet sizes seen at this instant: coming back to one is oscillation.
    let mut seen_at_instant: std::collections::BTreeSet<(Vec<WrittenState>, String)> = Default::default();
    let mut lagged = false;
    let mut user_scaled_down = false;
    let mut allowed_before: Vec<(String, i32)> = Vec::new();
    world.settle();
    loop {
        let now = world.now();
        let elapsed = Duration::try_from(now.duration_since(lp.origin)).unwrap_or_default();
        while let Some(c) = changes.next_if(|c| c.at <= elapsed) {
            if let Change::Request(json) = &c.change {
                world.set_rollout_annotation(name, crate::plan::request::ANNOTATION, json)?;
                continue;
            }
            let mut rollout = world.rollout(name)?;
            user_scaled_down |= matches!(c.change, Change::Replicas(n) if n < rollout.spec.replicas);
            apply_change(&mut rollout, c.change);
            world.set_rollout_spec(name, &spec_json(&rollout)?)?;
        }
        let rollout = world.rollout(name)?;
        let (rss, pdbs) = (world.replica_sets()?, world.budgets()?);
        let mut obs = observe::assemble(&rollout, &rss, &pdbs, now)?;
        obs.traffic = world.traffic(&rollout);
        // A what-if run calls no webhook: every notification owed counts as sent.
        obs.notified = obs.rollout.status.notifications.iter().map(|n| n.id.clone()).collect();
        let obs = obs.canonical();
        if !lagged {
            // The budgets' allowance before the plans whose deletions the next sync makes.
            allowed_before =
                pdbs.iter().map(|b| (b.metadata.name.clone().unwrap_or_default(), allowed(b))).collect();
        }
        let p = plan(&obs);
        let deterministic = plan(&obs) == p && plan(&shuffled(&obs, rng)) == p;
        let wrote = apply_plan(world, &rollout, &p, lp.never_ready)?;
        let total_after = total_raw(&world.replica_sets_raw());
        let phase_changed = p.status.phase != obs.rollout.status.phase;
        out.plans.push(PlanCheck {
            at: elapsed,
            limits: limits_of(&obs.rollout),
            total_before: total(&rss),
            total_after,
            deterministic,
        });

        if wrote && !lagged && rng.chance(lp.lag_chance) {
            // The ReplicaSet controller has not caught up: plan again on stale status.
            lagged = true;
            record(out, elapsed, &p, rows(&world.replica_sets()?, &world.pods(), now), phase_changed);
            continue;
        }
        lagged = false;
        let (pods_changed, wake) =
            sync(world, out, &obs.rollout, elapsed, user_scaled_down, &allowed_before)?;
        user_scaled_down = false;
        if let Some(t) = traffic_check(world, elapsed) {
            out.traffic.push(t);
        }
        let rss_now = world.replica_sets()?;
        record(out, elapsed, &p, rows(&rss_now, &world.pods(), now), phase_changed || wrote);

        // A write, or pods the ReplicaSet controller just made or removed, wakes the
        // controller again at the same instant (its watches see the change).
        if wrote || pods_changed {
            passes += 1;
            // A canary may legitimately come back to the same sizes at one instant (steps
            // 60, 0, 60 with pods Ready at once): the step is part of the state.
            let step = world.rollout(name).ok().and_then(|r| r.status).map(|s| {
                format!(
                    "{:?}/{:?}/{:?}/{:?}",
                    s.current_step,
                    s.weight,
                    s.aborted_revision,
                    s.last_request.map(|l| l.id)
                )
            });
            let state = (written_state(&rss_now), format!("{}{step:?}", traffic_state(world)));
            if (wrote && !seen_at_instant.insert(state)) || passes > MAX_PASSES_PER_INSTANT {
                return Err(DriverError::Livelock { at: elapsed, passes });
            }
            continue;
        }
        passes = 0;
        seen_at_instant.clear();
        let next_change = changes.peek().map(|c| lp.origin + signed(c.at));
        let requeue = p.requeue_after.map(|d| now + signed(d));
        match [wake, requeue, next_change].into_iter().flatten().filter(|t| *t > now).min() {
            Some(t) if t <= lp.limit => {
                world.advance_to(t);
                // Kubelets report readiness; the ReplicaSet and disruption controllers see it.
                world.settle();
            }
            Some(_) => return Ok(false),
            None => return Ok(true),
        }
    }
}

/// Where the run's HTTPRoute sends traffic now, and how many ready pods each Service selects: per backendRef, its weight and the ready pods
/// its Service selects (what the data plane would spread that weight over).
fn traffic_check(world: &World, at: Duration) -> Option<TrafficCheck> {
    let route = world.objects("gateway.networking.k8s.io", "httproutes").into_iter().next();
    let services = world.objects("", "services");
    if route.is_none() && services.is_empty() {
        return None;
    }
    let pods = world.pods();
    let ready_for = |svc: &str| -> usize {
        let Some(selector) = services
            .iter()
            .find(|s| s.pointer("/metadata/name").and_then(Value::as_str) == Some(svc))
            .and_then(|s| s.pointer("/spec/selector").and_then(Value::as_object).cloned())
        else {
            return 0;
        };
        pods.iter()
            .filter(|p| controllers::pod_ready(p).0)
            .filter(|p| {
                selector.iter().all(|(k, v)| p.pointer("/metadata/labels").and_then(|l| l.get(k)) == Some(v))
            })
            .count()
    };
    let mut backends = Vec::new();
    let rules = route.as_ref().and_then(|r| r.pointer("/spec/rules")).and_then(Value::as_array);
    for (rule, r) in rules.into_iter().flatten().enumerate() {
        for b in r.get("backendRefs").and_then(Value::as_array).into_iter().flatten() {
            let service = b.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            let weight = b.get("weight").and_then(Value::as_i64).unwrap_or(1);
            backends.push(RoutedBackend { rule, ready: ready_for(&service), service, weight });
        }
    }
    let selected = services
        .iter()
        .filter_map(|s| s.pointer("/metadata/name").and_then(Value::as_str))
        .map(|n| (n.to_string(), ready_for(n)))
        .collect();
    Some(TrafficCheck { at, backends, services: selected })
}

/// `status.disruptionsAllowed` of a budget.
fn allowed(b: &PodDisruptionBudget) -> i32 {
    b.status.as_ref().map_or(0, |s| s.disruptions_allowed)
}

/// The observation with its lists in a random order.
fn shuffled(obs: &Observed, rng: &mut Rng) -> Observed {
    fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
        for i in (1..v.len()).rev() {
            let j = usize::try_from(rng.below(u64::try_from(i + 1).unwrap_or(1))).unwrap_or(0);
            v.swap(i, j);
        }
    }
    let mut o = obs.clone();
    shuffle(&mut o.replica_sets, rng);
    shuffle(&mut o.disruption_budgets, rng);
    o
}

/// The previous revision's template: the Rollout's template with a marker annotation, so it
/// is a different revision running the same pods.
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

fn written_state(rss: &[ReplicaSet]) -> Vec<WrittenState> {
    let mut state: Vec<WrittenState> = rss
        .iter()
        .filter_map(|rs| crate::plan::ReplicaSetView::from_replica_set(rs).ok())
        .map(|v| (v.name, v.replicas, v.desired_replicas, v.max_replicas, v.revision))
        .collect();
    state.sort();
    state
}

/// Everything a plan writes on Services and routes (selectors, route specs), as text.
fn traffic_state(world: &World) -> String {
    let services = world.objects("", "services");
    let routes = world.objects("gateway.networking.k8s.io", "httproutes");
    let selectors: Vec<String> = services
        .iter()
        .map(|s| s.pointer("/spec/selector").map(ToString::to_string).unwrap_or_default())
        .collect();
    let specs: Vec<String> =
        routes.iter().map(|r| r.pointer("/spec").map(ToString::to_string).unwrap_or_default()).collect();
    format!("{selectors:?}{specs:?}")
}

/// One pod as the invariants see it.
struct PodFact {
    name: String,
    ready: bool,
    available: bool,
    pod: std::sync::Arc<Value>,
}

fn pod_facts(world: &World) -> Vec<PodFact> {
    let now = world.now();
    let min_ready: std::collections::BTreeMap<String, i64> = world
        .replica_sets_raw()
        .iter()
        .map(|rs| {
            let name = rs.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
            (name, rs.pointer("/spec/minReadySeconds").and_then(Value::as_i64).unwrap_or(0))
        })
        .collect();
    world
        .pods()
        .into_iter()
        .map(|pod| {
            let owner = controllers::controller_of(&pod).map_or("", |(_, n, _)| n);
            let min_ready = min_ready.get(owner).copied().unwrap_or(0);
            PodFact {
                name: pod.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string(),
                ready: controllers::pod_ready(&pod).0,
                available: controllers::pod_available(&pod, min_ready, now),
                pod,
            }
        })
        .collect()
}

/// Lets the hollow cluster act on the writes at this instant; records pods the ReplicaSet
/// controller removed. Returns whether pods came or went, and the controllers' next wake-up.
fn sync(
    world: &World,
    out: &mut Run,
    rollout: &RolloutView,
    at: Duration,
    user_scaled_down: bool,
    before_allowed: &[(String, i32)],
) -> Result<(bool, Option<Timestamp>), DriverError> {
    let before = pod_facts(world);
    let next = world.settle();
    let after = pod_facts(world);
    let names = |f: &[PodFact]| f.iter().map(|p| p.name.clone()).collect::<std::collections::BTreeSet<_>>();
    let (names_before, names_after) = (names(&before), names(&after));
    let deleted: Vec<&PodFact> = before.iter().filter(|p| !names_after.contains(&p.name)).collect();
    if deleted.is_empty() {
        return Ok((names_before != names_after, next));
    }
    let budgets = world
        .budgets()?
        .iter()
        .map(|b| {
            let name = b.metadata.name.clone().unwrap_or_default();
            let allowed_before = before_allowed.iter().find(|(n, _)| *n == name).map_or(0, |(_, a)| *a);
            let selector =
                serde_json::to_value(b.spec.as_ref().and_then(|s| s.selector.as_ref())).unwrap_or_default();
            let ready_removed = deleted
                .iter()
                .filter(|p| p.ready && !selector.is_null() && object_selects(&selector, &p.pod))
                .count();
            BudgetCheck { name, allowed_before, ready_removed: count(ready_removed) }
        })
        .collect();
    let available = |f: &[PodFact]| count(f.iter().filter(|p| p.available).count());
    out.syncs.push(SyncCheck {
        at,
        min_available: limits_of(rollout).min_available(),
        available_before: available(&before),
        available_after: available(&after),
        user_scaled_down,
        budgets,
    });
    Ok((true, next))
}

/// Sends a plan's writes (and its status, when it changed) as the controller would; returns
/// whether any object other than the status was written.
fn apply_plan(
    world: &World,
    rollout: &Rollout,
    p: &Plan,
    never_ready: &[String],
) -> Result<bool, DriverError> {
    let mut wrote = false;
    for action in p.writes() {
        if let Action::CreateReplicaSet(n) = action
            && never_ready.contains(&n.template_fingerprint)
        {
            let hash = n.pod_template_hash.clone();
            world.faults(|f| {
                f.unready_versions.insert(hash);
            });
        }
        if let Some(w) = render::action(rollout, action) {
            match world.send(&w) {
                Ok(_) => {}
                // Deleting what is already gone is done, as in `act`.
                Err(WorldError::Refused { code: 404, .. })
                    if w.kind == render::WriteKind::DeleteReplicaSet => {}
                Err(e) => return Err(e.into()),
            }
            wrote = true;
        }
    }
    if render::status_changed(rollout.status.as_ref(), &p.status) {
        world.send(&render::status(rollout, &p.status))?;
    }
    Ok(wrote)
}

fn apply_change(rollout: &mut Rollout, change: Change) {
    let spec = &mut rollout.spec;
    match change {
        Change::Replicas(n) => spec.replicas = n,
        Change::Paused(p) => spec.paused = p,
        Change::Template(t) => spec.template = Some(*t),
        Change::Request(_) => {} // an annotation, written by `drive`
        Change::Image(image) => {
            if let Some(c) =
                spec.template.as_mut().and_then(|t| t.spec.as_mut()).and_then(|s| s.containers.first_mut())
            {
                c.image = Some(image);
            }
        }
    }
}

fn total(rss: &[ReplicaSet]) -> i32 {
    rss.iter().filter_map(|rs| rs.spec.as_ref()?.replicas).sum()
}

fn total_raw(rss: &[std::sync::Arc<Value>]) -> i32 {
    let sum: i64 = rss.iter().filter_map(|rs| rs.pointer("/spec/replicas").and_then(Value::as_i64)).sum();
    i32::try_from(sum).unwrap_or(i32::MAX)
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
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
