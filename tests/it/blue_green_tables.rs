//! Table tests of the blue-green planner: each case is one planning pass (or a few, each fed
//! the status the previous one wrote) over an observation, asserting the exact writes.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use jiff::SignedDuration;
use ramp::{
    api::{
        ApprovalStep, BlueGreenStrategy, GateFailure, RolloutAnalysis, RolloutPhase, RolloutSpec,
        RolloutStrategy, condition::keys,
    },
    plan::{
        Action, AnalysisPoint, Observed, Plan, ServiceView, TrafficView, Verdict, VerdictOutcome, blue_green,
        plan, request,
    },
};

const ACTIVE: &str = "web-active";
const PREVIEW: &str = "web-preview";

fn bg_spec(replicas: i32, image: &str, tweak: impl FnOnce(&mut BlueGreenStrategy)) -> RolloutSpec {
    let mut s = spec(replicas, "25%", "25%", image);
    let mut b = BlueGreenStrategy {
        active_service: ACTIVE.into(),
        preview_service: Some(PREVIEW.into()),
        ..Default::default()
    };
    tweak(&mut b);
    s.strategy = RolloutStrategy { blue_green: Some(b), ..Default::default() };
    s
}

fn service(name: &str, hash: &str) -> ServiceView {
    let mut selector: BTreeMap<String, String> = labels();
    selector.insert(keys::POD_TEMPLATE_HASH.into(), hash.into());
    ServiceView { name: name.into(), selector }
}

fn h(image: &str) -> String {
    rs(image, 0, 0).pod_template_hash
}

fn n(image: &str) -> String {
    rs(image, 0, 0).name
}

/// v1 active at full size, both Services on it, the template at v2.
struct World {
    obs: Observed,
}

impl World {
    fn new(replicas: i32, tweak: impl FnOnce(&mut BlueGreenStrategy)) -> Self {
        let mut r = rollout(bg_spec(replicas, "v2", tweak));
        r.status.stable_revision = Some(h("v1"));
        let mut obs = observe(r, vec![rs("v1", 1, replicas)], Vec::new());
        obs.traffic = TrafficView {
            services: vec![service(ACTIVE, &h("v1")), service(PREVIEW, &h("v1"))],
            routes: Vec::new(),
        };
        Self { obs }
    }

    /// v2's ReplicaSet at `size` with `available` pods (ready as many); v1 at `stable`.
    fn sizes(mut self, size: i32, available: i32, stable: i32) -> Self {
        self.obs.replica_sets =
            vec![rs("v1", 1, stable), rs("v2", 2, size).ready(available, available).pods(size)];
        self
    }

    fn active(mut self, image: &str) -> Self {
        self.obs.traffic.services[0] = service(ACTIVE, &h(image));
        self
    }

    fn preview(mut self, image: &str) -> Self {
        self.obs.traffic.services[1] = service(PREVIEW, &h(image));
        self
    }

    fn request(mut self, json: &str) -> Self {
        self.obs.rollout.request = Some(request::parse(json));
        self
    }

    fn verdict(mut self, point: AnalysisPoint, outcome: VerdictOutcome) -> Self {
        self.obs.verdicts =
            vec![Verdict { revision: h("v2"), point, outcome, message: "m".into(), decided_at: None }];
        self
    }

    fn later(mut self, secs: i64) -> Self {
        self.obs.now += SignedDuration::from_secs(secs);
        self
    }

    fn plan(&self) -> Plan {
        plan(&self.obs)
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

fn selectors(p: &Plan) -> Vec<(String, String)> {
    p.writes()
        .filter_map(|a| match a {
            Action::SetServiceSelector(s) => Some((s.service.clone(), s.hash.clone())),
            _ => None,
        })
        .collect()
}

fn created(p: &Plan) -> Option<(String, i32)> {
    p.writes().find_map(|a| match a {
        Action::CreateReplicaSet(c) => Some((c.name.clone(), c.replicas)),
        _ => None,
    })
}

fn events(p: &Plan) -> Vec<String> {
    p.events().map(|e| e.reason.clone()).collect()
}

fn analysis() -> Option<RolloutAnalysis> {
    serde_json::from_value(serde_json::json!({"templates": [{"templateName": "success-rate"}]})).unwrap()
}

#[test]
fn a_new_template_comes_up_in_full_behind_the_preview_service_and_production_stays_on_the_active_one() {
    let p = World::new(5, |_| {}).plan();
    assert_eq!(created(&p), Some((n("v2"), 5)), "previewReplicas defaults to replicas");
    assert_eq!(selectors(&p), [(PREVIEW.to_string(), h("v2"))], "only the preview Service moves");
    assert!(scales(&p).is_empty(), "the active revision keeps every pod");
    assert_eq!(p.status.phase, Some(RolloutPhase::Progressing));
    assert_eq!(p.status.weight, Some(0));
}

#[test]
fn preview_replicas_sizes_the_preview_and_it_grows_to_full_size_before_the_switch() {
    let w = World::new(5, |b| b.preview_replicas = Some(2));
    assert_eq!(created(&w.plan()), Some((n("v2"), 2)));
    // Ready at preview size, auto-promoted: grows first, no switch yet.
    let w = w.sizes(2, 2, 5).preview("v2");
    let p = w.plan();
    assert_eq!(scales(&p), [(n("v2"), 5)]);
    assert!(selectors(&p).is_empty(), "no switch to a revision with 2 of 5 pods");
    // Grown (past the preview size, so still promoting) and available: the switch.
    let w = w.after(&p).sizes(5, 5, 5);
    let p = w.plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v2"))]);
}

#[test]
fn the_switch_is_one_selector_write_and_only_once_every_replica_is_available() {
    let w = World::new(5, |_| {}).sizes(5, 4, 5).preview("v2");
    let p = w.plan();
    assert!(selectors(&p).is_empty(), "4 of 5 available: no switch");
    let w = w.sizes(5, 5, 5);
    let p = w.plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v2"))], "one write, the active Service only");
    assert!(events(&p).contains(&blue_green::SWITCHED.to_string()));
    assert!(scales(&p).is_empty(), "the old revision is kept for scaleDownDelay");
}

#[test]
fn after_the_switch_the_old_revision_is_kept_for_scale_down_delay_then_scaled_down_within_the_budget() {
    let w =
        World::new(5, |b| b.scale_down_delay = Some("60s".into())).sizes(5, 5, 5).preview("v2").active("v2");
    let p = w.plan();
    assert_eq!(p.status.stable_revision, Some(h("v2")), "the switch is seen: v2 is stable");
    let at = p.status.scale_down_at.clone().map(|t| t.0);
    assert_eq!(at, Some(w.obs.now + SignedDuration::from_secs(60)));
    assert!(scales(&p).is_empty());
    // Before the delay: nothing; the plan asks to be woken for it.
    let w = w.after(&p).later(30);
    let p = w.plan();
    assert!(scales(&p).is_empty(), "{:?}", scales(&p));
    assert_eq!(p.requeue_after, Some(std::time::Duration::from_secs(30)));
    assert_eq!(p.status.phase, Some(RolloutPhase::Healthy), "v2 serves with every replica");
    // After it, with a budget that allows 2 disruptions: v1 loses 2 Ready pods this pass.
    let mut w = w.after(&p).later(31);
    w.obs.disruption_budgets = vec![pdb("web", 2, 10)];
    let p = w.plan();
    assert_eq!(scales(&p), [(n("v1"), 3)]);
}

#[test]
fn without_auto_promotion_the_preview_pauses_until_a_promote_and_a_promote_given_early_still_holds() {
    let w = World::new(5, |b| b.auto_promotion_enabled = Some(false));
    // Promote asked while the preview is not ready: recorded, the switch waits for readiness.
    let w = w.sizes(5, 1, 5).preview("v2").request(r#"{"id":"1","op":"promote","by":"alice"}"#);
    let p = w.plan();
    assert!(selectors(&p).is_empty());
    assert_eq!(p.status.last_request.as_ref().map(|r| r.id.as_str()), Some("1"));
    let w = w.after(&p).sizes(5, 5, 5);
    let p = w.plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v2"))], "the earlier promote holds");

    // Without one: paused, and the next revision is not approved by an approval of this one.
    let w = World::new(5, |b| b.auto_promotion_enabled = Some(false)).sizes(5, 5, 5).preview("v2");
    let p = w.plan();
    assert!(selectors(&p).is_empty());
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert_eq!(p.status.pause_conditions[0].reason, blue_green::PREVIEW_PAUSE);
    let w = w.after(&p).request(r#"{"id":"2","op":"approve","by":"bob"}"#);
    let p = w.plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v2"))]);
    assert_eq!(p.status.approvals[0].by, "bob");
}

#[test]
fn auto_promotion_after_waits_from_the_moment_the_preview_is_ready() {
    let w = World::new(5, |b| b.auto_promotion_after = Some("30s".into())).sizes(5, 5, 5).preview("v2");
    let p = w.plan();
    assert!(selectors(&p).is_empty());
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert_eq!(p.requeue_after, Some(std::time::Duration::from_secs(30)));
    let p2 = w.after(&p).later(29).plan();
    assert!(selectors(&p2).is_empty());
    let w = World::new(5, |b| b.auto_promotion_after = Some("30s".into())).sizes(5, 5, 5).preview("v2");
    let p3 = w.after(&p).later(30).plan();
    assert_eq!(selectors(&p3), [(ACTIVE.to_string(), h("v2"))]);
}

#[test]
fn pre_promotion_analysis_blocks_the_switch_and_a_failure_aborts_with_the_preview_back_on_stable() {
    let w = World::new(5, |b| b.pre_promotion_analysis = analysis()).sizes(5, 5, 5).preview("v2");
    let p = w.plan();
    assert!(selectors(&p).is_empty(), "no verdict yet");
    let p = World::new(5, |b| b.pre_promotion_analysis = analysis())
        .sizes(5, 5, 5)
        .preview("v2")
        .verdict(AnalysisPoint::PrePromotion, VerdictOutcome::Running)
        .plan();
    assert!(selectors(&p).is_empty(), "still measuring");
    let w = World::new(5, |b| b.pre_promotion_analysis = analysis())
        .sizes(5, 5, 5)
        .preview("v2")
        .verdict(AnalysisPoint::PrePromotion, VerdictOutcome::Successful);
    assert_eq!(selectors(&w.plan()), [(ACTIVE.to_string(), h("v2"))]);

    let w = World::new(5, |b| {
        b.pre_promotion_analysis = analysis();
        b.abort_scale_down_delay = Some("10s".into());
    })
    .sizes(5, 5, 5)
    .preview("v2")
    .verdict(AnalysisPoint::PrePromotion, VerdictOutcome::Failed);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert_eq!(p.status.aborted_revision, Some(h("v2")));
    assert_eq!(selectors(&p), [(PREVIEW.to_string(), h("v1"))], "the active Service never moved");
    assert!(scales(&p).is_empty(), "the preview is kept for abortScaleDownDelay");
    let p = w.after(&p).preview("v1").later(10).plan();
    assert_eq!(scales(&p), [(n("v2"), 0)]);
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
}

#[test]
fn a_failed_post_promotion_analysis_switches_back_at_once_while_stable_still_has_every_pod() {
    let w =
        World::new(5, |b| b.post_promotion_analysis = analysis()).sizes(5, 5, 5).preview("v2").active("v2");
    let p = w.plan();
    assert_eq!(p.status.stable_revision, Some(h("v1")), "not let go before post-promotion analysis");
    let w = w.after(&p).verdict(AnalysisPoint::PostPromotion, VerdictOutcome::Failed);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v1")), (PREVIEW.to_string(), h("v1"))]);
    assert!(events(&p).contains(&blue_green::SWITCHED_BACK.to_string()));
}

#[test]
fn an_abort_after_the_old_revision_shrank_scales_it_up_and_switches_back_only_once_it_is_available() {
    // v2 active, v1 (still the stable revision) down to 2 pods, abort asked.
    let w = World::new(5, |_| {}).sizes(5, 5, 2).preview("v2").active("v2");
    let w = w.request(r#"{"id":"9","op":"abort","by":"carol"}"#);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert_eq!(scales(&p), [(n("v1"), 5)], "stable grows first");
    assert!(selectors(&p).is_empty(), "no snap to a cold stable: 2 of 5 available");
    // Grown, 3 available: still not.
    let w = w.after(&p).sizes(5, 5, 5);
    let mut w = w;
    w.obs.replica_sets[0] = rs("v1", 1, 5).ready(3, 3);
    assert!(selectors(&w.plan()).is_empty());
    // All available: back.
    w.obs.replica_sets[0] = rs("v1", 1, 5);
    let p = w.plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v1")), (PREVIEW.to_string(), h("v1"))]);
    // If v2 has no ready pod at all, anything ready on stable is better: back at once.
    let mut w = World::new(5, |_| {}).sizes(5, 0, 5).preview("v2").active("v2");
    w.obs.rollout.status.aborted_revision = Some(h("v2"));
    w.obs.rollout.status.updated_revision = Some(h("v2"));
    w.obs.replica_sets[0] = rs("v1", 1, 5).ready(1, 1);
    assert_eq!(selectors(&w.plan())[0], (ACTIVE.to_string(), h("v1")));
}

#[test]
fn reject_aborts_retry_previews_again_and_requests_that_do_not_apply_are_refused() {
    let w = World::new(5, |b| b.auto_promotion_enabled = Some(false)).sizes(5, 5, 5).preview("v2");
    let p = w.plan();
    let w = w.after(&p).request(r#"{"id":"r","op":"reject","by":"dan","message":"latency"}"#);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert!(!p.status.approvals[0].approved);
    let w = w.after(&p).request(r#"{"id":"p","op":"promote"}"#);
    let p = w.plan();
    assert!(p.status.last_request.as_ref().unwrap().outcome.starts_with("refused"), "an aborted revision");
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    let w = w.after(&p).request(r#"{"id":"t","op":"retry"}"#);
    let p = w.plan();
    assert_eq!(p.status.aborted_revision, None);
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused), "previewed again, waiting for promotion");

    // A request for another revision, or with nothing in progress, changes nothing.
    let p =
        World::new(5, |_| {}).sizes(5, 2, 5).request(r#"{"id":"x","op":"abort","revision":"abc"}"#).plan();
    assert!(p.status.last_request.unwrap().outcome.contains("was for revision abc"));
    assert_eq!(p.status.aborted_revision, None);
    let mut settled = World::new(5, |_| {}).sizes(0, 0, 5);
    settled.obs.rollout.spec = bg_spec(5, "v1", |_| {});
    settled.obs.replica_sets = vec![rs("v1", 1, 5)];
    let p = settled.request(r#"{"id":"y","op":"abort"}"#).plan();
    assert!(p.status.last_request.unwrap().outcome.contains("no blue-green switch is in progress"));
    assert_eq!(p.status.phase, Some(RolloutPhase::Healthy));
}

#[test]
fn a_first_rollout_points_both_services_at_the_only_revision() {
    let mut r = rollout(bg_spec(3, "v1", |_| {}));
    r.status = Default::default();
    let mut obs = observe(r, Vec::new(), Vec::new());
    let selector = |name: &str| ServiceView { name: name.into(), selector: labels() };
    obs.traffic = TrafficView { services: vec![selector(ACTIVE), selector(PREVIEW)], routes: Vec::new() };
    let p = plan(&obs);
    assert_eq!(created(&p), Some((n("v1"), 3)));
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v1")), (PREVIEW.to_string(), h("v1"))]);
    assert_eq!(p.status.phase, Some(RolloutPhase::Progressing));
}

#[test]
fn no_progress_for_the_deadline_degrades_or_with_progress_deadline_abort_aborts() {
    let mut w = World::new(5, |_| {}).sizes(5, 1, 5).preview("v2");
    w.obs.rollout.spec.progress_deadline = "1m".into();
    let p = w.plan();
    let w = w.after(&p).later(61);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Degraded));
    let mut w = w;
    w.obs.rollout.spec.progress_deadline_abort = true;
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert!(selectors(&p).contains(&(PREVIEW.to_string(), h("v1"))));
}

#[test]
fn a_missing_active_service_is_said_and_nothing_is_switched() {
    let mut w = World::new(5, |_| {}).sizes(5, 5, 5).preview("v2");
    w.obs.traffic.services.remove(0);
    let p = w.plan();
    assert!(selectors(&p).iter().all(|(s, _)| s != ACTIVE));
    assert!(p.status.message.unwrap().contains("Service web-active does not exist"));
}

#[test]
fn a_preview_whose_pods_keep_restarting_is_aborted_before_any_switch() {
    let mut w = World::new(5, |_| {}).sizes(5, 5, 5).preview("v2");
    w.obs.pod_health = vec![ramp::plan::RevisionHealth { revision: h("v2"), restarts: 3, flaps: 0 }];
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert!(p.status.message.clone().unwrap().contains("is unstable: its pods restarted 3 times (limit 3)"));
    assert_eq!(selectors(&p), [(PREVIEW.to_string(), h("v1"))], "never switched");
    // Below the limit nothing happens; a limit of 0 turns the count off.
    w.obs.pod_health[0].restarts = 2;
    assert_eq!(selectors(&w.plan()), [(ACTIVE.to_string(), h("v2"))]);
    let mut off = World::new(5, |b| {
        b.unstable_pods = Some(ramp::api::UnstablePods { max_restarts: Some(0), ..Default::default() })
    })
    .sizes(5, 5, 5)
    .preview("v2");
    off.obs.pod_health = vec![ramp::plan::RevisionHealth { revision: h("v2"), restarts: 50, flaps: 0 }];
    assert_eq!(selectors(&off.plan()), [(ACTIVE.to_string(), h("v2"))]);
}

#[test]
fn a_restart_previews_fresh_pods_and_switches_without_waiting_for_a_promotion() {
    let mut w = World::new(5, |b| b.auto_promotion_enabled = Some(false));
    w.obs.rollout.spec = bg_spec(5, "v1", |b| b.auto_promotion_enabled = Some(false));
    w.obs.rollout.request = Some(request::parse(r#"{"id":"r","op":"restart"}"#));
    let p = w.plan();
    let fresh = p
        .writes()
        .find_map(|a| match a {
            Action::CreateReplicaSet(c) => Some(c.pod_template_hash.clone()),
            _ => None,
        })
        .expect("a fresh ReplicaSet");
    assert_eq!(p.status.phase, Some(RolloutPhase::Progressing), "not paused for a promotion");
    assert!(
        p.status
            .approvals
            .iter()
            .any(|a| a.revision == fresh && a.step == blue_green::SWITCH_SKIPPING_ANALYSIS)
    );
}

#[test]
fn a_preview_created_while_a_superseded_one_still_holds_pods_is_grown_to_its_size() {
    // Found by blue_green_props: a restart during a preview created the fresh ReplicaSet at 0
    // (no room beside the old preview) and nothing ever grew it.
    let w = World::new(1, |b| b.auto_promotion_enabled = Some(false))
        .sizes(1, 1, 1)
        .preview("v2")
        .request(r#"{"id":"r","op":"restart"}"#);
    let p = w.plan();
    let fresh = p
        .writes()
        .find_map(|a| match a {
            Action::CreateReplicaSet(c) => Some(c.clone()),
            _ => None,
        })
        .expect("a fresh ReplicaSet");
    let size = p
        .writes()
        .find_map(|a| match a {
            Action::ScaleReplicaSet(s) if s.name == fresh.name => Some(s.to),
            _ => None,
        })
        .unwrap_or(fresh.replicas);
    assert_eq!(size, 1);
    assert!(scales(&p).contains(&(n("v2"), 0)), "the superseded preview goes");
}

fn gate(
    required: i32,
    groups: &[&str],
    timeout: Option<&str>,
    on_reject: GateFailure,
) -> Option<ApprovalStep> {
    Some(ApprovalStep {
        message: None,
        required: Some(required),
        groups: groups.iter().map(|g| (*g).into()).collect(),
        timeout: timeout.map(Into::into),
        on_reject: Some(on_reject),
    })
}

#[test]
fn a_blue_green_gate_switches_after_two_approvers_from_its_groups_and_a_promote_overrides_it() {
    let w = World::new(5, |b| b.approval = gate(2, &["sre"], None, GateFailure::Abort))
        .sizes(5, 5, 5)
        .preview("v2");
    let p = w.plan();
    assert!(selectors(&p).is_empty());
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    let w = w.after(&p).request(r#"{"id":"1","op":"approve","by":"alice","groups":["sre"]}"#);
    let p = w.plan();
    assert!(selectors(&p).is_empty(), "one of two");
    assert!(
        p.status.last_request.as_ref().unwrap().outcome.contains("(1 of 2)"),
        "{:?}",
        p.status.last_request
    );
    let w = w.after(&p).request(r#"{"id":"2","op":"approve","by":"eve","groups":["dev"]}"#);
    let p = w.plan();
    assert!(selectors(&p).is_empty(), "eve is not in sre");
    let w = w.after(&p).request(r#"{"id":"3","op":"approve","by":"bob","groups":["sre"]}"#);
    let p = w.plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v2"))], "two of sre: the switch");

    // A promote by an operator opens it whatever it asks.
    let w = World::new(5, |b| b.approval = gate(3, &["sre"], None, GateFailure::Abort))
        .sizes(5, 5, 5)
        .preview("v2");
    let p = w.plan();
    let p = w.after(&p).request(r#"{"id":"p","op":"promote","by":"ops"}"#).plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v2"))]);
}

#[test]
fn a_blue_green_gate_expires_into_an_abort_or_holds_on_a_rejection() {
    let w = World::new(5, |b| b.approval = gate(1, &[], Some("1h"), GateFailure::Abort))
        .sizes(5, 5, 5)
        .preview("v2");
    let p = w.plan();
    assert_eq!(p.requeue_after, Some(std::time::Duration::from_secs(3600)));
    let w = w.after(&p).later(3600);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert!(
        p.status.message.clone().unwrap_or_default().contains("expired after 1h"),
        "{:?}",
        p.status.message
    );

    let w =
        World::new(5, |b| b.approval = gate(1, &[], None, GateFailure::Pause)).sizes(5, 5, 5).preview("v2");
    let p = w.plan();
    let w = w.after(&p).request(r#"{"id":"r","op":"reject","by":"dan"}"#);
    let p = w.plan();
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused), "held, not aborted");
    assert!(p.status.pause_conditions.iter().any(|c| c.reason == "ApprovalRejected"));
    let w = w.after(&p).request(r#"{"id":"a","op":"approve","by":"erin"}"#);
    let p = w.plan();
    assert!(selectors(&p).is_empty(), "an approval after a rejection does not open it");
    let p = w.after(&p).request(r#"{"id":"p","op":"promote","by":"ops"}"#).plan();
    assert_eq!(selectors(&p), [(ACTIVE.to_string(), h("v2"))]);
}
