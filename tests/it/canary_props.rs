//! Property tests of the canary: random steps, sizes, limits, readiness delays, with or
//! without a Gateway API route, and operation requests (promote, abort, retry, pause, resume,
//! approve) at random moments, run on the hollow cluster. At every planning pass: no weight
//! points at a Service without ready pods while another backend of its rule has some,
//! availability and the surge bound hold, the plan is deterministic; at the end (a retry and a
//! full promotion are always asked last) every pod runs the new template.

use crate::common;

use std::time::Duration;

use common::{ios, spec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use proptest::prelude::*;
use ramp::{
    api::{
        ApprovalStep, CanaryStep, CanaryStrategy, GatewayApiRouting, PauseStep, Rollout, RolloutPhase,
        RolloutStrategy, SetCanaryScale, TrafficRouting,
    },
    whatif::{
        driver::{self, Change, PodBehaviour, Run, Scenario, ScheduledChange, Start, Traffic},
        world::World,
    },
};
use serde_json::json;

#[derive(Clone, Debug)]
enum Step {
    Weight(i32),
    Pause(Option<u64>),
    Approval,
    Scale(i32),
}

#[derive(Clone, Copy, Debug)]
enum Req {
    Promote,
    PromoteFull,
    Abort,
    Retry,
    Pause,
    Resume,
    Approve,
}

impl Req {
    fn op(self) -> &'static str {
        match self {
            Req::Promote => "promote",
            Req::PromoteFull => "promoteFull",
            Req::Abort => "abort",
            Req::Retry => "retry",
            Req::Pause => "pause",
            Req::Resume => "resume",
            Req::Approve => "approve",
        }
    }
}

#[derive(Clone, Debug)]
struct Case {
    replicas: i32,
    surge: String,
    unavailable: String,
    routed: bool,
    dynamic: bool,
    steps: Vec<Step>,
    delay_ms: u64,
    jitter_ms: u64,
    seed: u64,
    requests: Vec<(u64, Req)>,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..=100i32).prop_map(Step::Weight),
        2 => prop::option::of(1..120u64).prop_map(Step::Pause),
        1 => Just(Step::Approval),
        1 => (0..=100i32).prop_map(Step::Scale),
    ]
}

fn request() -> impl Strategy<Value = Req> {
    prop_oneof![
        Just(Req::Promote),
        Just(Req::PromoteFull),
        Just(Req::Abort),
        Just(Req::Retry),
        Just(Req::Pause),
        Just(Req::Resume),
        Just(Req::Approve),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            1..=12i32,
            prop_oneof![Just("0".to_string()), Just("1".to_string()), Just("25%".to_string())],
            prop_oneof![Just("0".to_string()), Just("1".to_string()), Just("25%".to_string())],
        ),
        (any::<bool>(), any::<bool>(), prop::collection::vec(step(), 1..=5)),
        (0..10_000u64, 0..5_000u64, any::<u64>()),
        prop::collection::vec((1..1_500u64, request()), 0..=4),
    )
        .prop_filter("maxSurge and maxUnavailable both 0 is invalid", |((_, s, u), ..)| {
            !(s == "0" && u == "0")
        })
        .prop_map(
            |(
                (replicas, surge, unavailable),
                (routed, dynamic, steps),
                (delay_ms, jitter_ms, seed),
                requests,
            )| {
                // setCanaryScale and dynamicStableScale need a router.
                let steps =
                    steps.into_iter().filter(|s| routed || !matches!(s, Step::Scale(_))).collect::<Vec<_>>();
                let steps = if steps.is_empty() { vec![Step::Weight(50)] } else { steps };
                Case {
                    replicas,
                    surge,
                    unavailable,
                    routed,
                    dynamic: dynamic && routed,
                    steps,
                    delay_ms,
                    jitter_ms,
                    seed,
                    requests,
                }
            },
        )
}

fn canary_step(s: &Step) -> CanaryStep {
    match s {
        Step::Weight(w) => CanaryStep { set_weight: Some(*w), ..Default::default() },
        Step::Pause(d) => CanaryStep {
            pause: Some(PauseStep { duration: d.map(|d| format!("{d}s").as_str().into()) }),
            ..Default::default()
        },
        Step::Approval => CanaryStep { approval: Some(ApprovalStep::default()), ..Default::default() },
        Step::Scale(w) => CanaryStep {
            set_canary_scale: Some(SetCanaryScale { weight: Some(*w), ..Default::default() }),
            ..Default::default()
        },
    }
}

fn scenario(c: &Case) -> Scenario {
    let mut s = spec(c.replicas, &c.surge, &c.unavailable, "web:v2");
    s.strategy = RolloutStrategy {
        canary: Some(CanaryStrategy {
            stable_service: Some("web-stable".into()),
            canary_service: Some("web-canary".into()),
            traffic_routing: c.routed.then(|| TrafficRouting {
                gateway_api: Some(GatewayApiRouting {
                    http_route: Some("web".into()),
                    grpc_route: None,
                    rules: Vec::new(),
                }),
            }),
            max_surge: Some(ios(&c.surge)),
            max_unavailable: Some(ios(&c.unavailable)),
            steps: c.steps.iter().map(canary_step).collect(),
            dynamic_stable_scale: c.dynamic,
            ..Default::default()
        }),
        ..Default::default()
    };
    let rollout = Rollout {
        metadata: kube::api::ObjectMeta { name: Some("web".into()), ..Default::default() },
        spec: s,
        status: None,
    };
    let mut changes: Vec<ScheduledChange> = Vec::new();
    let mut at = 0;
    for (i, (t, r)) in c.requests.iter().enumerate() {
        // One request per instant: the annotation holds one.
        at = (*t).max(at + 1);
        changes.push(request_at(at, &format!("q{i}"), r.op()));
    }
    // Always last: whatever happened, retry (if aborted) and finish.
    changes.push(request_at(3_000, "final-retry", "retry"));
    changes.push(request_at(3_600, "final-promote", "promoteFull"));
    let route = c.routed.then(|| {
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "web"},
            "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
                {"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]}]}})
    });
    Scenario {
        rollout,
        budgets: Vec::new(),
        start: Start::FromPrevious,
        behaviour: PodBehaviour {
            readiness_delay: Duration::from_millis(c.delay_ms),
            jitter: Duration::from_millis(c.jitter_ms),
            never_ready_templates: Vec::new(),
        },
        seed: c.seed,
        changes,
        lag_chance: 0.0,
        time_limit: Duration::from_secs(6 * 3600),
        traffic: Traffic { services: vec!["web-stable".into(), "web-canary".into()], route },
    }
}

fn request_at(secs: u64, id: &str, op: &str) -> ScheduledChange {
    ScheduledChange {
        at: Duration::from_secs(secs),
        change: Change::Request(json!({"id": id, "op": op, "by": "prop"}).to_string()),
    }
}

/// Every invariant of every pass.
fn check_steps(run: &Run, c: &Case) -> Result<(), TestCaseError> {
    for p in &run.plans {
        prop_assert!(p.deterministic, "plan at {:?} differed between two calls on the same input", p.at);
        // With a router the canary's pods are on top of stable's: up to replicas more.
        let extra = if c.routed { p.limits.replicas } else { 0 };
        prop_assert!(
            p.total_after <= p.limits.max_total() + extra || p.total_after <= p.total_before,
            "at {:?}: {} pods wanted > {} + {} surge + {extra}",
            p.at,
            p.total_after,
            p.limits.replicas,
            p.limits.max_surge
        );
    }
    for s in &run.syncs {
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
    }
    for t in &run.traffic {
        let rules: std::collections::BTreeSet<usize> = t.backends.iter().map(|b| b.rule).collect();
        for rule in rules {
            let of_rule: Vec<_> = t.backends.iter().filter(|b| b.rule == rule).collect();
            if of_rule.iter().any(|b| b.ready > 0) {
                for b in &of_rule {
                    prop_assert!(
                        b.weight == 0 || b.ready > 0,
                        "at {:?}: weight {} on {} which has no ready pod ({:?})",
                        t.at,
                        b.weight,
                        b.service,
                        of_rule
                    );
                }
            }
        }
    }
    Ok(())
}

fn template_image(t: &PodTemplateSpec) -> Option<String> {
    t.spec.as_ref()?.containers.first()?.image.clone()
}

fn run_case(c: &Case) -> Result<(), TestCaseError> {
    let sc = scenario(c);
    let (run, world): (Run, World) =
        driver::run_in_world(&sc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    check_steps(&run, c)?;
    prop_assert!(run.settled, "did not settle (at {:?}): {:?}", run.elapsed, run.status.message);
    prop_assert_eq!(run.status.phase, Some(RolloutPhase::Healthy), "final status: {:?}", run.status.message);
    prop_assert_eq!(&run.status.stable_revision, &run.status.updated_revision);
    let pods = world.pods();
    prop_assert_eq!(pods.len(), usize::try_from(c.replicas).unwrap_or(0), "pods at the end");
    let image = template_image(sc.rollout.spec.template.as_ref().unwrap());
    for p in &pods {
        let got =
            p.pointer("/spec/containers/0/image").and_then(serde_json::Value::as_str).map(str::to_string);
        prop_assert_eq!(&got, &image, "a pod runs another image");
        prop_assert!(hollow::controllers::pod_ready(p).0, "a pod is not Ready");
    }
    if let Some(last) = run.traffic.last() {
        let canary: i64 = last.backends.iter().filter(|b| b.service == "web-canary").map(|b| b.weight).sum();
        prop_assert_eq!(canary, 0, "settled with weight on the canary Service: {:?}", last);
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Random steps, sizes and requests, with or without a route: every bound at every pass.
    #[test]
    fn a_canary_never_routes_to_a_version_without_ready_pods_and_ends_on_the_new_template(c in case()) {
        run_case(&c)?;
    }
}
