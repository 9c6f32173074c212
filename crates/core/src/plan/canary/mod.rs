//! The canary strategy: the new revision runs beside the stable one and takes traffic in the
//! order the `steps` give — `setWeight`, `pause`, `setCanaryScale`, `approval`, `analysis` —
//! then is promoted; an abort (asked, a failed verdict, a rejected approval, or the progress
//! deadline with `progressDeadlineAbort`) returns traffic and capacity to stable.
//!
//! ```text
//!  no stable revision (first rollout, or promoted) ─► settled: a rolling update to the
//!                                                     template, all traffic on it
//!  stable ≠ template ─► steps ─► promotion ─► settled
//!                 └──► abort: stable at full size and Ready, then weight 0, then canary 0
//! ```
//!
//! Safety, at every pass (tested as properties): a router's weight never rises before the
//! canary has the available pods for it, never falls back to stable before stable has the
//! available pods for its share (no snap to a cold stable), and goes to whichever side has
//! ready pods when the other has none; pod changes keep within `replicas + maxSurge`,
//! `replicas - maxUnavailable` available and the PodDisruptionBudgets.

mod sizes;
pub(crate) mod steps;

pub use sizes::{CanaryScale, Targets, share_up, targets};
use steps::Position;
/// Pause reasons and the step in words, for clients that show a canary (`kubectl ramp get`).
pub use steps::{AWAITING_APPROVAL, INCONCLUSIVE, PAUSE_STEP, USER_PAUSE, describe};

use super::revision::Desired;
use super::{
    Plan,
    action::{Action, EventNote},
    budget::DisruptionLedger,
    observed::{Observed, ReplicaSetView},
    replicas::Limits,
    rolling::{self, assess},
    status::StatusBuilder,
    traffic::{Applied, GatewayApi, TrafficRouter, select, selects},
    working::Working,
};
use crate::api::{
    CanaryStrategy, PauseCondition, RollingUpdateStrategy, RolloutPhase,
    condition::{reasons, types},
};

/// How soon to look again while waiting on a route to accept a weight (its status changes
/// also wake the controller; this bounds the wait if such a change is missed).
pub const TRAFFIC_RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// The router a canary strategy names, if any.
fn router(c: &CanaryStrategy) -> Option<GatewayApi<'_>> {
    let g = c.traffic_routing.as_ref()?.gateway_api.as_ref()?;
    GatewayApi::new(g, c.stable_service.as_deref()?, c.canary_service.as_deref()?)
}

/// Plans one pass of a canary.
pub fn plan(obs: &Observed, c: &CanaryStrategy, template: &Desired) -> Plan {
    let limits = Limits::resolve(obs.rollout.spec.replicas, c.max_surge.as_ref(), c.max_unavailable.as_ref());
    let a = assess::assess(obs, limits, template);
    let stable = obs
        .rollout
        .status
        .stable_revision
        .as_deref()
        .filter(|h| *h != a.new_hash)
        .and_then(|h| a.live.iter().find(|rs| rs.pod_template_hash == h))
        .cloned();
    match stable {
        None => settled(obs, c, template, &a),
        Some(stable) => progressing(obs, c, template, &a, &stable),
    }
}

/// Services the strategy names that do not exist.
fn missing_services(obs: &Observed, c: &CanaryStrategy) -> Vec<String> {
    [c.stable_service.as_deref(), c.canary_service.as_deref()]
        .into_iter()
        .flatten()
        .filter(|n| !obs.traffic.services.iter().any(|s| s.name == *n))
        .map(|n| format!("Service {n} does not exist"))
        .collect()
}

/// No canary in progress: the template's revision is (or becomes, by a rolling update) the
/// only one, every Service selects it and the router gives the canary Service nothing.
fn settled(obs: &Observed, c: &CanaryStrategy, template: &Desired, a: &assess::Assessment) -> Plan {
    let rolling =
        RollingUpdateStrategy { max_surge: c.max_surge.clone(), max_unavailable: c.max_unavailable.clone() };
    let mut p = rolling::plan(obs, &rolling, template);
    let mut traffic = Vec::new();
    let mut problems = missing_services(obs, c);
    for svc in [c.stable_service.as_deref(), c.canary_service.as_deref()].into_iter().flatten() {
        traffic.extend(select(obs, svc, &a.new_hash));
    }
    let mut route_settled = true;
    if let Some(r) = router(c) {
        match r.applied(&obs.traffic) {
            Ok(applied) if applied.weight == Some(0) => route_settled = applied.accepted,
            Ok(_) => match r.set_weight(&obs.traffic, 0) {
                Ok(actions) => {
                    traffic.extend(actions);
                    route_settled = false;
                }
                Err(e) => problems.push(e),
            },
            Err(e) => problems.push(e),
        }
    }
    if !route_settled {
        // The route still sends the canary Service traffic: no ReplicaSet but the template's
        // loses pods until it carries none (an undo back to stable comes this way).
        let keep = a.new_name.clone();
        p.actions.retain(|x| !matches!(x, Action::ScaleReplicaSet(s) if s.to < s.from && s.name != keep));
    }
    if let Some(r) = router(c)
        && let Ok(x) = r.set_header_routes(&obs.traffic, &[])
    {
        route_settled &= x.is_empty();
        traffic.extend(x);
    }
    let first_event = p.actions.iter().position(|x| matches!(x, Action::Event(_))).unwrap_or(p.actions.len());
    p.actions.splice(first_event..first_event, traffic);
    let healthy = p.status.phase == Some(RolloutPhase::Healthy);
    let n = i32::try_from(c.steps.len()).unwrap_or(i32::MAX);
    p.status.current_step = healthy.then_some(n);
    p.status.weight = Some(if healthy { 100 } else { 0 });
    p.status.achieved_weight = p.status.weight;
    // Who approved (and which webhooks confirmed) the revision that runs stays on record
    // until the next one.
    p.status.approvals.retain(|x| x.revision == a.new_hash);
    if let Some(req) = obs.rollout.request.as_ref().filter(|r| r.pending(&obs.rollout.status)) {
        let (record, note) = steps::refused(req, &a.new_hash, "no canary is in progress");
        p.status.last_request = Some(record);
        p.actions.push(Action::Event(note));
    }
    if !problems.is_empty() {
        note_traffic_problems(&mut p, &problems, obs);
    } else if healthy && !route_settled {
        p.requeue_after = Some(TRAFFIC_RECHECK);
    }
    p
}

/// A traffic object the strategy needs is missing or cannot carry a weight: said in the
/// Progressing condition and once as a Warning event; the pods still move.
pub(crate) fn note_traffic_problems(p: &mut Plan, problems: &[String], obs: &Observed) {
    let message = problems.join("; ");
    let prior = obs.rollout.status.conditions.iter().find(|c| c.type_ == types::PROGRESSING);
    if prior.is_none_or(|c| c.reason != reasons::TRAFFIC_NOT_READY || c.message != message) {
        p.actions.push(Action::Event(EventNote::warning(reasons::TRAFFIC_NOT_READY, &message)));
    }
    if let Some(cond) = p.status.conditions.iter_mut().find(|c| c.type_ == types::PROGRESSING) {
        cond.reason = reasons::TRAFFIC_NOT_READY.into();
        cond.message.clone_from(&message);
    }
    p.status.message = Some(message);
    p.requeue_after = Some(p.requeue_after.map_or(TRAFFIC_RECHECK, |r| r.min(TRAFFIC_RECHECK)));
}

/// A canary in progress: the template's revision beside a stable one.
fn progressing(
    obs: &Observed,
    c: &CanaryStrategy,
    template: &Desired,
    a: &assess::Assessment,
    stable: &ReplicaSetView,
) -> Plan {
    let spec = &obs.rollout.spec;
    let r = router(c);
    let routed = r.is_some();
    let applied: Result<Applied, String> =
        r.as_ref().map_or(Ok(Applied { weight: None, accepted: true, canary_max: 0, stable_max: 0 }), |r| {
            r.applied(&obs.traffic)
        });
    let mut w = Working::new(&obs.replica_sets, a.limits);
    let mut ledger = DisruptionLedger::new(&obs.disruption_budgets, &obs.replica_sets);
    let mut actions = Vec::new();
    let mut notes = Vec::new();

    // The canary's ReplicaSet, created at 0 (this pass sizes it like any other), or an
    // earlier one of the same template renumbered.
    if !pos_aborted_already(obs, a)
        && let Some((action, note)) = rolling::ensure_new(obs, &mut w, a, template, 0)
    {
        actions.push(action);
        notes.extend(note);
    }
    let canary_view = w.get(&a.new_name).cloned();
    let canary_obs = a.existing_new.clone();

    // Where the steps stand: requests, verdicts and the steps themselves.
    let headers_in_place = |wanted: &[crate::api::SetHeaderRoute]| {
        r.as_ref().is_some_and(|r| r.set_header_routes(&obs.traffic, wanted).is_ok_and(|x| x.is_empty()))
    };
    let route_state = steps::RouteState {
        applied: applied.as_ref().ok().copied(),
        routed,
        headers_in_place: &headers_in_place,
    };
    let pos: Position = steps::position(obs, c, a, stable, canary_obs.as_ref(), &route_state);
    notes.extend(pos.notes.iter().cloned());

    // Sizes towards the position's targets, never below the pods the traffic each side
    // carries now needs (a side's pods go only once its weight has been lowered).
    let replicas = spec.replicas;
    let (canary_floor, stable_floor) = match (&r, &applied) {
        (Some(_), Ok(x)) => (
            sizes::share_up(replicas, x.canary_max),
            replicas - sizes::share_down(replicas, 100 - x.stable_max),
        ),
        _ => (0, 0),
    };
    let t = Targets {
        canary: pos.targets.canary.max(canary_floor).min(replicas),
        stable: pos.targets.stable.max(stable_floor).min(replicas),
    };
    let canary_name = a.new_name.clone();
    let stable_name = stable.name.clone();
    let target_of = |name: &str| {
        if name == canary_name {
            t.canary
        } else if name == stable_name {
            t.stable
        } else {
            0
        }
    };
    let grow: Vec<&str> = if pos.aborted {
        vec![stable_name.as_str(), canary_name.as_str()]
    } else {
        vec![canary_name.as_str(), stable_name.as_str()]
    };
    // With a router the canary's pods come on top of stable's (its weight moves traffic, not
    // pods): the surge room is what both targets need, plus maxSurge for the transitions.
    let mut limits = a.limits;
    if routed {
        limits.max_surge = limits.max_surge.max(t.canary + t.stable - replicas);
    }
    if !spec.paused {
        sizes::move_towards(&mut w, &target_of, &grow, limits, &obs.replica_sets, &mut ledger);
    }
    actions.extend(w.into_actions());

    // Traffic: Services pinned to their revisions, the router's weight where it is safe.
    let mut problems = missing_services(obs, c);
    if let Some(svc) = c.canary_service.as_deref() {
        actions.extend(select(obs, svc, &a.new_hash));
    }
    let promoting = pos.promoting && !pos.aborted;
    if let Some(svc) = c.stable_service.as_deref() {
        // At promotion, once the canary runs every replica, the stable Service moves to it.
        let to = if promoting && pos.canary_full { &a.new_hash } else { &stable.pod_template_hash };
        actions.extend(select(obs, svc, to));
    }
    let stable_moved = c.stable_service.as_deref().is_none_or(|s| selects(obs, s, &a.new_hash));
    let mut achieved = pos.ratio_weight;
    if let Some(r) = &r {
        match &applied {
            Err(e) => problems.push(e.clone()),
            Ok(now) => {
                let want = if promoting && pos.canary_full && stable_moved { 0 } else { pos.safe_weight };
                achieved = now.weight.unwrap_or(0);
                if now.weight != Some(want) {
                    match r.set_weight(&obs.traffic, want) {
                        Ok(x) => actions.extend(x),
                        Err(e) => problems.push(e),
                    }
                }
            }
        }
    }
    let mut headers_gone = true;
    if let Some(r) = &r
        && let Ok(x) = r.set_header_routes(&obs.traffic, &pos.header_routes)
    {
        headers_gone = pos.header_routes.is_empty() && x.is_empty();
        actions.extend(x);
    }
    let promoted = promoting
        && pos.canary_full
        && stable_moved
        && headers_gone
        && (!routed || applied.as_ref().is_ok_and(|x| x.is(0)));

    // Status.
    let mut b = StatusBuilder::new(obs);
    b.counts(&a.counts);
    {
        let st = b.status_mut();
        st.updated_revision = Some(a.new_hash.clone());
        st.collision_count = a.collision_count;
        st.current_step = Some(i32::try_from(pos.step).unwrap_or(i32::MAX));
        st.weight = Some(pos.weight);
        st.achieved_weight = Some(achieved);
        st.pause_conditions.clone_from(&pos.pauses);
        st.approvals.clone_from(&pos.approvals);
        st.aborted_revision = pos.aborted.then(|| a.new_hash.clone());
        if let Some(record) = &pos.request {
            st.last_request = Some(record.clone());
        }
        st.last_progress_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(pos.last_progress));
        if promoted {
            st.stable_revision = Some(a.new_hash.clone());
        }
    }
    let n = c.steps.len();
    let (reason, message) = if pos.aborted {
        (
            reasons::ROLLOUT_ABORTED,
            format!(
                "revision {} aborted ({}); traffic and capacity back on stable {}",
                a.new_hash, pos.abort_reason, stable.pod_template_hash
            ),
        )
    } else if promoted {
        (
            reasons::NEW_REPLICA_SET_AVAILABLE,
            format!("revision {} promoted; scaling down {}", a.new_hash, stable.pod_template_hash),
        )
    } else if promoting {
        (
            reasons::REPLICA_SET_UPDATED,
            format!(
                "promoting revision {}: {} of {} replicas available",
                a.new_hash,
                canary_view.as_ref().map_or(0, ReplicaSetView::countable_available),
                spec.replicas
            ),
        )
    } else {
        (reasons::REPLICA_SET_UPDATED, format!("step {}/{n}: {}", pos.step + 1, pos.describe))
    };
    let progressing_ok = !pos.timed_out || pos.aborted;
    b.condition(
        types::PROGRESSING,
        progressing_ok,
        if pos.timed_out && !pos.aborted { reasons::PROGRESS_DEADLINE_EXCEEDED } else { reason },
        &message,
    );
    let available_ok = a.counts.available >= a.limits.min_available();
    b.condition(
        types::AVAILABLE,
        available_ok,
        if available_ok {
            reasons::MINIMUM_REPLICAS_AVAILABLE
        } else {
            reasons::MINIMUM_REPLICAS_UNAVAILABLE
        },
        format!(
            "{} of {} pods available (minimum {})",
            a.counts.available,
            spec.replicas,
            a.limits.min_available()
        ),
    );
    let paused = spec.paused || !pos.pauses.is_empty();
    match pos.pauses.first() {
        Some(p) => b.condition(types::PAUSED, true, &p.reason, pause_message(&p.reason)),
        None if spec.paused => {
            b.condition(types::PAUSED, true, reasons::ROLLOUT_PAUSED, "paused by spec.paused")
        }
        None => b.condition(types::PAUSED, false, reasons::NOT_PAUSED, "not paused"),
    }
    b.condition(types::HEALTHY, false, reasons::ROLLOUT_NOT_COMPLETED, &message);
    b.clear_condition(types::INVALID_SPEC);
    for note in notes {
        b.event(note);
    }
    let phase = if pos.aborted {
        RolloutPhase::Aborted
    } else if pos.timed_out {
        RolloutPhase::Degraded
    } else if paused {
        RolloutPhase::Paused
    } else {
        RolloutPhase::Progressing
    };
    let (status, transition) = b.finish(phase, message);
    let mut requeue = pos.requeue_after;
    if routed && !applied.as_ref().is_ok_and(|x| x.accepted) || !problems.is_empty() {
        requeue = Some(requeue.map_or(TRAFFIC_RECHECK, |r| r.min(TRAFFIC_RECHECK)));
    }
    let analyses = wanted_analyses(c, &pos, &a.new_hash);
    let mut p = Plan { actions, status, requeue_after: requeue, analyses };
    p.actions.extend(transition.into_iter().map(Action::Event));
    if !problems.is_empty() {
        note_traffic_problems(&mut p, &problems, obs);
    }
    p
}

/// The analyses this position waits on: background ones from their starting step until the
/// canary is promoted or aborted, and the step analysis the walk stopped at.
fn wanted_analyses(c: &CanaryStrategy, pos: &Position, hash: &str) -> Vec<crate::plan::WantedAnalysis> {
    let mut wanted = Vec::new();
    if pos.aborted {
        return wanted;
    }
    if let Some(bg) = &c.analysis {
        let from = usize::try_from(bg.starting_step.unwrap_or(0)).unwrap_or(0);
        if pos.step >= from {
            wanted.push(crate::plan::WantedAnalysis {
                point: crate::plan::AnalysisPoint::Background,
                revision: hash.to_string(),
                analysis: bg.analysis.clone(),
            });
        }
    }
    if let Some(analysis) = c.steps.get(pos.step).and_then(|s| s.analysis.as_ref()) {
        wanted.push(crate::plan::WantedAnalysis {
            point: crate::plan::AnalysisPoint::Step(i32::try_from(pos.step).unwrap_or(i32::MAX)),
            revision: hash.to_string(),
            analysis: analysis.clone(),
        });
    }
    wanted
}

/// An aborted revision gets no new ReplicaSet (its old one, if any, is only scaled down).
fn pos_aborted_already(obs: &Observed, a: &assess::Assessment) -> bool {
    obs.rollout.status.aborted_revision.as_deref() == Some(a.new_hash.as_str()) && a.existing_new.is_none()
}

/// The Paused condition's message for a pause reason.
pub(crate) fn pause_message(reason: &str) -> &'static str {
    match reason {
        steps::PAUSE_STEP => "waiting at a pause step",
        steps::AWAITING_APPROVAL => "waiting for approval of this revision",
        crate::plan::gate::AWAITING_ROLLOUT_CONFIRMATION => {
            "waiting for the confirmRollout webhooks to confirm this revision"
        }
        crate::plan::gate::AWAITING_PROMOTION_CONFIRMATION => {
            "waiting for the confirmPromotion webhooks to confirm the promotion"
        }
        crate::plan::gate::APPROVAL_REJECTED => {
            "the approval gate was rejected or expired: promote past it, or abort"
        }
        steps::INCONCLUSIVE => "an analysis was inconclusive: promote, abort or retry",
        steps::USER_PAUSE => "paused by a request",
        steps::UNSTABLE_PODS => "the new revision's pods restart or flap: abort, or replace the revision",
        _ => "paused",
    }
}

/// A pause condition that began at `now`.
fn pause(reason: &str, now: jiff::Timestamp) -> PauseCondition {
    PauseCondition {
        reason: reason.into(),
        start_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now),
    }
}
