//! Table tests of the canary planner: each case is one planning pass over an observation, and
//! asserts the exact writes, the step it stands at and the weight it dares to set.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use ramp::{
    api::{
        ApprovalStep, CanaryStep, CanaryStrategy, GateFailure, GatewayApiRouting, PauseStep, RequestRecord,
        RolloutPhase, RolloutSpec, RolloutStrategy, TrafficRouting, condition::keys,
    },
    plan::{
        Action, AnalysisPoint, BackendView, Observed, Plan, RouteRuleView, RouteView, ServiceView,
        TrafficView, Verdict, VerdictOutcome, plan, request,
    },
};

const STABLE_SVC: &str = "web-stable";
const CANARY_SVC: &str = "web-canary";

fn set_weight(w: i32) -> CanaryStep {
    CanaryStep { set_weight: Some(w), ..Default::default() }
}

fn pause(d: Option<&str>) -> CanaryStep {
    CanaryStep { pause: Some(PauseStep { duration: d.map(Into::into) }), ..Default::default() }
}

fn approval() -> CanaryStep {
    CanaryStep { approval: Some(ApprovalStep::default()), ..Default::default() }
}

/// An approval step needing `required` approvals from `groups`, expiring after `timeout`.
fn gate(required: i32, groups: &[&str], timeout: Option<&str>, on_reject: GateFailure) -> CanaryStep {
    CanaryStep {
        approval: Some(ApprovalStep {
            message: Some("ship it?".into()),
            required: Some(required),
            groups: groups.iter().map(|g| (*g).into()).collect(),
            timeout: timeout.map(Into::into),
            on_reject: Some(on_reject),
        }),
        ..Default::default()
    }
}

/// A canary of `replicas` running `image`, with these steps; routed through the HTTPRoute
/// `web` when `routed`.
fn canary_spec(replicas: i32, image: &str, steps: Vec<CanaryStep>, routed: bool) -> RolloutSpec {
    let mut s = spec(replicas, "25%", "25%", image);
    s.strategy = RolloutStrategy {
        canary: Some(CanaryStrategy {
            stable_service: Some(STABLE_SVC.into()),
            canary_service: Some(CANARY_SVC.into()),
            traffic_routing: routed.then(|| TrafficRouting {
                gateway_api: Some(GatewayApiRouting {
                    http_route: Some("web".into()),
                    grpc_route: None,
                    rules: Vec::new(),
                }),
            }),
            max_surge: Some(ios("25%")),
            max_unavailable: Some(ios("25%")),
            steps,
            ..Default::default()
        }),
        ..Default::default()
    };
    s
}

fn service(name: &str, hash: Option<&str>) -> ServiceView {
    let mut selector: BTreeMap<String, String> = labels();
    if let Some(h) = hash {
        selector.insert(keys::POD_TEMPLATE_HASH.into(), h.into());
    }
    ServiceView { name: name.into(), selector }
}

fn route(stable: i32, canary: i32, accepted: bool) -> RouteView {
    RouteView {
        kind: ramp::api::RouteKind::Http,
        name: "web".into(),
        rules: vec![RouteRuleView {
            name: None,
            matches: vec![serde_json::json!({"path": {"type": "PathPrefix", "value": "/"}})],
            backends: vec![
                BackendView { name: STABLE_SVC.into(), weight: stable, port: Some(80) },
                BackendView { name: CANARY_SVC.into(), weight: canary, port: Some(80) },
            ],
        }],
        accepted_current: accepted,
    }
}

/// Stable v1 at full size, the template at v2: the canary's observation.
#[derive(Clone)]
struct World {
    obs: Observed,
}

impl World {
    fn new(replicas: i32, steps: Vec<CanaryStep>, routed: bool) -> Self {
        let stable = rs("v1", 1, replicas);
        let mut r = rollout(canary_spec(replicas, "v2", steps, routed));
        r.status.stable_revision = Some(stable.pod_template_hash.clone());
        let mut obs = observe(r, vec![stable.clone()], Vec::new());
        obs.traffic = TrafficView {
            // In name order, as observed: canary, stable.
            services: vec![
                service(CANARY_SVC, Some(&stable.pod_template_hash)),
                service(STABLE_SVC, Some(&stable.pod_template_hash)),
            ],
            routes: if routed { vec![route(100, 0, true)] } else { Vec::new() },
        };
        Self { obs }
    }

    fn canary_hash(&self) -> String {
        rs("v2", 2, 0).pod_template_hash
    }

    fn stable_hash(&self) -> String {
        rs("v1", 1, 0).pod_template_hash
    }

    /// The canary ReplicaSet at `size` with `available` pods (ready as many), stable at `stable`.
    fn sizes(mut self, canary: i32, available: i32, stable: i32) -> Self {
        let c = rs("v2", 2, canary).ready(available, available).pods(canary);
        let s = rs("v1", 1, stable);
        self.obs.replica_sets = vec![s, c];
        self
    }

    /// The status a previous pass wrote for the canary at `step`.
    fn at_step(mut self, step: i32) -> Self {
        let hash = rs("v2", 2, 0).pod_template_hash;
        let st = &mut self.obs.rollout.status;
        st.updated_revision = Some(hash.clone());
        st.current_step = Some(step);
        // An earlier pass pointed the canary Service at the canary.
        self.obs.traffic.services[0] = service(CANARY_SVC, Some(&hash));
        self
    }

    fn route(mut self, stable: i32, canary: i32, accepted: bool) -> Self {
        self.obs.traffic.routes = vec![route(stable, canary, accepted)];
        self
    }

    fn request(mut self, json: &str) -> Self {
        self.obs.rollout.request = Some(request::parse(json));
        self
    }

    fn plan(&self) -> Plan {
        plan(&self.obs)
    }

    /// The clock moved on by `secs`.
    fn later(mut self, secs: i64) -> Self {
        self.obs.now += jiff::SignedDuration::from_secs(secs);
        self
    }

    /// Feeds a plan's status back in, as the next pass would read it.
    fn after(mut self, p: &Plan) -> Self {
        self.obs.rollout.status = p.status.clone();
        self
    }
}

fn scales(p: &Plan) -> Vec<(String, i32)> {
    p.writes()
        .filter_map(|a| match a {
            Action::ScaleReplicaSet(s) if s.from != s.to => Some((s.name.clone(), s.to)),
            _ => None,
        })
        .collect()
}

fn weights(p: &Plan) -> Option<(i32, i32)> {
    p.writes().find_map(|a| match a {
        Action::SetRouteWeights(w) => {
            let of = |svc: &str| w.backends.iter().find(|b| b.service == svc).map_or(-1, |b| b.weight);
            Some((of(STABLE_SVC), of(CANARY_SVC)))
        }
        _ => None,
    })
}

fn selectors(p: &Plan) -> Vec<(String, String)> {
    p.writes()
        .filter_map(|a| match a {
            Action::SetServiceSelector(s) => Some((s.service.clone(), s.hash.clone())),
            _ => None,
        })
        .collect()
}

fn name(image: &str, revision: u64) -> String {
    rs(image, revision, 0).name
}

#[test]
fn a_new_template_creates_the_canary_and_sizes_it_for_the_first_weight_by_replica_ratio() {
    let w = World::new(10, vec![set_weight(20), pause(None), set_weight(50)], false);
    let p = w.plan();
    let created = p.writes().find_map(|a| match a {
        Action::CreateReplicaSet(n) => Some((n.name.clone(), n.replicas)),
        _ => None,
    });
    assert_eq!(created, Some((name("v2", 2), 0)), "created empty, then sized");
    // 20% of 10 is 2 canary pods; stable gives up 2 within maxUnavailable (2 of 10).
    assert_eq!(scales(&p), [(name("v2", 2), 2), (name("v1", 1), 8)]);
    assert_eq!(p.status.current_step, Some(0));
    assert_eq!(p.status.weight, Some(20));
    assert_eq!(p.status.phase, Some(RolloutPhase::Progressing));
    // The canary Service selects the new revision; the stable one stays on stable.
    assert_eq!(selectors(&p), [(CANARY_SVC.to_string(), w.canary_hash())]);
}

#[test]
fn a_weight_reached_moves_on_and_an_untimed_pause_waits_for_a_promote() {
    let w =
        World::new(10, vec![set_weight(20), pause(None), set_weight(50)], false).sizes(2, 2, 8).at_step(0);
    let p = w.plan();
    assert_eq!(p.status.current_step, Some(1), "setWeight 20 is done");
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert_eq!(
        p.status.pause_conditions.iter().map(|c| c.reason.as_str()).collect::<Vec<_>>(),
        ["CanaryPauseStep"]
    );
    assert_eq!(p.status.achieved_weight, Some(20), "2 of 10 available pods");
    assert!(scales(&p).is_empty());

    // The next pass changes nothing; a promote request moves past the pause to 50%.
    let w = w.after(&p);
    let again = w.plan();
    assert_eq!((again.status.current_step, scales(&again).len()), (Some(1), 0));
    let w = w.request(r#"{"id": "r1", "op": "promote", "by": "alice"}"#);
    let p = w.plan();
    assert_eq!(p.status.current_step, Some(2));
    assert!(p.status.pause_conditions.is_empty());
    let rec = p.status.last_request.as_ref().unwrap();
    assert_eq!((rec.id.as_str(), rec.op.as_str(), rec.by.as_str()), ("r1", "promote", "alice"));
    assert_eq!(scales(&p), [(name("v2", 2), 5), (name("v1", 1), 6)], "towards 5/5 within the bounds");
    // Handled once: the same request read again does nothing more.
    let p2 = w.after(&p).plan();
    assert_eq!(p2.status.current_step, Some(2));
    assert_eq!(p2.status.last_request, p.status.last_request);
}

#[test]
fn a_timed_pause_ends_on_the_clock() {
    let w = World::new(4, vec![set_weight(25), pause(Some("1m")), set_weight(100)], false)
        .sizes(1, 1, 3)
        .at_step(0);
    let p = w.plan();
    assert_eq!(p.status.current_step, Some(1));
    assert_eq!(p.requeue_after, Some(std::time::Duration::from_secs(60)));
    let mut w = w.after(&p);
    w.obs.now += jiff::SignedDuration::from_secs(59);
    assert_eq!(w.plan().status.current_step, Some(1), "not yet");
    w.obs.now += jiff::SignedDuration::from_secs(1);
    let p = w.plan();
    assert_eq!(p.status.current_step, Some(2), "pause over");
    assert!(p.status.pause_conditions.is_empty());
}

#[test]
fn a_routed_weight_rises_only_once_the_canary_has_the_pods_and_counts_once_accepted() {
    let steps = vec![set_weight(20), set_weight(60)];
    // Canary pods not available yet: no weight for it.
    let w = World::new(10, steps.clone(), true).sizes(2, 0, 10).at_step(0);
    let p = w.plan();
    assert_eq!(weights(&p), None, "the route stays at 100/0");
    assert_eq!(p.status.achieved_weight, Some(0));
    assert!(scales(&p).iter().all(|(n, _)| *n != name("v1", 1)), "stable keeps every pod with a router");

    // Available: the route gets 80/20; the step is done only once the route accepts it.
    let w = World::new(10, steps.clone(), true).sizes(2, 2, 10).at_step(0);
    let p = w.plan();
    assert_eq!(weights(&p), Some((80, 20)));
    assert_eq!(p.status.current_step, Some(0));
    let w = w.route(80, 20, false);
    let p = w.plan();
    assert_eq!((weights(&p), p.status.current_step), (None, Some(0)), "written, not yet accepted");
    let w = w.route(80, 20, true);
    let p = w.plan();
    assert_eq!(p.status.current_step, Some(1), "accepted: next step");
    assert_eq!(weights(&p), None, "60% waits for 6 canary pods");
    assert_eq!(scales(&p), [(name("v2", 2), 6)]);
}

#[test]
fn an_abort_returns_traffic_first_and_removes_the_canary_only_after() {
    let w = World::new(10, vec![set_weight(30), pause(None)], true)
        .sizes(3, 3, 10)
        .at_step(1)
        .route(70, 30, true)
        .request(r#"{"id": "a1", "op": "abort", "by": "bob"}"#);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert_eq!(p.status.aborted_revision, Some(w.canary_hash()));
    assert_eq!(weights(&p), Some((100, 0)), "stable is at full size and Ready: traffic back at once");
    assert!(scales(&p).is_empty(), "the canary keeps its pods until no traffic reaches it");
    let w = w.after(&p).route(100, 0, true);
    let p = w.plan();
    assert_eq!(scales(&p), [(name("v2", 2), 0)]);
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
}

#[test]
fn with_dynamic_stable_scale_an_abort_scales_stable_up_and_waits_for_it_before_shifting_back() {
    let mut w =
        World::new(10, vec![set_weight(50), pause(None)], true).sizes(5, 5, 5).at_step(1).route(50, 50, true);
    if let Some(c) = w.obs.rollout.spec.strategy.canary.as_mut() {
        c.dynamic_stable_scale = true;
    }
    let w = w.request(r#"{"id": "a1", "op": "abort"}"#);
    let p = w.plan();
    assert_eq!(weights(&p), None, "stable has 5 of the 10 pods it needs: no snap back to a cold stable");
    assert!(scales(&p).contains(&(name("v1", 1), 10)), "stable grows first: {:?}", scales(&p));
    // Stable Ready at 10: now the weight goes back.
    let w = w.after(&p).sizes(5, 5, 10);
    let p = w.plan();
    assert_eq!(weights(&p), Some((100, 0)));
}

#[test]
fn no_weight_points_at_a_version_without_ready_pods() {
    // The canary's pods all failed after it took 20%.
    let w = World::new(10, vec![set_weight(20), pause(None)], true)
        .sizes(2, 0, 10)
        .at_step(1)
        .route(80, 20, true);
    let p = w.plan();
    assert_eq!(weights(&p), Some((100, 0)), "the canary has no ready pod: its weight goes to stable");
}

#[test]
fn an_approval_binds_to_its_revision_and_a_rejection_aborts() {
    let steps = vec![set_weight(10), approval(), set_weight(100)];
    let w = World::new(10, steps.clone(), false).sizes(1, 1, 9).at_step(1);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert_eq!(p.status.pause_conditions[0].reason, "AwaitingApproval");
    let w = w.after(&p);
    // An approval meant for another revision approves nothing.
    let stale = w.request(r#"{"id": "x", "op": "approve", "revision": "0ld0ld"}"#);
    let p = stale.plan();
    assert_eq!(p.status.current_step, Some(1));
    assert!(p.status.last_request.as_ref().unwrap().outcome.starts_with("refused"));
    assert!(p.events().any(|e| e.reason == "RequestRefused"));
    let stale = stale.after(&p);
    let approve =
        format!(r#"{{"id": "y", "op": "approve", "by": "carol", "revision": "{}"}}"#, stale.canary_hash());
    let p = stale.request(&approve).plan();
    assert_eq!(p.status.current_step, Some(2));
    let a = &p.status.approvals[0];
    assert_eq!((a.step, a.approved, a.by.as_str()), (1, true, "carol"));

    let w = World::new(10, steps, false)
        .sizes(1, 1, 9)
        .at_step(1)
        .request(r#"{"id": "z", "op": "reject", "by": "dan"}"#);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert!(
        p.status.message.as_deref().unwrap_or_default().contains("rejected by dan"),
        "{:?}",
        p.status.message
    );
}

#[test]
fn a_failed_verdict_aborts_and_a_successful_one_passes_its_step() {
    let analysis = CanaryStep {
        analysis: Some(ramp::api::RolloutAnalysis {
            templates: vec![ramp::api::AnalysisTemplateRef {
                template_name: "ok".into(),
                cluster_scope: false,
            }],
            args: Vec::new(),
            on_error: None,
            dry_run: false,
        }),
        ..Default::default()
    };
    let w = World::new(10, vec![set_weight(10), analysis], false).sizes(1, 1, 9).at_step(1);
    assert_eq!(w.plan().status.current_step, Some(1), "waits for a verdict");
    let mut pass = World::new(10, w.obs.rollout.spec.strategy.canary.clone().unwrap().steps, false)
        .sizes(1, 1, 9)
        .at_step(1);
    pass.obs.verdicts = vec![Verdict {
        revision: pass.canary_hash(),
        point: AnalysisPoint::Step(1),
        outcome: VerdictOutcome::Successful,
        message: String::new(),
        decided_at: None,
    }];
    assert_eq!(pass.plan().status.current_step, Some(2));
    let mut fail = pass;
    fail.obs.verdicts[0].outcome = VerdictOutcome::Failed;
    assert_eq!(fail.plan().status.phase, Some(RolloutPhase::Aborted));
}

#[test]
fn promotion_fills_the_canary_then_moves_the_stable_service_then_the_weight() {
    let w = World::new(4, vec![set_weight(50)], true).sizes(2, 2, 4).at_step(0).route(50, 50, true);
    let p = w.plan();
    assert_eq!(p.status.current_step, Some(1), "every step done: promoting");
    assert_eq!(scales(&p), [(name("v2", 2), 4)]);
    assert!(selectors(&p).iter().all(|(s, _)| s != STABLE_SVC), "not before the canary runs every replica");
    let w = w.after(&p).sizes(4, 4, 4);
    let p = w.plan();
    assert_eq!(selectors(&p), [(STABLE_SVC.to_string(), w.canary_hash())]);
    assert_eq!(weights(&p), None, "the weight waits for the stable Service to select the new revision");
    let mut w = w.after(&p);
    w.obs.traffic.services[1] = service(STABLE_SVC, Some(&w.canary_hash()));
    let p = w.plan();
    assert_eq!(weights(&p), Some((100, 0)));
    assert_eq!(p.status.stable_revision, Some(w.stable_hash()), "promoted only once the route carries it");
    let w = w.after(&p).route(100, 0, true);
    let p = w.plan();
    assert_eq!(p.status.stable_revision, Some(w.canary_hash()));
    // The next pass is a settled rollout: with every new pod available, old stable goes.
    let p = w.after(&p).plan();
    assert_eq!(scales(&p), [(name("v1", 1), 0)]);
}

#[test]
fn the_first_rollout_has_no_stable_to_compare_with_and_goes_straight_to_full_size() {
    let mut r = rollout(canary_spec(4, "v1", vec![set_weight(10), pause(None)], false));
    r.status = Default::default();
    let mut obs = observe(r, Vec::new(), Vec::new());
    obs.traffic.services = vec![service(STABLE_SVC, None), service(CANARY_SVC, None)];
    let p = plan(&obs);
    let created = p.writes().find_map(|a| match a {
        Action::CreateReplicaSet(n) => Some(n.replicas),
        _ => None,
    });
    assert_eq!(created, Some(4));
    let hash = rs("v1", 1, 0).pod_template_hash;
    assert_eq!(selectors(&p), [(STABLE_SVC.to_string(), hash.clone()), (CANARY_SVC.to_string(), hash)]);
}

#[test]
fn a_missing_service_is_reported_and_a_bad_request_is_refused_once() {
    let mut w = World::new(4, vec![set_weight(25)], false).request("not json");
    w.obs.traffic.services.retain(|s| s.name != CANARY_SVC);
    let p = w.plan();
    assert!(p.status.message.as_deref().unwrap_or_default().contains("Service web-canary does not exist"));
    assert!(p.events().any(|e| e.reason == "TrafficNotReady"));
    assert!(p.events().any(|e| e.reason == "RequestRefused"));
    let rec: &RequestRecord = p.status.last_request.as_ref().unwrap();
    assert_eq!(rec.op, "invalid");
    let p2 = w.after(&p).plan();
    assert!(!p2.events().any(|e| e.reason == "RequestRefused" || e.reason == "TrafficNotReady"), "once");
}

#[test]
fn an_undo_mid_canary_goes_back_to_stable_traffic_first_and_ends_healthy_not_aborted() {
    let w = World::new(10, vec![set_weight(30), pause(None)], true)
        .sizes(3, 3, 10)
        .at_step(1)
        .route(70, 30, true)
        .request(r#"{"id": "u1", "op": "undo", "by": "bob"}"#);
    let p = w.plan();
    assert!(p.status.last_request.as_ref().unwrap().outcome.starts_with("running revision 1"));
    assert_eq!(weights(&p), Some((100, 0)), "stable has every pod: traffic back at once");
    assert!(scales(&p).is_empty(), "the canary keeps its pods while the route still reaches it");
    let w = w.after(&p).route(100, 0, true);
    let p = w.plan();
    assert_eq!(scales(&p), [(name("v2", 2), 0)]);
    assert_ne!(p.status.phase, Some(RolloutPhase::Aborted));
    assert_eq!(p.status.aborted_revision, None);
}

#[test]
fn a_restart_of_a_canary_skips_its_steps() {
    let mut w = World::new(4, vec![set_weight(25), pause(None)], false);
    // Settled on v2 (the spec's template), nothing in progress.
    w.obs.rollout.spec = canary_spec(4, "v1", vec![set_weight(25), pause(None)], false);
    w.obs.rollout.status.updated_revision = Some(w.stable_hash());
    w.obs.rollout.request = Some(request::parse(r#"{"id": "r1", "op": "restart"}"#));
    let p = w.plan();
    assert!(p.status.last_request.as_ref().unwrap().outcome.starts_with("every pod of revision"));
    assert_eq!(p.status.current_step, Some(2), "promoting at once: no pause for a restart");
    assert!(p.writes().any(|a| matches!(a, Action::CreateReplicaSet(_))));
}

#[test]
fn an_undo_to_an_older_revision_promotes_it_without_steps() {
    let mut w = World::new(4, vec![set_weight(25), pause(None)], false);
    w.obs.rollout.spec = canary_spec(4, "v1", vec![set_weight(25), pause(None)], false);
    w.obs.rollout.status.updated_revision = Some(w.stable_hash());
    w.obs.replica_sets = vec![rs("v0", 1, 0), rs("v1", 2, 4)];
    w.obs.rollout.request = Some(request::parse(r#"{"id": "u", "op": "undo"}"#));
    let mut p = w.plan();
    for _ in 0..20 {
        if p.status.phase == Some(RolloutPhase::Healthy) {
            break;
        }
        // Apply the scales as if every pod became available at once.
        w.obs.rollout.status = p.status.clone();
        w.obs.rollout.request = None;
        let scaled = scales(&p);
        for rs_view in &mut w.obs.replica_sets {
            if let Some((_, to)) = scaled.iter().find(|(n, _)| *n == rs_view.name) {
                rs_view.replicas = *to;
                rs_view.status = ramp::plan::PodCounts { replicas: *to, ready: *to, available: *to };
            }
        }
        for a in p.writes() {
            if let Action::SetServiceSelector(s) = a
                && let Some(svc) = w.obs.traffic.services.iter_mut().find(|x| x.name == s.service)
            {
                *svc = service(&s.service, Some(&s.hash));
            }
        }
        p = w.plan();
    }
    assert_eq!(p.status.phase, Some(RolloutPhase::Healthy));
    assert_eq!(p.status.stable_revision, Some(rs("v0", 0, 0).pod_template_hash));
}

#[test]
fn a_header_route_adds_one_rule_for_the_canary_and_promotion_removes_it() {
    let h = CanaryStep {
        set_header_route: Some(ramp::api::SetHeaderRoute {
            name: "beta".into(),
            matches: vec![ramp::api::HeaderMatch {
                header_name: "x-canary".into(),
                header_value: "always".into(),
            }],
        }),
        ..Default::default()
    };
    let w = World::new(10, vec![set_weight(10), h, pause(None)], true)
        .sizes(1, 1, 10)
        .at_step(1)
        .route(90, 10, true);
    let p = w.plan();
    let rules = p
        .writes()
        .find_map(|a| match a {
            Action::SetRouteRules(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the header rule is added");
    assert!(rules.remove.is_empty());
    assert_eq!(
        rules.add,
        [serde_json::json!({"name": "web-canary-hdr-beta",
            "matches": [{"path": {"type": "PathPrefix", "value": "/"},
                         "headers": [{"type": "Exact", "name": "x-canary", "value": "always"}]}],
            "backendRefs": [{"name": STABLE_SVC, "port": 80, "weight": 0}, {"name": CANARY_SVC, "port": 80, "weight": 1}]})]
    );
    assert_eq!(p.status.current_step, Some(1), "done once the route carries it");
    // With the rule in place (and accepted) the step is done; weights leave it alone.
    let mut w = w.after(&p);
    let rule = ramp::plan::RouteRuleView {
        name: Some("web-canary-hdr-beta".into()),
        matches: rules.add[0]["matches"].as_array().unwrap().clone(),
        backends: vec![
            BackendView { name: STABLE_SVC.into(), weight: 0, port: Some(80) },
            BackendView { name: CANARY_SVC.into(), weight: 1, port: Some(80) },
        ],
    };
    w.obs.traffic.routes[0].rules.push(rule);
    let p = w.plan();
    assert_eq!(p.status.current_step, Some(2));
    assert!(
        p.writes().all(|a| !matches!(a, Action::SetRouteRules(_) | Action::SetRouteWeights(_))),
        "{:?}",
        p.actions
    );
    // An abort removes it (guarded by its name).
    let w = w.after(&p).request(r#"{"id": "a", "op": "abort"}"#);
    let p = w.plan();
    let removed = p.writes().find_map(|a| match a {
        Action::SetRouteRules(r) => Some(r.remove.clone()),
        _ => None,
    });
    assert_eq!(removed, Some(vec![(1, "web-canary-hdr-beta".to_string())]));
}

fn approve(w: &World, id: &str, by: &str, groups: &[&str]) -> String {
    serde_json::json!({"id": id, "op": "approve", "by": by, "groups": groups, "revision": w.canary_hash()})
        .to_string()
}

#[test]
fn a_gate_needs_two_of_three_different_people_from_its_groups() {
    let steps = vec![set_weight(10), gate(2, &["sre", "release"], None, GateFailure::Abort), set_weight(100)];
    let w = World::new(10, steps, false).sizes(1, 1, 9).at_step(1);
    let p = w.plan();
    assert_eq!(p.status.pause_conditions[0].reason, "AwaitingApproval");
    let w = w.after(&p);
    // Someone outside the named groups: recorded (who tried is kept), does not count.
    let req = approve(&w, "a", "mallory", &["dev"]);
    let p = w.clone().request(&req).plan();
    assert_eq!(p.status.current_step, Some(1));
    let rec = p.status.last_request.clone().unwrap();
    assert!(
        rec.outcome.contains("does not count: mallory is in none of the groups sre, release"),
        "{}",
        rec.outcome
    );
    let steps = vec![set_weight(10), gate(2, &["sre", "release"], None, GateFailure::Abort), set_weight(100)];
    let w = World::new(10, steps, false).sizes(1, 1, 9).at_step(1);
    let p0 = w.plan();
    let w = w.after(&p0);
    let req = approve(&w, "b", "alice", &["system:authenticated", "sre"]);
    let p = w.clone().request(&req).plan();
    assert_eq!(p.status.current_step, Some(1), "one of two");
    assert!(p.status.last_request.as_ref().unwrap().outcome.contains("(1 of 2)"));
    let w = w.after(&p);
    // The same person again: refused, still one of two.
    let again = approve(&w, "c", "alice", &["sre"]);
    let p = w.clone().request(&again).plan();
    assert!(
        p.status.last_request.as_ref().unwrap().outcome.starts_with("refused"),
        "{:?}",
        p.status.last_request
    );
    assert_eq!(p.status.current_step, Some(1));
    let w = w.after(&p);
    let bob = approve(&w, "d", "bob", &["release"]);
    let p = w.clone().request(&bob).plan();
    assert_eq!(p.status.current_step, Some(2), "two different approvers from the groups open it");
    let approvers: Vec<(&str, &[String])> =
        p.status.approvals.iter().map(|a| (a.by.as_str(), a.groups.as_slice())).collect();
    assert_eq!(approvers.len(), 2);
    assert_eq!(approvers[1], ("bob", &["release".to_string()][..]), "who, and their groups, are kept");
}

#[test]
fn an_approval_of_revision_n_does_not_open_revision_n_plus_one() {
    let steps = vec![set_weight(10), gate(1, &[], None, GateFailure::Abort), set_weight(100)];
    let w = World::new(10, steps.clone(), false).sizes(1, 1, 9).at_step(1);
    let p0 = w.plan();
    let w = w.after(&p0);
    let req = approve(&w, "a", "alice", &[]);
    let p = w.clone().request(&req).plan();
    assert_eq!(p.status.current_step, Some(2));
    // Revision N+1 (image v3) replaces it, its canary up at step 1's size: its own gate is
    // closed whatever N's records say.
    let mut next = World::new(10, steps, false);
    next.obs.rollout.spec.template = Some(template("v3"));
    next.obs.replica_sets = vec![rs("v1", 1, 9), rs("v3", 3, 1).ready(1, 1).pods(1)];
    next.obs.rollout.status = p.status.clone();
    let p = next.plan();
    let n1 = rs("v3", 3, 0).pod_template_hash;
    assert_eq!(p.status.updated_revision.as_deref(), Some(n1.as_str()));
    assert_eq!(
        (p.status.phase, p.status.current_step),
        (Some(RolloutPhase::Paused), Some(1)),
        "stops at N+1's gate"
    );
    assert!(p.status.approvals.iter().all(|a| a.revision == n1), "N's approvals are not carried over");
}

#[test]
fn a_gate_expires_and_a_rejection_holds_when_told_to_pause() {
    // Expiry with abort.
    let steps = vec![set_weight(10), gate(2, &[], Some("10m"), GateFailure::Abort), set_weight(100)];
    let w = World::new(10, steps, false).sizes(1, 1, 9).at_step(1);
    let p = w.plan();
    assert_eq!(p.requeue_after, Some(std::time::Duration::from_secs(600)), "woken when it expires");
    let w = w.after(&p);
    let req = approve(&w, "a", "alice", &[]);
    let p = w.clone().request(&req).plan();
    let w = w.after(&p).later(599);
    assert_eq!(w.plan().status.phase, Some(RolloutPhase::Paused), "not yet");
    let p = w.later(1).plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    let msg = p.status.message.clone().unwrap_or_default();
    assert!(msg.contains("expired after 10m with 1 of 2 approvals"), "{msg}");

    // A rejection with onReject: pause holds at the gate; later approvals do not open it; a
    // promote does.
    let steps = vec![set_weight(10), gate(1, &[], None, GateFailure::Pause), set_weight(100)];
    let w = World::new(10, steps, false).sizes(1, 1, 9).at_step(1);
    let p0 = w.plan();
    let w = w.after(&p0);
    let reject =
        serde_json::json!({"id": "r", "op": "reject", "by": "bob", "message": "not today"}).to_string();
    let p = w.clone().request(&reject).plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert!(
        p.status.pause_conditions.iter().any(|c| c.reason == "ApprovalRejected"),
        "{:?}",
        p.status.pause_conditions
    );
    let w = w.after(&p);
    let req = approve(&w, "a2", "alice", &[]);
    let p = w.clone().request(&req).plan();
    assert_eq!((p.status.phase, p.status.current_step), (Some(RolloutPhase::Paused), Some(1)));
    let w = w.after(&p);
    let p = w.clone().request(r#"{"id": "p", "op": "promote", "by": "ops"}"#).plan();
    assert_eq!(p.status.current_step, Some(2), "a promote moves past a held gate");
}

fn hook(name: &str, kind: ramp::api::WebhookKind) -> ramp::api::Webhook {
    ramp::api::Webhook { name: name.into(), kind, url: "http://127.0.0.1:9/".into(), ..Default::default() }
}

fn confirmation(w: &World, name: &str, confirmed: bool) -> ramp::plan::Confirmation {
    ramp::plan::Confirmation {
        webhook: name.into(),
        revision: w.canary_hash(),
        confirmed,
        message: if confirmed { "200 OK".into() } else { "500".into() },
    }
}

#[test]
fn confirm_rollout_webhooks_hold_a_new_revision_without_pods_or_weight_until_each_says_yes() {
    use ramp::api::WebhookKind::ConfirmRollout;
    let mut w = World::new(10, vec![set_weight(20), pause(None)], true).sizes(0, 0, 10);
    w.obs.rollout.spec.webhooks = vec![hook("change-freeze", ConfirmRollout), hook("ticket", ConfirmRollout)];
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert!(p.status.pause_conditions.iter().any(|c| c.reason == "AwaitingRolloutConfirmation"));
    assert!(
        scales(&p).iter().all(|(n, size)| !n.contains(&w.canary_hash()) || *size == 0),
        "{:?}",
        scales(&p)
    );
    assert!(weights(&p).is_none_or(|(_, canary)| canary == 0));
    // One says no, the other yes: still held.
    let mut w = w.after(&p);
    w.obs.confirmations = vec![confirmation(&w, "change-freeze", false), confirmation(&w, "ticket", true)];
    let p = w.plan();
    assert!(p.status.pause_conditions.iter().any(|c| c.reason == "AwaitingRolloutConfirmation"));
    // Both yes: recorded, in a write that opens nothing yet (an answer held only in the
    // sender's memory is never acted on).
    let mut w = w.after(&p);
    w.obs.confirmations = vec![confirmation(&w, "change-freeze", true)];
    let p = w.plan();
    assert!(p.status.pause_conditions.iter().any(|c| c.reason == "AwaitingRolloutConfirmation"));
    assert!(scales(&p).iter().all(|(n, size)| !n.contains(&w.canary_hash()) || *size == 0));
    let by: Vec<&str> = p.status.approvals.iter().filter(|a| a.step == -1).map(|a| a.by.as_str()).collect();
    assert_eq!(by, ["webhook/ticket", "webhook/change-freeze"]);
    // Durable: the next pass, with the sender's memory gone, starts the rollout from the
    // records (the canary grows to its 20%).
    let mut w = w.after(&p);
    w.obs.confirmations.clear();
    let p = w.plan();
    assert!(!p.status.pause_conditions.iter().any(|c| c.reason == "AwaitingRolloutConfirmation"));
}

#[test]
fn confirm_promotion_webhooks_hold_the_last_step_until_they_say_yes() {
    use ramp::api::WebhookKind::ConfirmPromotion;
    let mut w = World::new(10, vec![set_weight(50)], false).sizes(5, 5, 5).at_step(1);
    w.obs.rollout.spec.webhooks = vec![hook("qa", ConfirmPromotion)];
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert!(p.status.pause_conditions.iter().any(|c| c.reason == "AwaitingPromotionConfirmation"));
    assert!(scales(&p).is_empty(), "sizes stay at the last step's: {:?}", scales(&p));
    let mut w = w.after(&p);
    w.obs.confirmations = vec![confirmation(&w, "qa", true)];
    let p = w.plan();
    assert!(p.status.approvals.iter().any(|a| a.by == "webhook/qa" && a.step == -2), "recorded first");
    assert!(scales(&p).is_empty(), "nothing acts on the answer before it is recorded: {:?}", scales(&p));
    let w = w.after(&p);
    let p = w.plan();
    assert!(!p.status.pause_conditions.iter().any(|c| c.reason == "AwaitingPromotionConfirmation"));
    let canary = w.obs.replica_sets[1].name.clone();
    assert!(scales(&p).iter().any(|(n, size)| *n == canary && *size > 5), "promoting: {:?}", scales(&p));
}

/// Regression (issue 12, crash points): a notification used to be sent from the controller's
/// memory after the write that made its transition, so a controller that died in between
/// lost it. It is now owed in status from that very write until the sender reports it sent.
#[test]
fn a_notification_is_owed_in_status_from_the_write_of_its_transition_until_it_is_sent() {
    use ramp::api::WebhookKind::{ConfirmPromotion, Event, OnAbort, OnComplete};
    let mut w = World::new(10, vec![set_weight(30), pause(None)], true)
        .sizes(3, 3, 10)
        .at_step(1)
        .route(70, 30, true)
        .request(r#"{"id": "a1", "op": "abort", "by": "bob"}"#);
    w.obs.rollout.spec.webhooks = vec![
        hook("chat", Event),
        hook("pager", OnAbort),
        hook("done", OnComplete),
        hook("qa", ConfirmPromotion),
    ];
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    let owed: Vec<(&str, &str)> =
        p.status.notifications.iter().map(|n| (n.webhook.as_str(), n.reason.as_str())).collect();
    assert!(owed.contains(&("pager", "RolloutAborted")), "{owed:?}");
    assert_eq!(
        owed.iter().filter(|(h, _)| *h == "chat").count(),
        p.events().count(),
        "the event webhook is owed every event of the pass: {owed:?}"
    );
    assert!(owed.iter().all(|(h, _)| !["done", "qa"].contains(h)), "not theirs: {owed:?}");
    let n = &p.status.notifications[0];
    assert_eq!(
        (n.revision.as_str(), n.at.as_str()),
        (w.canary_hash().as_str(), w.obs.now.to_string().as_str())
    );

    // The next pass (no transition) still owes them, under the same ids.
    let w = w.after(&p).route(100, 0, true).later(1);
    let next = w.plan();
    assert!(
        next.status.notifications.starts_with(&p.status.notifications),
        "{:?}",
        next.status.notifications
    );
    // The sender reports the pager's sent: only that one leaves status.
    let pager = p.status.notifications.iter().find(|n| n.webhook == "pager").unwrap().id.clone();
    let mut w = w.after(&next);
    w.obs.notified = vec![pager.clone()];
    let p = w.plan();
    let left: Vec<&str> = p.status.notifications.iter().map(|n| n.id.as_str()).collect();
    assert!(!left.contains(&pager.as_str()));
    assert!(
        next.status.notifications.iter().filter(|n| n.id != pager).all(|n| left.contains(&n.id.as_str()))
    );
    // A webhook taken out of the spec is owed nothing more.
    let mut w = w.after(&p);
    w.obs.rollout.spec.webhooks.retain(|h| h.name != "chat");
    assert!(w.plan().status.notifications.is_empty());
}
