//! Property tests: the rolling update's invariants hold at every step of simulated rollouts
//! with random sizes, limits, readiness delays, disruption budgets, stale status and
//! mid-rollout changes, not only at the end.

use crate::common;

use std::time::Duration;

use common::{ios, rollout as view, spec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::{
    api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec},
    apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta},
};
use proptest::prelude::*;
use ramp::{
    api::{Rollout, RolloutPhase},
    plan::revision,
    whatif::{
        driver::{self, Change, PodBehaviour, Run, Scenario, ScheduledChange, Start},
        world::World,
    },
};

#[derive(Clone, Debug)]
enum Budget {
    None,
    MaxUnavailable(String),
    MinAvailable(i32),
}

#[derive(Clone, Debug)]
enum Mid {
    Replicas(i32),
    Image(u8),
    Rollback,
    Pause(u64),
}

fn limit() -> impl Strategy<Value = String> {
    prop_oneof![(0..=5i32).prop_map(|i| i.to_string()), (0..=200i32).prop_map(|p| format!("{p}%"))]
}

fn unavailable() -> impl Strategy<Value = String> {
    prop_oneof![(0..=5i32).prop_map(|i| i.to_string()), (0..=100i32).prop_map(|p| format!("{p}%"))]
}

fn budget() -> impl Strategy<Value = Budget> {
    prop_oneof![
        Just(Budget::None),
        (1..=3i32).prop_map(|i| Budget::MaxUnavailable(i.to_string())),
        (10..=60i32).prop_map(|p| Budget::MaxUnavailable(format!("{p}%"))),
        (0..=49i32).prop_map(Budget::MinAvailable),
    ]
}

fn mid() -> impl Strategy<Value = (u64, Mid)> {
    (
        0..180u64,
        prop_oneof![
            (0..=50i32).prop_map(Mid::Replicas),
            (3..=9u8).prop_map(Mid::Image),
            Just(Mid::Rollback),
            (5..60u64).prop_map(Mid::Pause),
        ],
    )
}

#[derive(Clone, Debug)]
struct Case {
    replicas: i32,
    surge: String,
    unavailable: String,
    min_ready: i32,
    delay_ms: u64,
    jitter_ms: u64,
    seed: u64,
    fresh: bool,
    lag: bool,
    budget: Budget,
    changes: Vec<(u64, Mid)>,
}

fn case(
    max_changes: usize,
    budgets: BoxedStrategy<Budget>,
    lag: BoxedStrategy<bool>,
) -> impl Strategy<Value = Case> {
    (
        (0..=50i32, limit(), unavailable(), 0..=20i32),
        (0..30_000u64, 0..20_000u64, any::<u64>(), prop::bool::weighted(0.2), lag),
        budgets,
        prop::collection::vec(mid(), 0..=max_changes),
    )
        .prop_filter("maxSurge and maxUnavailable both 0 is invalid", |((_, s, u, _), ..)| {
            !(["0", "0%"].contains(&s.as_str()) && ["0", "0%"].contains(&u.as_str()))
        })
        .prop_map(
            |(
                (replicas, surge, unavailable, min_ready),
                (delay_ms, jitter_ms, seed, fresh, lag),
                budget,
                changes,
            )| {
                Case {
                    replicas,
                    surge,
                    unavailable,
                    min_ready,
                    delay_ms,
                    jitter_ms,
                    seed,
                    fresh,
                    lag,
                    budget,
                    changes,
                }
            },
        )
}

/// Builds the scenario; a minAvailable budget is lowered below every replica count the run
/// will ask for, so the rollout can finish (a budget that can never be met is a table test).
fn scenario(c: &Case) -> Scenario {
    let mut s = spec(c.replicas, &c.surge, &c.unavailable, "v2");
    s.min_ready_seconds = c.min_ready;
    s.progress_deadline = "24h".into();
    let template = s.template.clone().unwrap_or_default();
    let rollout = Rollout {
        metadata: ObjectMeta {
            name: Some("web".into()),
            namespace: Some("default".into()),
            generation: Some(1),
            ..Default::default()
        },
        spec: view(s).spec,
        status: None,
    };
    let mut changes = Vec::new();
    for (at, m) in &c.changes {
        let at = Duration::from_secs(*at);
        match m {
            Mid::Replicas(n) => changes.push(ScheduledChange { at, change: Change::Replicas(*n) }),
            Mid::Image(v) => changes.push(ScheduledChange { at, change: Change::Image(format!("v{v}")) }),
            Mid::Rollback if !c.fresh => changes.push(ScheduledChange {
                at,
                change: Change::Template(Box::new(driver::previous_template(&template))),
            }),
            Mid::Rollback => {}
            Mid::Pause(secs) => {
                changes.push(ScheduledChange { at, change: Change::Paused(true) });
                changes.push(ScheduledChange {
                    at: at + Duration::from_secs(*secs),
                    change: Change::Paused(false),
                });
            }
        }
    }
    let fewest = c
        .changes
        .iter()
        .filter_map(|(_, m)| if let Mid::Replicas(n) = m { Some(*n) } else { None })
        .chain([c.replicas])
        .min()
        .unwrap_or(0);
    let pdb_spec = match &c.budget {
        Budget::None => None,
        Budget::MaxUnavailable(v) => {
            Some(PodDisruptionBudgetSpec { max_unavailable: Some(ios(v)), ..Default::default() })
        }
        Budget::MinAvailable(n) => Some(PodDisruptionBudgetSpec {
            min_available: Some(ios(&(*n).min(fewest - 1).max(0).to_string())),
            ..Default::default()
        }),
    };
    let budgets = pdb_spec
        .map(|mut s| {
            s.selector = Some(LabelSelector { match_labels: Some(common::labels()), ..Default::default() });
            vec![PodDisruptionBudget {
                metadata: ObjectMeta { name: Some("web".into()), ..Default::default() },
                spec: Some(s),
                status: None,
            }]
        })
        .unwrap_or_default();
    Scenario {
        rollout,
        budgets,
        start: if c.fresh { Start::Fresh } else { Start::FromPrevious },
        behaviour: PodBehaviour {
            readiness_delay: Duration::from_millis(c.delay_ms),
            jitter: Duration::from_millis(c.jitter_ms),
            never_ready_templates: Vec::new(),
        },
        seed: c.seed,
        changes,
        lag_chance: if c.lag { 0.5 } else { 0.0 },
        time_limit: Duration::from_secs(6 * 3600),
        traffic: Default::default(),
    }
}

/// Asserts every invariant over a whole run; the message says which step broke which one.
fn check(run: &Run, sc: &Scenario) -> Result<(), TestCaseError> {
    check_steps(run)?;
    prop_assert!(run.settled, "did not settle within the time limit (at {:?})", run.elapsed);
    prop_assert_eq!(run.status.phase, Some(RolloutPhase::Healthy), "final status: {:?}", run.status.message);
    let replicas = final_replicas(sc);
    let hash = run.status.updated_revision.clone().unwrap_or_default();
    for rs in &run.replica_sets {
        if rs.name == format!("web-{hash}") {
            prop_assert_eq!(
                (rs.desired, rs.current, rs.available),
                (replicas, replicas, replicas),
                "{:?}",
                rs
            );
        } else {
            prop_assert_eq!((rs.desired, rs.current), (0, 0), "old ReplicaSet still has pods: {:?}", rs);
        }
    }
    prop_assert_eq!(run.status.available_replicas, replicas);
    prop_assert_eq!(run.status.updated_replicas, replicas);
    Ok(())
}

fn final_replicas(sc: &Scenario) -> i32 {
    let mut changes = sc.changes.clone();
    changes.sort_by_key(|c| c.at);
    changes
        .iter()
        .filter_map(|c| if let Change::Replicas(n) = c.change { Some(n) } else { None })
        .next_back()
        .unwrap_or(sc.rollout.spec.replicas)
}

fn run_case(c: &Case) -> Result<(), TestCaseError> {
    let sc = scenario(c);
    let (run, world) = driver::run_in_world(&sc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    check(&run, &sc)?;
    pods_run(&world, &final_template(&sc), final_replicas(&sc))
}

/// The template the scenario ends on, from the scenario itself (not from what the planner
/// or the world report): the first one with every template change applied in time order.
fn final_template(sc: &Scenario) -> PodTemplateSpec {
    let mut changes = sc.changes.clone();
    changes.sort_by_key(|c| c.at);
    let mut t = sc.rollout.spec.template.clone().unwrap_or_default();
    for c in changes {
        match c.change {
            Change::Template(new) => t = *new,
            Change::Image(image) => {
                if let Some(c) = t.spec.as_mut().and_then(|s| s.containers.first_mut()) {
                    c.image = Some(image);
                }
            }
            Change::Replicas(_) | Change::Paused(_) | Change::Request(_) => {}
        }
    }
    t
}

/// Exactly `replicas` pods exist, every one Ready and made from `template` (its image and
/// annotations), read from the hollow cluster's pods.
fn pods_run(world: &World, template: &PodTemplateSpec, replicas: i32) -> Result<(), TestCaseError> {
    let pods = world.pods();
    prop_assert_eq!(pods.len(), usize::try_from(replicas).unwrap_or(0), "pods left at the end");
    let image = template.spec.as_ref().and_then(|s| s.containers.first()).and_then(|c| c.image.clone());
    let marker = template
        .metadata
        .as_ref()
        .and_then(|m| m.annotations.as_ref())
        .and_then(|a| a.get("ramp.dev/simulated-revision"))
        .cloned();
    for pod in &pods {
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        prop_assert_eq!(
            pod["spec"]["containers"][0]["image"].as_str(),
            image.as_deref(),
            "image of pod {}",
            name
        );
        prop_assert_eq!(
            pod["metadata"]["annotations"]["ramp.dev/simulated-revision"].as_str(),
            marker.as_deref(),
            "template marker of pod {}",
            name
        );
        prop_assert!(hollow::controllers::pod_ready(pod).0, "pod {} is not Ready", name);
    }
    Ok(())
}

/// Invariants of every step, whatever the ending.
fn check_steps(run: &Run) -> Result<(), TestCaseError> {
    for p in &run.plans {
        prop_assert!(p.deterministic, "plan at {:?} differed between two calls on the same input", p.at);
        // The planner never raises the pod count above replicas + maxSurge (it may leave a
        // count that a replica decrease put above it, only lowering it).
        prop_assert!(
            p.total_after <= p.limits.max_total() || p.total_after <= p.total_before,
            "at {:?}: {} pods wanted > {} replicas + {} surge (was {})",
            p.at,
            p.total_after,
            p.limits.replicas,
            p.limits.max_surge,
            p.total_before
        );
    }
    for s in run.syncs.iter().filter(|s| !s.user_scaled_down) {
        if s.available_before >= s.min_available {
            prop_assert!(
                s.available_after >= s.min_available,
                "at {:?}: availability fell from {} to {} below the minimum {}",
                s.at,
                s.available_before,
                s.available_after,
                s.min_available
            );
        }
        for b in &s.budgets {
            prop_assert!(
                b.ready_removed <= b.allowed_before,
                "at {:?}: removed {} Ready pods under budget {} that allowed {}",
                s.at,
                b.ready_removed,
                b.name,
                b.allowed_before
            );
        }
    }
    Ok(())
}

/// The new template's pods never turn Ready: the rollout must stop at its progress deadline
/// (Degraded, old pods still serving) or, with `progressDeadlineAbort`, go back to the old
/// template entirely (Aborted), keeping every bound on the way.
fn run_stuck_case(c: &Case, deadline_secs: u64, abort: bool) -> Result<(), TestCaseError> {
    let mut c = c.clone();
    c.fresh = false;
    c.changes.clear();
    c.replicas = c.replicas.max(1);
    let mut sc = scenario(&c);
    // A deadline is longer than minReadySeconds (the spec requires it).
    let deadline_secs = deadline_secs + u64::try_from(c.min_ready).unwrap_or(0);
    sc.rollout.spec.progress_deadline = format!("{deadline_secs}s").as_str().into();
    sc.rollout.spec.progress_deadline_abort = abort;
    let new = sc.rollout.spec.template.clone().unwrap_or_default();
    sc.behaviour.never_ready_templates = vec![revision::fingerprint(&new)];
    let (run, world) = driver::run_in_world(&sc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    check_steps(&run)?;
    prop_assert!(run.settled, "did not settle (at {:?})", run.elapsed);
    let old = driver::previous_template(&new);
    if abort {
        prop_assert_eq!(run.status.phase, Some(RolloutPhase::Aborted), "{:?}", run.status.message);
        pods_run(&world, &old, c.replicas)?;
    } else {
        prop_assert_eq!(run.status.phase, Some(RolloutPhase::Degraded), "{:?}", run.status.message);
        // The old revision keeps at least the minimum available.
        let min =
            driver::limits_of(&ramp::plan::RolloutView::from_rollout(&sc.rollout).unwrap()).min_available();
        prop_assert!(
            run.status.available_replicas >= min,
            "{} available < minimum {}",
            run.status.available_replicas,
            min
        );
        let ready_new = world
            .pods()
            .iter()
            .filter(|p| p["metadata"]["annotations"]["ramp.dev/simulated-revision"].is_null())
            .filter(|p| hollow::controllers::pod_ready(p).0)
            .count();
        prop_assert_eq!(ready_new, 0, "pods of the never-ready template turned Ready");
    }
    Ok(())
}

/// Cases per property. Each case is a whole rollout on the hollow cluster (about 1-2 s in a
/// test build), so the default keeps `scripts/test` within budget; `PROPTEST_CASES=1000`
/// runs the deep version.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random sizes, limits and readiness; no changes mid-way; sometimes a budget.
    #[test]
    fn a_plain_rollout_keeps_every_bound_and_ends_healthy(c in case(0, budget().boxed(), any::<bool>().boxed())) {
        run_case(&c)?;
    }

    /// Always a budget, and the planner often re-plans on stale ReplicaSet and budget status.
    #[test]
    fn budgets_are_never_overdrawn_even_on_stale_status(
        c in case(1, budget().prop_filter("a budget", |b| !matches!(b, Budget::None)).boxed(), Just(true).boxed())
    ) {
        run_case(&c)?;
    }

    /// Scaling, new images, rollbacks and pauses while a rollout is under way.
    #[test]
    fn mid_rollout_changes_still_end_on_the_last_template(c in case(3, budget().boxed(), any::<bool>().boxed())) {
        run_case(&c)?;
    }

    /// New pods that never turn Ready: stopped at the deadline, or rolled back with abort.
    #[test]
    fn a_rollout_that_cannot_progress_stops_or_rolls_back_within_every_bound(
        c in case(0, budget().boxed(), any::<bool>().boxed()),
        deadline in 10..300u64,
        abort in any::<bool>(),
    ) {
        run_stuck_case(&c, deadline, abort)?;
    }
}
