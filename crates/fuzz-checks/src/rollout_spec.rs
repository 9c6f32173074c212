//! `rollout_spec`: arbitrary bytes read as a manifest (YAML or JSON, as `ramp plan` and
//! `ramp lint` read files), validated, then planned for a few passes in a tiny world where
//! every pod is Ready at once.
//!
//! Checks: no panic anywhere; an invalid spec is reported with at least one problem and
//! plans no write; no plan asks for a negative ReplicaSet size or a weight outside 0..=100.

use jiff::{SignedDuration, Timestamp};
use ramp::{
    api::{Rollout, condition::keys, validate},
    cli::manifest,
    plan::{
        Action, Confirmation, Observed, Plan, PodCounts, ReplicaSetView, RolloutView, ServiceView,
        TrafficView, Verdict, VerdictOutcome, plan,
    },
};

/// Planning passes per input: enough to walk a few canary steps, cheap enough to fuzz.
const PASSES: usize = 12;

/// The planner's clock at the first pass (any fixed instant: the input's status may hold
/// times before or after it).
const START_SECONDS: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(parsed) = manifest::parse(text) else { return };
    run(parsed.rollout);
}

/// Validates `rollout` and plans it for a few passes (the part of [`check`] after parsing,
/// shared by targets that build their Rollouts themselves).
pub fn run(mut rollout: Rollout) {
    let valid = match validate(&rollout.spec) {
        Ok(()) => true,
        Err(invalid) => {
            assert!(!invalid.0.is_empty(), "an invalid spec names no problem");
            false
        }
    };
    rollout.metadata.name.get_or_insert_with(|| "fuzzed".into());
    let Ok(view) = RolloutView::from_rollout(&rollout) else { return };
    let mut obs = observed(view);
    for _ in 0..PASSES {
        let p = plan(&obs);
        if !valid {
            assert_eq!(p.writes().count(), 0, "an invalid spec planned writes: {:?}", p.actions);
        }
        check_plan(&p);
        let Some(next) = advance(obs, &p) else { return };
        obs = next;
    }
}

fn observed(rollout: RolloutView) -> Observed {
    let services = [
        rollout.spec.strategy.canary.as_ref().and_then(|c| c.stable_service.clone()),
        rollout.spec.strategy.canary.as_ref().and_then(|c| c.canary_service.clone()),
        rollout.spec.strategy.blue_green.as_ref().map(|b| b.active_service.clone()),
        rollout.spec.strategy.blue_green.as_ref().and_then(|b| b.preview_service.clone()),
    ];
    let services = services
        .into_iter()
        .flatten()
        .map(|name| ServiceView { name, selector: Default::default() })
        .collect();
    Observed {
        rollout,
        replica_sets: Vec::new(),
        disruption_budgets: Vec::new(),
        unreadable_replica_sets: Vec::new(),
        traffic: TrafficView { services, routes: Vec::new() },
        verdicts: Vec::new(),
        pod_health: Vec::new(),
        workload: None,
        confirmations: Vec::new(),
        notified: Vec::new(),
        now: Timestamp::from_second(START_SECONDS).unwrap_or(Timestamp::UNIX_EPOCH),
    }
}

fn check_plan(p: &Plan) {
    for a in &p.actions {
        match a {
            Action::CreateReplicaSet(n) => assert!(n.replicas >= 0, "a ReplicaSet created with {a:?}"),
            Action::ScaleReplicaSet(s) => assert!(s.to >= 0, "a ReplicaSet scaled to {a:?}"),
            Action::ScaleDeployment { replicas, .. } => assert!(*replicas >= 0, "{a:?}"),
            Action::SetRouteWeights(w) => {
                assert!(w.backends.iter().all(|b| (0..=100).contains(&b.weight)), "{a:?}");
            }
            _ => {}
        }
    }
    for w in [p.status.weight, p.status.achieved_weight].into_iter().flatten() {
        assert!((0..=100).contains(&w), "status weight {w}");
    }
}

/// The world after `p`: its writes done, every pod Ready and available at once, every
/// analysis and webhook gate passed, the status written, the clock moved to the requeue.
/// `None` when nothing would happen again.
fn advance(mut obs: Observed, p: &Plan) -> Option<Observed> {
    let now = obs.now;
    for a in &p.actions {
        match a {
            Action::CreateReplicaSet(n) if !obs.replica_sets.iter().any(|r| r.name == n.name) => {
                obs.replica_sets.push(ReplicaSetView {
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
                    min_ready_seconds: 0,
                    status: PodCounts { replicas: n.replicas, ready: n.replicas, available: n.replicas },
                    status_current: true,
                    desired_replicas: Some(n.desired_replicas),
                    max_replicas: Some(n.max_replicas),
                    deleting: false,
                });
            }
            Action::ScaleReplicaSet(s) => {
                if let Some(rs) = obs.replica_sets.iter_mut().find(|r| r.name == s.name) {
                    rs.replicas = s.to;
                    rs.status = PodCounts { replicas: s.to, ready: s.to, available: s.to };
                    rs.desired_replicas = Some(s.desired_replicas);
                    rs.max_replicas = Some(s.max_replicas);
                }
            }
            Action::UpdateReplicaSetRevision(u) => {
                if let Some(rs) = obs.replica_sets.iter_mut().find(|r| r.name == u.name) {
                    rs.revision = u.revision;
                    rs.revision_history.clone_from(&u.revision_history);
                }
            }
            Action::DeleteReplicaSet { name } => obs.replica_sets.retain(|r| &r.name != name),
            Action::SetServiceSelector(s) => {
                if let Some(svc) = obs.traffic.services.iter_mut().find(|v| v.name == s.service) {
                    svc.selector.insert(keys::POD_TEMPLATE_HASH.into(), s.hash.clone());
                }
            }
            _ => {}
        }
    }
    obs.verdicts = p
        .analyses
        .iter()
        .map(|w| Verdict {
            revision: w.revision.clone(),
            point: w.point,
            outcome: VerdictOutcome::Successful,
            message: "passed".into(),
            decided_at: Some(now),
        })
        .collect();
    let revision = p.status.updated_revision.clone().unwrap_or_default();
    obs.confirmations = obs
        .rollout
        .spec
        .webhooks
        .iter()
        .map(|w| Confirmation {
            webhook: w.name.clone(),
            revision: revision.clone(),
            confirmed: true,
            message: "200 OK".into(),
        })
        .collect();
    let unchanged = p.writes().count() == 0 && obs.rollout.status == p.status;
    obs.rollout.status = p.status.clone();
    let wait = match (p.requeue_after, unchanged) {
        (Some(d), _) => SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX),
        (None, true) => return None,
        (None, false) => SignedDuration::ZERO,
    };
    // A requeue past the end of time ends the run rather than the clock.
    obs.now = now.checked_add(wait.max(SignedDuration::from_secs(1))).ok()?;
    Some(obs)
}
