//! Where a canary's steps stand: operation requests and verdicts applied first, then the
//! steps walked from the current one for as long as each is done, then the sizes and the
//! (safe) weight for the step the walk stopped at.

use std::time::Duration;

use jiff::Timestamp;

use super::{
    pause,
    sizes::{self, CanaryScale, Targets},
};
use crate::{
    api::{
        ApprovalRecord, CanaryStep, CanaryStrategy, GateFailure, PauseCondition, RequestRecord,
        SetHeaderRoute, UnstableAction, UnstablePods, WebhookKind,
    },
    plan::{
        action::EventNote,
        gate,
        observed::{AnalysisPoint, Observed, ReplicaSetView, VerdictOutcome},
        request::{Annotation, Op},
        rolling::assess::{Assessment, remaining},
        traffic::Applied,
    },
};

/// Pause reason of a pause step.
pub const PAUSE_STEP: &str = "CanaryPauseStep";
/// Pause reason of an approval step that waits.
pub const AWAITING_APPROVAL: &str = "AwaitingApproval";
/// Pause reason of an inconclusive analysis.
pub const INCONCLUSIVE: &str = "InconclusiveAnalysis";
/// Pause reason of a `pause` request.
pub const USER_PAUSE: &str = "PauseRequested";
/// Pause reason of a new revision whose pods restart or flap (`unstablePods.action: Pause`).
pub const UNSTABLE_PODS: &str = "UnstablePods";

/// Whether revision `hash`'s pods reached a limit of `u`: the reason, and whether to abort
/// (else pause).
pub(crate) fn unstable(obs: &Observed, u: Option<&UnstablePods>, hash: &str) -> Option<(String, bool)> {
    let (restarts, flaps) = obs.health_of(hash);
    let why = UnstablePods::exceeded(u, restarts, flaps)?;
    let abort = u.and_then(|u| u.action).unwrap_or_default() == UnstableAction::Abort;
    Some((format!("revision {hash} is unstable: {why}"), abort))
}
/// Event reason of a step that is done.
pub const STEP_COMPLETED: &str = "StepCompleted";
/// Event reason of a request carried out.
pub const REQUEST_CARRIED_OUT: &str = "RequestCarriedOut";
/// Event reason of a request that could not be.
pub const REQUEST_REFUSED: &str = "RequestRefused";

/// Where the canary stands after this pass's decisions.
#[derive(Clone, Debug)]
pub struct Position {
    /// The current step (`steps.len()` once promoting).
    pub step: usize,
    /// The weight the steps set so far.
    pub weight: i32,
    /// The weight the router should carry now (held back where it is not yet safe).
    pub safe_weight: i32,
    /// Sizes to move to.
    pub targets: Targets,
    /// Every step is done.
    pub promoting: bool,
    /// The canary runs `replicas` pods, all available.
    pub canary_full: bool,
    /// The canary is abandoned.
    pub aborted: bool,
    /// Why (for the message).
    pub abort_reason: String,
    /// Why it is paused, with since when.
    pub pauses: Vec<PauseCondition>,
    /// Approvals of this revision.
    pub approvals: Vec<ApprovalRecord>,
    /// A request carried out (or refused) in this pass.
    pub request: Option<RequestRecord>,
    /// Events for transitions made in this pass.
    pub notes: Vec<EventNote>,
    /// The current step, in words.
    pub describe: String,
    /// Share of available pods on the canary (replica ratio's achieved weight).
    pub ratio_weight: i32,
    /// No progress for the deadline (and not aborting for it).
    pub timed_out: bool,
    /// When progress was last seen.
    pub last_progress: Timestamp,
    /// Look again after this long even without a change.
    pub requeue_after: Option<Duration>,
    /// Header routes the route should carry now.
    pub header_routes: Vec<SetHeaderRoute>,
}

/// What the router found.
pub struct RouteState<'a> {
    /// The weight applied now (None without a router, or when it cannot say).
    pub applied: Option<Applied>,
    /// A router is configured.
    pub routed: bool,
    /// Whether the route carries exactly these header routes.
    pub headers_in_place: &'a dyn Fn(&[SetHeaderRoute]) -> bool,
}

/// The header routes in effect at step `upto` (later steps of the same name replace earlier
/// ones; one without `match` removes it).
pub fn header_routes_at(steps: &[CanaryStep], upto: usize) -> Vec<SetHeaderRoute> {
    let mut routes: Vec<SetHeaderRoute> = Vec::new();
    for h in steps.iter().take(upto + 1).filter_map(|s| s.set_header_route.as_ref()) {
        routes.retain(|x| x.name != h.name);
        if !h.matches.is_empty() {
            routes.push(h.clone());
        }
    }
    routes
}

fn record(r: &Annotation, revision: &str, outcome: String) -> RequestRecord {
    match r {
        Annotation::Request(q) => RequestRecord {
            id: q.id.clone(),
            op: q.op.as_str().into(),
            by: q.by.clone(),
            at: q.at.clone(),
            revision: revision.into(),
            outcome,
        },
        Annotation::Invalid { id, .. } => RequestRecord {
            id: id.clone(),
            op: "invalid".into(),
            by: String::new(),
            at: String::new(),
            revision: revision.into(),
            outcome,
        },
    }
}

pub(crate) fn who(r: &Annotation) -> String {
    match r {
        Annotation::Request(q) if !q.by.is_empty() => format!("{} by {}", q.op.as_str(), q.by),
        Annotation::Request(q) => q.op.as_str().to_string(),
        Annotation::Invalid { .. } => "request".into(),
    }
}

/// A request that is recorded as handled but changes nothing, with a Warning saying why.
pub fn refused(r: &Annotation, revision: &str, why: &str) -> (RequestRecord, EventNote) {
    let outcome = match r {
        Annotation::Invalid { error, .. } => format!("not a request ({error})"),
        Annotation::Request(_) => format!("refused: {why}"),
    };
    let note = EventNote::warning(REQUEST_REFUSED, format!("{}: {outcome}", who(r)));
    (record(r, revision, outcome), note)
}

pub(crate) fn carried_out(r: &Annotation, revision: &str, what: String) -> (RequestRecord, EventNote) {
    let note = EventNote::normal(REQUEST_CARRIED_OUT, format!("{}: {what}", who(r)));
    (record(r, revision, what), note)
}

pub(crate) fn ensure_pause(pauses: &mut Vec<PauseCondition>, reason: &str, now: Timestamp) -> Timestamp {
    if let Some(p) = pauses.iter().find(|p| p.reason == reason) {
        return p.start_time.0;
    }
    pauses.push(pause(reason, now));
    now
}

pub(crate) fn clear_pause(pauses: &mut Vec<PauseCondition>, reason: &str) {
    pauses.retain(|p| p.reason != reason);
}

/// The step in words.
pub fn describe(step: Option<&CanaryStep>) -> String {
    let Some(s) = step else { return "promoting".into() };
    if let Some(w) = s.set_weight {
        format!("setWeight {w}")
    } else if let Some(p) = &s.pause {
        p.duration.as_ref().map_or_else(|| "pause until promoted".into(), |d| format!("pause {}", d.as_str()))
    } else if s.approval.is_some() {
        "approval".into()
    } else if s.analysis.is_some() {
        "analysis".into()
    } else if s.set_canary_scale.is_some() {
        "setCanaryScale".into()
    } else if let Some(h) = &s.set_header_route {
        format!("setHeaderRoute {}", h.name)
    } else {
        "step".into()
    }
}

/// The weight set by the steps up to and including `upto` (0 before any `setWeight`).
fn weight_at(steps: &[CanaryStep], upto: usize) -> i32 {
    steps.iter().take(upto + 1).filter_map(|s| s.set_weight).next_back().unwrap_or(0)
}

/// The `setCanaryScale` in effect at `upto`.
fn scale_at(steps: &[CanaryStep], upto: usize) -> Option<CanaryScale> {
    let s = steps.iter().take(upto + 1).filter_map(|s| s.set_canary_scale.as_ref()).next_back()?;
    match (s.replicas, s.weight, s.match_traffic_weight) {
        (Some(n), _, _) => Some(CanaryScale::Replicas(n)),
        (None, Some(p), _) => Some(CanaryScale::Weight(p)),
        _ => None,
    }
}

/// Available and ready pods of an observed ReplicaSet, and its size.
fn pods(rs: Option<&ReplicaSetView>) -> (i32, i32, i32) {
    rs.map_or((0, 0, 0), |rs| (rs.replicas, rs.countable_ready(), rs.countable_available()))
}

/// Decides where the canary stands.
#[allow(clippy::too_many_lines)] // one walk, read top to bottom
pub fn position(
    obs: &Observed,
    c: &CanaryStrategy,
    a: &Assessment,
    stable: &ReplicaSetView,
    canary: Option<&ReplicaSetView>,
    route: &RouteState<'_>,
) -> Position {
    let (applied, routed, headers_in_place) = (route.applied, route.routed, route.headers_in_place);
    let spec = &obs.rollout.spec;
    let prior = &obs.rollout.status;
    let now = obs.now;
    let replicas = spec.replicas;
    let steps = &c.steps;
    let n = steps.len();
    let hash = a.new_hash.as_str();
    let same = prior.updated_revision.as_deref() == Some(hash);
    let mut step =
        if same { usize::try_from(prior.current_step.unwrap_or(0).max(0)).unwrap_or(0).min(n) } else { 0 };
    let mut pauses = if same { prior.pause_conditions.clone() } else { Vec::new() };
    let mut approvals: Vec<ApprovalRecord> =
        prior.approvals.iter().filter(|x| x.revision == hash).cloned().collect();
    let mut aborted = prior.aborted_revision.as_deref() == Some(hash);
    let mut abort_reason = String::from("aborted");
    let mut notes = Vec::new();
    let mut request = None;
    let mut promote_once = false;
    let mut retried = false;
    let start_step = step;
    let at_step = |i: usize| steps.get(i);

    if let Some(ann) = obs.rollout.request.as_ref().filter(|r| r.pending(prior)) {
        let (rec, note) = match ann {
            Annotation::Invalid { .. } => refused(ann, hash, ""),
            Annotation::Request(q) if q.revision.as_deref().is_some_and(|r| r != hash) => refused(
                ann,
                hash,
                &format!(
                    "it was for revision {}, the updated revision is {hash}",
                    q.revision.as_deref().unwrap_or_default()
                ),
            ),
            Annotation::Request(q) => match q.op {
                Op::Promote if aborted => refused(ann, hash, "the revision is aborted: retry it first"),
                Op::Promote => {
                    promote_once = true;
                    carried_out(ann, hash, format!("past step {} ({})", step + 1, describe(at_step(step))))
                }
                Op::PromoteFull if aborted => refused(ann, hash, "the revision is aborted: retry it first"),
                Op::PromoteFull => {
                    step = n;
                    pauses.clear();
                    carried_out(ann, hash, "every remaining step skipped".into())
                }
                Op::Abort if aborted => refused(ann, hash, "already aborted"),
                Op::Abort => {
                    aborted = true;
                    abort_reason = who(ann);
                    carried_out(ann, hash, "traffic and capacity return to stable".into())
                }
                Op::Retry if !aborted => refused(ann, hash, "the revision is not aborted"),
                Op::Retry => {
                    aborted = false;
                    retried = true;
                    step = 0;
                    pauses.clear();
                    approvals.clear();
                    carried_out(ann, hash, "the revision starts again from step 1".into())
                }
                Op::Pause => {
                    ensure_pause(&mut pauses, USER_PAUSE, now);
                    carried_out(ann, hash, "paused".into())
                }
                Op::Resume => {
                    clear_pause(&mut pauses, USER_PAUSE);
                    carried_out(ann, hash, "resumed".into())
                }
                // Carried out before the strategy (plan::operations); never pending here.
                Op::Undo | Op::Restart => refused(ann, hash, "not a canary step operation"),
                Op::Approve | Op::Reject if at_step(step).is_none_or(|s| s.approval.is_none()) || aborted => {
                    refused(ann, hash, "no approval step is waiting")
                }
                Op::Approve | Op::Reject => {
                    let approved = q.op == Op::Approve;
                    let i = i32::try_from(step).unwrap_or(i32::MAX);
                    let rule = gate::Rule::of(at_step(step).and_then(|s| s.approval.as_ref()));
                    if approved && approvals.iter().any(|x| x.step == i && x.approved && x.by == q.by) {
                        refused(ann, hash, &format!("step {} is already approved by {}", step + 1, q.by))
                    } else if approvals.len() >= gate::MAX_RECORDS {
                        refused(ann, hash, "too many approvals are recorded for this revision")
                    } else {
                        approvals.push(gate::record(q, hash, i, approved));
                        let of_step: Vec<ApprovalRecord> =
                            approvals.iter().filter(|x| x.step == i).cloned().collect();
                        let outcome = if approved {
                            gate::approval_outcome(&rule, &of_step, &q.by, &q.groups)
                        } else if rule.on_reject == GateFailure::Abort {
                            aborted = true;
                            abort_reason = format!(
                                "approval rejected{}",
                                if q.by.is_empty() { String::new() } else { format!(" by {}", q.by) }
                            );
                            "rejected: the rollout aborts".into()
                        } else {
                            "rejected: the rollout holds at this step until promoted past it or aborted"
                                .into()
                        };
                        carried_out(ann, hash, format!("step {}: {outcome}", step + 1))
                    }
                }
            },
        };
        request = Some(rec);
        notes.push(note);
    }

    // A failed verdict of this revision (background, or a step reached) aborts — except in
    // the pass that carries out a retry: those verdicts are of the attempt being retried (the
    // shell sets their runs aside before this status is written, so they are not seen again).
    // (Also for a revision aborted before: the reason is re-derived from the verdict.)
    let was_aborted = aborted && abort_reason == "aborted";
    if (!aborted || was_aborted)
        && !retried
        && let Some(v) = obs.verdicts.iter().find(|v| {
            v.revision == hash
                && v.outcome == VerdictOutcome::Failed
                && match v.point {
                    AnalysisPoint::Background => true,
                    AnalysisPoint::Step(s) => usize::try_from(s).is_ok_and(|s| s <= step),
                    AnalysisPoint::PrePromotion | AnalysisPoint::PostPromotion => false,
                }
        })
    {
        aborted = true;
        abort_reason = format!("{} analysis failed: {}", v.point.label(), v.message);
    }
    // Pods that restart or flap end the canary within their own bound, not the deadline's.
    if !aborted && let Some((why, abort)) = unstable(obs, c.unstable_pods.as_ref(), hash) {
        if abort {
            aborted = true;
            abort_reason = why;
        } else {
            ensure_pause(&mut pauses, UNSTABLE_PODS, now);
        }
    }

    let (canary_size, canary_ready, canary_available) = pods(canary);
    let (stable_size, stable_ready, stable_available) = pods(Some(stable));
    // A new revision gets no pod and no traffic until its confirmRollout webhooks say yes.
    let rollout_confirmed =
        aborted || gate::confirmed(obs, WebhookKind::ConfirmRollout, hash, &mut approvals);
    if rollout_confirmed {
        clear_pause(&mut pauses, gate::AWAITING_ROLLOUT_CONFIRMATION);
    } else {
        ensure_pause(&mut pauses, gate::AWAITING_ROLLOUT_CONFIRMATION, now);
    }
    let held = !rollout_confirmed
        || spec.paused
        || pauses.iter().any(|p| p.reason == USER_PAUSE || p.reason == UNSTABLE_PODS);
    let mut requeue_after: Option<Duration> = None;
    let mut soonest = |d: Duration| requeue_after = Some(requeue_after.map_or(d, |r: Duration| r.min(d)));

    while !aborted && !held && step < n {
        let s = &steps[step];
        let done = if let Some(weight) = s.set_weight {
            let t = sizes::targets(replicas, weight, scale_at(steps, step), routed, c.dynamic_stable_scale);
            canary_size == t.canary
                && canary_available >= t.canary
                && stable_size == t.stable
                && stable_available >= t.stable
                && (!routed || applied.is_some_and(|x| x.is(weight)))
        } else if s.set_canary_scale.is_some() {
            true
        } else if s.set_header_route.is_some() {
            headers_in_place(&header_routes_at(steps, step)) && applied.is_some_and(|x| x.accepted)
        } else if let Some(p) = &s.pause {
            if promote_once {
                promote_once = false;
                true
            } else {
                let since = ensure_pause(&mut pauses, PAUSE_STEP, now);
                match p.duration.as_ref().and_then(|d| d.parse().ok()) {
                    Some(d) => {
                        let left = remaining(since, d, now);
                        if !left.is_zero() {
                            soonest(left);
                        }
                        left.is_zero()
                    }
                    None => false,
                }
            }
        } else if let Some(g) = &s.approval {
            if std::mem::take(&mut promote_once) {
                true
            } else {
                let i = i32::try_from(step).unwrap_or(i32::MAX);
                let since = ensure_pause(&mut pauses, AWAITING_APPROVAL, now);
                let of_step: Vec<ApprovalRecord> =
                    approvals.iter().filter(|x| x.step == i).cloned().collect();
                match gate::judge(&gate::Rule::of(Some(g)), &of_step, since, now) {
                    gate::Decision::Open => true,
                    gate::Decision::Waiting { left, .. } => {
                        if let Some(l) = left {
                            soonest(l);
                        }
                        false
                    }
                    gate::Decision::Failed { reason, abort: true } => {
                        aborted = true;
                        abort_reason = reason;
                        false
                    }
                    gate::Decision::Failed { abort: false, .. } => {
                        ensure_pause(&mut pauses, gate::APPROVAL_REJECTED, now);
                        false
                    }
                }
            }
        } else if s.analysis.is_some() {
            let at = AnalysisPoint::Step(i32::try_from(step).unwrap_or(i32::MAX));
            let verdict =
                obs.verdicts.iter().find(|v| v.revision == hash && v.point == at).map(|v| v.outcome);
            match verdict {
                Some(VerdictOutcome::Successful) => true,
                _ if std::mem::take(&mut promote_once) => true,
                Some(VerdictOutcome::Inconclusive) => {
                    ensure_pause(&mut pauses, INCONCLUSIVE, now);
                    false
                }
                _ => false,
            }
        } else {
            true
        };
        if !done {
            break;
        }
        for reason in [PAUSE_STEP, AWAITING_APPROVAL, gate::APPROVAL_REJECTED, INCONCLUSIVE] {
            clear_pause(&mut pauses, reason);
        }
        notes.push(EventNote::normal(
            STEP_COMPLETED,
            format!("step {}/{n} ({}) of revision {hash} is done", step + 1, describe(Some(s))),
        ));
        step += 1;
    }
    // Promotion waits for the confirmPromotion webhooks.
    let promotion_confirmed =
        step < n || aborted || gate::confirmed(obs, WebhookKind::ConfirmPromotion, hash, &mut approvals);
    if promotion_confirmed {
        clear_pause(&mut pauses, gate::AWAITING_PROMOTION_CONFIRMATION);
    } else {
        ensure_pause(&mut pauses, gate::AWAITING_PROMOTION_CONFIRMATION, now);
    }
    let promoting = step >= n && !aborted && promotion_confirmed;
    let weight = if n == 0 { 0 } else { weight_at(steps, step.min(n - 1)) };
    let targets = if aborted || !rollout_confirmed {
        Targets { canary: 0, stable: replicas }
    } else if promoting {
        let stable = if routed {
            sizes::targets(replicas, weight, None, true, c.dynamic_stable_scale).stable
        } else {
            0
        };
        Targets { canary: replicas, stable }
    } else {
        sizes::targets(replicas, weight, scale_at(steps, step), routed, c.dynamic_stable_scale)
    };

    // The router's weight, where it is safe to put it.
    let desired = if aborted || !rollout_confirmed { 0 } else { weight };
    let now_w = applied.and_then(|x| x.weight).unwrap_or(0);
    let canary_needed = |w: i32| match scale_at(steps, step.min(n.saturating_sub(1))) {
        _ if w == 0 => 0,
        Some(CanaryScale::Replicas(k)) => k.clamp(1, replicas),
        Some(CanaryScale::Weight(p)) => sizes::share_up(replicas, p).max(1),
        None => sizes::share_up(replicas, w),
    };
    let mut safe_weight = desired;
    // Rising: only once the canary has every pod for the new weight.
    if safe_weight > now_w && canary_available < canary_needed(safe_weight) {
        safe_weight = now_w;
    }
    // Falling: as far as stable's available pods can carry (stable's share `100 - w` needs
    // `replicas - floor(replicas × w / 100)` pods); the rest follows as stable grows.
    if safe_weight < now_w && replicas > 0 {
        let missing = i64::from((replicas - stable_available).max(0));
        let lowest =
            i32::try_from((missing * 100 + i64::from(replicas) - 1) / i64::from(replicas)).unwrap_or(100);
        safe_weight = safe_weight.max(lowest.min(now_w));
    }
    if safe_weight > 0 && canary_ready == 0 && stable_ready > 0 {
        safe_weight = 0;
    }
    if safe_weight < 100 && stable_ready == 0 && canary_ready > 0 {
        safe_weight = 100;
    }

    let progressed = !same || step != start_step || request.is_some() || a.counts.progressed_since(prior);
    let paused_now = held || !pauses.is_empty();
    let last_progress = match &prior.last_progress_time {
        Some(t) if !progressed && !paused_now && !aborted => t.0,
        _ => now,
    };
    let mut timed_out = !aborted && !paused_now && remaining(last_progress, a.deadline, now).is_zero();
    if timed_out && spec.progress_deadline_abort {
        aborted = true;
        timed_out = false;
        abort_reason = format!("no progress for {}", spec.progress_deadline.as_str());
    }
    if !aborted && !paused_now && !timed_out {
        soonest(remaining(last_progress, a.deadline, now) + Duration::from_secs(1));
    }
    let total_available = canary_available + stable_available;
    let ratio_weight = if total_available == 0 {
        0
    } else {
        i32::try_from(
            (i64::from(canary_available) * 100 + i64::from(total_available) / 2) / i64::from(total_available),
        )
        .unwrap_or(0)
    };
    let step_text = describe(steps.get(step));
    // Header routes send requests to the canary whatever the weight: only while it has ready
    // pods, and never once it is aborted or being promoted.
    let header_routes = if aborted || promoting || canary_ready == 0 || n == 0 {
        Vec::new()
    } else {
        header_routes_at(steps, step.min(n - 1))
    };
    Position {
        step,
        weight: if promoting { 100 } else { desired },
        safe_weight,
        targets,
        promoting,
        canary_full: canary_size == replicas && canary_available >= replicas,
        aborted,
        abort_reason,
        pauses,
        approvals,
        request,
        notes,
        describe: step_text,
        ratio_weight,
        timed_out,
        last_progress,
        requeue_after,
        header_routes,
    }
}
