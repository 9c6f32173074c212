//! Table tests of the rolling-update planner: the Deployment controller's arithmetic and the
//! edge cases users hit, each asserting the exact writes of one planning pass.

use crate::common;

use common::*;
use ramp::{
    api::{
        RolloutPhase,
        condition::{reasons, types},
    },
    plan::{Action, EventKind, Plan, plan, replicas::Limits, rolling::BLOCKED_RECHECK},
};

/// (name, from, to) of every scale action.
fn scales(p: &Plan) -> Vec<(String, i32, i32)> {
    p.writes()
        .filter_map(|a| match a {
            Action::ScaleReplicaSet(s) if s.from != s.to => Some((s.name.clone(), s.from, s.to)),
            _ => None,
        })
        .collect()
}

fn created(p: &Plan) -> Option<(String, u64, i32)> {
    p.writes().find_map(|a| match a {
        Action::CreateReplicaSet(n) => Some((n.name.clone(), n.revision, n.replicas)),
        _ => None,
    })
}

fn condition<'a>(p: &'a Plan, t: &str) -> (&'a str, &'a str) {
    let c = p.status.conditions.iter().find(|c| c.type_ == t).unwrap_or_else(|| panic!("no {t} condition"));
    (c.status.as_str(), c.reason.as_str())
}

#[test]
fn limits_round_like_kubernetes_on_small_replica_counts() {
    // (replicas, maxSurge, maxUnavailable) → (surge, unavailable)
    let cases = [
        (1, "25%", "25%", 1, 0),
        (2, "25%", "25%", 1, 0),
        (3, "25%", "25%", 1, 0),
        (3, "50%", "50%", 2, 1),
        (1, "0%", "10%", 0, 1), // both round to 0: unavailable becomes 1
        (2, "0", "0%", 0, 1),
        (3, "100%", "100%", 3, 3),
        (3, "200%", "0", 6, 0), // surge may exceed 100%
        (10, "25%", "25%", 3, 2),
        (0, "1", "1", 1, 0), // nothing can be unavailable of nothing
    ];
    for (replicas, surge, unav, want_surge, want_unav) in cases {
        let l = Limits::resolve(replicas, Some(&ios(surge)), Some(&ios(unav)));
        assert_eq!((l.max_surge, l.max_unavailable), (want_surge, want_unav), "{replicas} {surge} {unav}");
    }
}

#[test]
fn new_template_creates_revision_within_surge_and_scales_old_down_within_unavailable() {
    let old = rs("v1", 1, 10);
    let p = plan(&observe(rollout(spec(10, "25%", "25%", "v2")), vec![old.clone()], vec![]));
    let (name, revision, replicas) = created(&p).expect("a new ReplicaSet");
    assert_eq!((revision, replicas), (2, 3), "surge 3 above 10");
    assert!(name.starts_with("web-") && name != old.name);
    assert_eq!(scales(&p), vec![(old.name, 10, 8)], "13 - 8 - 3 unavailable new = 2");
    assert_eq!(condition(&p, types::PROGRESSING), ("True", reasons::NEW_REPLICA_SET_CREATED));
    assert_eq!(p.status.phase, Some(RolloutPhase::Progressing));
    assert!(p.requeue_after.is_some(), "the progress deadline needs a timer");
}

#[test]
fn max_surge_zero_replaces_by_removing_first() {
    let old = rs("v1", 1, 3);
    let p = plan(&observe(rollout(spec(3, "0", "1", "v2")), vec![old.clone()], vec![]));
    assert_eq!(created(&p).map(|c| c.2), Some(0), "no room above 3 pods");
    assert_eq!(scales(&p), vec![(old.name, 3, 2)]);
}

#[test]
fn max_unavailable_zero_waits_for_new_pods_before_removing_old() {
    let old = rs("v1", 1, 3);
    let new = rs("v2", 2, 1).ready(0, 0);
    let p = plan(&observe(rollout(spec(3, "1", "0", "v2")), vec![old.clone(), new.clone()], vec![]));
    assert!(scales(&p).is_empty(), "nothing may go before the surge pod is available: {:?}", scales(&p));
    let new = new.ready(1, 1);
    let p = plan(&observe(rollout(spec(3, "1", "0", "v2")), vec![old.clone(), new.clone()], vec![]));
    assert_eq!(scales(&p), vec![(old.name, 3, 2)]);
}

#[test]
fn two_replicas_with_default_limits_surge_one_at_a_time() {
    let old = rs("v1", 1, 2);
    let p = plan(&observe(rollout(spec(2, "25%", "25%", "v2")), vec![old], vec![]));
    assert_eq!(created(&p).map(|c| c.2), Some(1));
    assert!(scales(&p).is_empty(), "25% of 2 rounds down to 0 unavailable");
}

#[test]
fn crash_looping_new_pods_never_justify_removing_old_ones() {
    // Upstream example: 10 replicas, surge 3, unavailable 2, new RS at 5 crash-looping.
    let old = rs("v1", 1, 8);
    let new = rs("v2", 2, 5).ready(0, 0);
    let p = plan(&observe(rollout(spec(10, "3", "2", "v2")), vec![old, new], vec![]));
    assert!(p.writes().next().is_none(), "13 - 8 - 5 = 0: {:?}", p.actions);
}

#[test]
fn unready_old_pods_are_removed_first_without_touching_availability() {
    let old = rs("v1", 1, 10).ready(6, 6);
    let new = rs("v2", 2, 3).ready(0, 0);
    let p = plan(&observe(rollout(spec(10, "3", "2", "v2")), vec![old.clone(), new], vec![]));
    // maxScaledDown = 13 - 8 - 3 = 2, spent on 2 of the 4 unavailable old pods; then
    // available 6 <= 8 stops the second step.
    assert_eq!(scales(&p), vec![(old.name, 10, 8)]);
}

#[test]
fn several_old_replica_sets_shrink_oldest_first() {
    let oldest = rs("v1", 1, 4);
    let older = rs("v2", 2, 6);
    let p = plan(&observe(rollout(spec(10, "3", "2", "v3")), vec![older.clone(), oldest.clone()], vec![]));
    assert_eq!(created(&p).map(|c| (c.1, c.2)), Some((3, 3)));
    assert_eq!(scales(&p), vec![(oldest.name, 4, 2)]);
}

#[test]
fn rollback_reuses_the_older_replica_set_and_renumbers_it() {
    let v1 = rs("v1", 1, 0);
    let v2 = rs("v2", 2, 10);
    let p = plan(&observe(rollout(spec(10, "25%", "25%", "v1")), vec![v1.clone(), v2.clone()], vec![]));
    assert!(created(&p).is_none(), "no new ReplicaSet for a template that has one");
    let renumber = p.writes().find_map(|a| match a {
        Action::UpdateReplicaSetRevision(u) => Some(u.clone()),
        _ => None,
    });
    let renumber = renumber.expect("revision bump");
    assert_eq!(
        (renumber.name.as_str(), renumber.revision, renumber.revision_history.clone()),
        (v1.name.as_str(), 3, vec![1])
    );
    assert_eq!(scales(&p), vec![(v1.name, 0, 3)]);
    assert!(p.events().any(|e| e.reason == "RolledBack"));
    assert_eq!(p.status.updated_revision.as_deref(), Some(v1.pod_template_hash.as_str()));
}

#[test]
fn replicas_raised_mid_rollout_scales_every_revision_proportionally() {
    // Documented example: 10 replicas, surge 3, old 8 and new 5, scaled to 15.
    let old = rs("v1", 1, 8).annotated(10, 13);
    let new = rs("v2", 2, 5).annotated(10, 13);
    let p = plan(&observe(rollout(spec(15, "3", "2", "v2")), vec![old.clone(), new.clone()], vec![]));
    let mut s = scales(&p);
    s.sort();
    let mut want = vec![(old.name, 8, 11), (new.name, 5, 7)];
    want.sort();
    assert_eq!(s, want);
    assert!(p.writes().all(|a| !matches!(a, Action::CreateReplicaSet(_))));
}

#[test]
fn replicas_lowered_mid_rollout_shrinks_every_revision_proportionally() {
    let old = rs("v1", 1, 8).annotated(10, 13);
    let new = rs("v2", 2, 5).annotated(10, 13);
    // 5 replicas, 25%/25%: surge 2 → allowed 7, toAdd -6: old round(8·7/13)=4, new round(5·7/13)=3.
    let p = plan(&observe(rollout(spec(5, "25%", "25%", "v2")), vec![old.clone(), new.clone()], vec![]));
    let mut s = scales(&p);
    s.sort();
    let mut want = vec![(old.name, 8, 4), (new.name, 5, 3)];
    want.sort();
    assert_eq!(s, want);
}

#[test]
fn stale_status_never_counts_pods_above_a_replica_sets_size() {
    // The old RS was just lowered to 6 but its status still shows 10 available.
    let old = rs("v1", 1, 6).ready(10, 10).pods(10);
    let new = rs("v2", 2, 4).ready(0, 0);
    let p = plan(&observe(rollout(spec(10, "0", "4", "v2")), vec![old, new], vec![]));
    assert!(scales(&p).is_empty(), "only 6 can be counted: 6 <= 10 - 4: {:?}", scales(&p));
}

#[test]
fn disruption_budget_caps_a_scale_down_and_says_so() {
    let old = rs("v1", 1, 3);
    let obs = observe(rollout(spec(3, "0", "1", "v2")), vec![old.clone()], vec![pdb("web-pdb", 0, 3)]);
    let p = plan(&obs);
    assert!(scales(&p).is_empty(), "the budget allows no disruption");
    assert_eq!(condition(&p, types::PROGRESSING), ("True", reasons::BLOCKED_BY_DISRUPTION_BUDGET));
    let warn = p.events().find(|e| e.reason == reasons::BLOCKED_BY_DISRUPTION_BUDGET).expect("event");
    assert_eq!(warn.kind, EventKind::Warning);
    assert!(warn.message.contains("web-pdb"), "{}", warn.message);
    assert_eq!(p.requeue_after, Some(BLOCKED_RECHECK));

    // One disruption allowed: exactly one Ready pod goes, even though the rolling maths
    // would take two.
    let p = plan(&observe(rollout(spec(3, "0", "2", "v2")), vec![old.clone()], vec![pdb("web-pdb", 1, 3)]));
    assert_eq!(scales(&p), vec![(old.name.clone(), 3, 2)]);

    // A budget whose status still counts pods we already removed allows less.
    let lowered = rs("v1", 1, 2).ready(3, 3).pods(3);
    let p = plan(&observe(rollout(spec(3, "0", "2", "v2")), vec![lowered], vec![pdb("web-pdb", 1, 3)]));
    assert!(scales(&p).is_empty(), "the one allowed disruption is already in flight: {:?}", scales(&p));

    // Not-ready pods cost no budget.
    let sick = rs("v1", 1, 3).ready(1, 1);
    let p = plan(&observe(rollout(spec(3, "0", "2", "v2")), vec![sick.clone()], vec![pdb("web-pdb", 0, 1)]));
    assert_eq!(scales(&p), vec![(sick.name, 3, 1)]);
}

#[test]
fn progress_deadline_marks_degraded_and_optionally_rolls_back() {
    let stable = rs("v1", 1, 8);
    let new = rs("v2", 2, 5).ready(0, 0);
    let mut r = rollout(spec(10, "3", "2", "v2"));
    r.status.stable_revision = Some(stable.pod_template_hash.clone());
    r.status.updated_revision = Some(new.pod_template_hash.clone());
    r.status.replicas = 13;
    r.status.updated_replicas = 5;
    r.status.ready_replicas = 8;
    r.status.available_replicas = 8;
    let mut obs = observe(r.clone(), vec![stable.clone(), new.clone()], vec![]);
    obs.rollout.status.last_progress_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        obs.now - jiff::SignedDuration::from_mins(11),
    ));
    let p = plan(&obs);
    assert_eq!(p.status.phase, Some(RolloutPhase::Degraded));
    assert_eq!(condition(&p, types::PROGRESSING), ("False", reasons::PROGRESS_DEADLINE_EXCEEDED));
    assert_eq!(condition(&p, types::HEALTHY).0, "False");
    assert!(
        p.events().any(|e| e.reason == reasons::PROGRESS_DEADLINE_EXCEEDED && e.kind == EventKind::Warning)
    );
    assert_eq!(p.requeue_after, None);

    obs.rollout.spec.progress_deadline_abort = true;
    let p = plan(&obs);
    assert_eq!(p.status.phase, Some(RolloutPhase::Aborted));
    assert_eq!(p.status.aborted_revision.as_deref(), Some(new.pod_template_hash.as_str()));
    assert_eq!(condition(&p, types::PROGRESSING), ("False", reasons::ROLLOUT_ABORTED));
    // Capacity returns to stable: it cannot grow (13 pods already), and the new revision's
    // pods are all unavailable, so all may go at once: 13 - 8 - 0 = 5.
    assert_eq!(scales(&p), vec![(new.name.clone(), 5, 0)]);

    // A new template clears the abort.
    obs.rollout.status = p.status.clone();
    obs.rollout.spec.template = Some(template("v3"));
    let p = plan(&obs);
    assert_eq!(p.status.aborted_revision, None);
    assert!(created(&p).is_some());
}

#[test]
fn completion_marks_healthy_promotes_stable_and_trims_history() {
    let mut rss: Vec<_> = (1..=5).map(|i| rs(&format!("v{i}"), i, 0)).collect();
    rss.push(rs("v6", 6, 4));
    let mut s = spec(4, "1", "0", "v6");
    s.revision_history_limit = 2;
    let p = plan(&observe(rollout(s), rss.clone(), vec![]));
    assert_eq!(p.status.phase, Some(RolloutPhase::Healthy));
    assert_eq!(condition(&p, types::HEALTHY), ("True", reasons::ROLLOUT_COMPLETED));
    assert_eq!(condition(&p, types::PROGRESSING), ("True", reasons::NEW_REPLICA_SET_AVAILABLE));
    assert_eq!(condition(&p, types::AVAILABLE), ("True", reasons::MINIMUM_REPLICAS_AVAILABLE));
    assert_eq!(p.status.stable_revision.as_deref(), Some(rss[5].pod_template_hash.as_str()));
    let deleted: Vec<_> = p
        .writes()
        .filter_map(|a| match a {
            Action::DeleteReplicaSet { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(deleted, vec![rss[0].name.clone(), rss[1].name.clone(), rss[2].name.clone()]);
    assert!(p.events().any(|e| e.reason == reasons::ROLLOUT_COMPLETED));
    assert_eq!(p.requeue_after, None);
}

#[test]
fn paused_rollout_does_not_start_but_reports() {
    let old = rs("v1", 1, 4);
    let mut s = spec(4, "1", "1", "v2");
    s.paused = true;
    let p = plan(&observe(rollout(s), vec![old], vec![]));
    assert!(p.writes().next().is_none(), "{:?}", p.actions);
    assert_eq!(p.status.phase, Some(RolloutPhase::Paused));
    assert_eq!(condition(&p, types::PAUSED), ("True", reasons::ROLLOUT_PAUSED));
    assert_eq!(condition(&p, types::PROGRESSING), ("Unknown", reasons::ROLLOUT_PAUSED));
    assert_eq!(p.status.available_replicas, 4);
    assert_eq!(p.requeue_after, None, "no deadline while paused");
}

#[test]
fn invalid_spec_changes_nothing_and_lists_every_problem() {
    let old = rs("v1", 1, 4);
    let mut s = spec(4, "0", "0%", "v2");
    s.min_ready_seconds = -1;
    let p = plan(&observe(rollout(s), vec![old], vec![]));
    assert!(p.writes().next().is_none());
    assert_eq!(p.status.phase, Some(RolloutPhase::Degraded));
    let c = p.status.conditions.iter().find(|c| c.type_ == types::INVALID_SPEC).expect("InvalidSpec");
    assert_eq!(c.status, "True");
    assert!(
        c.message.contains("spec.strategy.rollingUpdate: maxSurge and maxUnavailable must not both be 0")
    );
    assert!(c.message.contains("spec.minReadySeconds: must be >= 0"));
    assert_eq!(p.events().filter(|e| e.kind == EventKind::Warning).count(), 1);
    assert_eq!(p.requeue_after, None, "waits for a change instead of retrying");

    // The same problems again: no new event.
    let mut obs2 = observe(rollout(spec(4, "0", "0%", "v2")), vec![], vec![]);
    obs2.rollout.spec.min_ready_seconds = -1;
    obs2.rollout.status = p.status.clone();
    assert_eq!(plan(&obs2).events().count(), 0);
}

#[test]
fn name_collision_bumps_the_collision_count() {
    let t = template("v2");
    let hash = ramp::plan::revision::pod_template_hash(&t, None);
    // A ReplicaSet of another template squats on the name the new one wants.
    let mut squatter = rs("other", 1, 0);
    squatter.name = format!("web-{hash}");
    let p = plan(&observe(rollout(spec(2, "1", "0", "v2")), vec![squatter.clone()], vec![]));
    assert_eq!(p.status.collision_count, Some(1));
    let (name, _, _) = created(&p).expect("created under another name");
    assert_ne!(name, squatter.name);
}

#[test]
fn condition_transition_time_moves_only_when_status_changes() {
    let old = rs("v1", 1, 4);
    let obs = observe(rollout(spec(4, "1", "1", "v2")), vec![old], vec![]);
    let first = plan(&obs);
    let mut later = obs.clone();
    later.rollout.status = first.status.clone();
    later.now = obs.now + jiff::SignedDuration::from_secs(30);
    let second = plan(&later);
    let t = |p: &Plan| {
        p.status.conditions.iter().find(|c| c.type_ == types::AVAILABLE).unwrap().last_transition_time.clone()
    };
    assert_eq!(t(&first), t(&second));
}

#[test]
fn scaling_to_zero_completes() {
    let old = rs("v1", 1, 3);
    let p = plan(&observe(rollout(spec(0, "25%", "25%", "v1")), vec![old.clone().annotated(3, 4)], vec![]));
    assert_eq!(scales(&p), vec![(old.name, 3, 0)]);
}

#[test]
fn a_budget_that_cannot_be_read_holds_every_scale_down_and_names_itself() {
    let old = rs("v1", 1, 3);
    let unreadable = ramp::plan::DisruptionBudgetView::unreadable("mystery", "it has no metadata.name");
    let obs = observe(rollout(spec(3, "0", "1", "v2")), vec![old.clone()], vec![unreadable.clone()]);
    let p = plan(&obs);
    assert!(scales(&p).is_empty(), "nothing is known of what it covers: {:?}", scales(&p));
    assert_eq!(condition(&p, types::PROGRESSING), ("True", reasons::BLOCKED_BY_DISRUPTION_BUDGET));
    let warn = p.events().find(|e| e.reason == reasons::BLOCKED_BY_DISRUPTION_BUDGET).expect("event");
    assert!(warn.message.contains("mystery") && warn.message.contains("cannot be read"), "{}", warn.message);
    // Beside a readable budget that allows plenty, the unreadable one still decides.
    let p = plan(&observe(
        rollout(spec(3, "0", "1", "v2")),
        vec![old.clone()],
        vec![pdb("web-pdb", 3, 3), unreadable],
    ));
    assert!(scales(&p).is_empty());
    // Scale-ups are not disruptions: with room to surge the new ReplicaSet is still created.
    let p = plan(&observe(
        rollout(spec(3, "1", "1", "v2")),
        vec![old],
        vec![ramp::plan::DisruptionBudgetView::unreadable("mystery", "?")],
    ));
    assert_eq!(created(&p).map(|c| c.2), Some(1));
    assert!(scales(&p).is_empty(), "{:?}", scales(&p));
}

#[test]
fn a_replica_set_that_cannot_be_read_stops_every_change() {
    let mut obs = observe(rollout(spec(3, "1", "1", "v2")), vec![rs("v1", 1, 3)], vec![]);
    obs.unreadable_replica_sets.push(ramp::plan::Unreadable {
        name: "web-x".into(),
        reason: "ReplicaSet has no metadata.creationTimestamp".into(),
    });
    let p = plan(&obs);
    assert!(p.writes().next().is_none(), "its pods are unknown: {:?}", p.actions);
    assert_eq!(p.status.phase, Some(RolloutPhase::Degraded));
    assert_eq!(condition(&p, types::PROGRESSING), ("False", reasons::UNREADABLE_REPLICA_SET));
    let warn = p.events().next().expect("a warning");
    assert_eq!(warn.kind, EventKind::Warning);
    assert!(warn.message.contains("web-x"), "{}", warn.message);
}
