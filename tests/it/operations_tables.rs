//! Table tests of `undo` and `restart`: each runs the spec's rollout towards another template
//! (an earlier ReplicaSet, or the same pods re-created) without touching the spec, until the
//! spec's template changes; and step operations on a rolling update are refused.

use crate::common;

use common::*;
use ramp::{
    api::{RolloutPhase, TemplateOverride},
    plan::{Action, Plan, operations::RESTARTED_AT, plan, request, revision},
};

fn scales(p: &Plan) -> Vec<(String, i32)> {
    p.writes()
        .filter_map(|a| match a {
            Action::ScaleReplicaSet(s) if s.from != s.to => Some((s.name.clone(), s.to)),
            _ => None,
        })
        .collect()
}

/// v1 (revision 1) scaled down, v2 (revision 2) running: the spec's template is v2.
fn settled_on_v2() -> ramp::plan::Observed {
    let mut r = rollout(spec(4, "1", "0", "v2"));
    r.status.stable_revision = Some(rs("v2", 2, 0).pod_template_hash);
    r.status.updated_revision = r.status.stable_revision.clone();
    observe(r, vec![rs("v1", 1, 0), rs("v2", 2, 4)], Vec::new())
}

fn outcome(p: &Plan) -> String {
    p.status.last_request.as_ref().map(|r| r.outcome.clone()).unwrap_or_default()
}

#[test]
fn undo_runs_the_previous_revision_again_without_editing_the_spec() {
    let mut obs = settled_on_v2();
    obs.rollout.request = Some(request::parse(r#"{"id":"u1","op":"undo","by":"alice"}"#));
    let spec_before = obs.rollout.spec.clone();
    let p = plan(&obs);
    assert!(outcome(&p).starts_with("running revision 1"), "{}", outcome(&p));
    let v1 = rs("v1", 1, 0);
    assert_eq!(
        p.status.template_override,
        Some(TemplateOverride {
            spec_fingerprint: revision::fingerprint(&template("v2")),
            revision: Some(v1.pod_template_hash.clone()),
            restarted_at: None
        })
    );
    // The earlier ReplicaSet is renumbered (as a Deployment rollback does) and grows within
    // maxSurge 1.
    assert!(
        p.writes().any(
            |a| matches!(a, Action::UpdateReplicaSetRevision(u) if u.name == v1.name && u.revision == 3)
        )
    );
    assert_eq!(scales(&p), [(v1.name.clone(), 1)]);
    assert!(p.writes().all(|a| !matches!(a, Action::CreateReplicaSet(_))), "no new ReplicaSet");
    assert_eq!(obs.rollout.spec, spec_before);
    assert!(p.events().any(|e| e.reason == "RequestCarriedOut"));

    // The next pass keeps rolling to v1 (the override is in status), to Healthy on v1.
    let mut next = obs.clone();
    next.rollout.status = p.status.clone();
    next.replica_sets = vec![rs("v1", 3, 4), rs("v2", 2, 0)];
    let p2 = plan(&next);
    assert_eq!(p2.status.phase, Some(RolloutPhase::Healthy));
    assert_eq!(p2.status.stable_revision, Some(v1.pod_template_hash.clone()));
    assert!(p2.status.template_override.is_some(), "still in effect");

    // A new template in the spec ends it: the rollout goes to v3.
    next.rollout.status = p2.status.clone();
    next.rollout.spec = spec(4, "1", "0", "v3");
    let p3 = plan(&next);
    assert_eq!(p3.status.template_override, None);
    assert!(p3.writes().any(|a| matches!(a, Action::CreateReplicaSet(c) if c.name == rs("v3", 0, 0).name)));
}

#[test]
fn undo_to_a_revision_not_kept_or_already_running_is_refused_and_changes_nothing() {
    let mut obs = settled_on_v2();
    obs.rollout.request = Some(request::parse(r#"{"id":"u2","op":"undo","toRevision":7}"#));
    let p = plan(&obs);
    assert_eq!(outcome(&p), "refused: revision 7 is not kept (kept: 1, 2)");
    assert_eq!(p.status.template_override, None);
    assert!(p.writes().next().is_none(), "{:?}", p.actions);
    obs.rollout.request = Some(request::parse(r#"{"id":"u3","op":"undo","toRevision":2}"#));
    assert_eq!(outcome(&plan(&obs)), "refused: revision 2 is the one running");
}

#[test]
fn restart_recreates_every_pod_as_a_new_replica_set_within_the_limits() {
    let mut obs = settled_on_v2();
    obs.rollout.request = Some(request::parse(r#"{"id":"r1","op":"restart"}"#));
    let p = plan(&obs);
    assert!(outcome(&p).starts_with("every pod of revision"), "{}", outcome(&p));
    let created = p
        .writes()
        .find_map(|a| match a {
            Action::CreateReplicaSet(c) => Some(c.clone()),
            _ => None,
        })
        .expect("a fresh ReplicaSet");
    let annotations = created.template.metadata.and_then(|m| m.annotations).unwrap_or_default();
    assert_eq!(annotations.get(RESTARTED_AT).map(String::as_str), Some(obs.now.to_string().as_str()));
    assert_eq!(created.replicas, 1, "maxSurge 1, maxUnavailable 0");
    assert!(scales(&p).is_empty(), "no old pod goes before a new one is available");
}

#[test]
fn step_operations_on_a_rolling_update_are_refused_with_the_reason() {
    let mut obs = settled_on_v2();
    obs.rollout.request = Some(request::parse(r#"{"id":"p1","op":"promote"}"#));
    let p = plan(&obs);
    assert!(outcome(&p).contains("a rolling update has no steps"), "{}", outcome(&p));
    assert!(p.events().any(|e| e.reason == "RequestRefused"));
}
