//! Blue-green: the new revision comes up beside the active one behind the preview Service;
//! once its pods are available (and pre-promotion analysis passed, and the promotion waited
//! for `autoPromotionAfter` or was approved) the active Service's selector is switched to it
//! in one write; the previous revision is kept for `scaleDownDelay`, so a rollback is one
//! more selector write, then scaled down within the PodDisruptionBudgets.
//!
//! ```text
//!  Settled ──new template──► Preview ──ready, analysis, promotion──► switch ──► Switched
//!     ▲                         │ abort / failed analysis                │ post-promotion
//!     │                         ▼                                        │ analysis passes
//!     │                      Aborted ◄──── abort / failed analysis ──────┤
//!     └──────────────── previous revision scaled down after scaleDownDelay ◄┘
//! ```
//!
//! The stage is read from the cluster, not remembered: the revision the active Service selects
//! is the one serving, whatever status says (a switch written just before a crash is seen as
//! done). Safety, at every pass: the active Service is switched only to a revision with every
//! replica available, and back (on abort) only once the stable revision has every replica
//! available again — or at once if the new revision has no ready pod at all; nothing that
//! serves is scaled down; scale-downs keep within the PodDisruptionBudgets.

mod gate;

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use gate::{Before, Gate};
pub use gate::{SWITCH, SWITCH_SKIPPING_ANALYSIS};

use super::revision::Desired;
use super::{
    Plan,
    action::{Action, EventNote},
    budget::DisruptionLedger,
    canary::steps::{INCONCLUSIVE, UNSTABLE_PODS, clear_pause, ensure_pause, unstable},
    observed::{AnalysisPoint, Observed, ReplicaSetView, VerdictOutcome},
    replicas::Limits,
    revision,
    rolling::{self, assess, assess::remaining},
    status::StatusBuilder,
    traffic::{select, selects},
    working::Working,
};
use crate::api::{
    BlueGreenStrategy, RolloutPhase,
    condition::{events, keys, reasons, types},
};

/// Pause reason while the preview waits for its promotion.
pub const PREVIEW_PAUSE: &str = "BlueGreenPause";
/// Default `scaleDownDelay` and `abortScaleDownDelay`.
pub const DEFAULT_SCALE_DOWN_DELAY: Duration = Duration::from_secs(30);
/// Event reason of the switch of the active Service.
pub const SWITCHED: &str = "ActiveServiceSwitched";
/// Event reason of the switch back after an abort.
pub const SWITCHED_BACK: &str = "ActiveServiceSwitchedBack";

fn delay(d: Option<&crate::api::DurationString>) -> Duration {
    d.and_then(|d| d.parse().ok()).unwrap_or(DEFAULT_SCALE_DOWN_DELAY)
}

fn later(now: Timestamp, d: Duration) -> Timestamp {
    jiff::SignedDuration::try_from(d).ok().and_then(|d| now.checked_add(d).ok()).unwrap_or(now)
}

/// What this pass saw and decided, carried into the status.
struct Pass<'a> {
    obs: &'a Observed,
    b: &'a BlueGreenStrategy,
    a: assess::Assessment,
    stable: Option<ReplicaSetView>,
    gate: Gate,
    actions: Vec<Action>,
    notes: Vec<EventNote>,
    requeue: Option<Duration>,
    scale_down_at: Option<Timestamp>,
    stable_revision: Option<String>,
    message: String,
    phase: RolloutPhase,
    timed_out: bool,
    last_progress: Timestamp,
    /// Analyses consulted in this pass (the runs to have).
    wanted: Vec<crate::plan::WantedAnalysis>,
}

impl Pass<'_> {
    fn soonest(&mut self, d: Duration) {
        self.requeue = Some(self.requeue.map_or(d, |r| r.min(d)));
    }

    /// The verdict at `at`, and the analysis marked as wanted (it is being waited on).
    fn verdict(&mut self, at: AnalysisPoint) -> Option<VerdictOutcome> {
        let analysis = match at {
            AnalysisPoint::PrePromotion => self.b.pre_promotion_analysis.as_ref(),
            AnalysisPoint::PostPromotion => self.b.post_promotion_analysis.as_ref(),
            AnalysisPoint::Background | AnalysisPoint::Step(_) => None,
        };
        if let Some(analysis) = analysis
            && !self.wanted.iter().any(|w| w.point == at)
        {
            self.wanted.push(crate::plan::WantedAnalysis {
                point: at,
                revision: self.a.new_hash.clone(),
                analysis: analysis.clone(),
            });
        }
        // Verdicts seen in the pass that carries out a retry are of the attempt retried.
        if self.gate.retried {
            return None;
        }
        self.obs.verdicts.iter().find(|v| v.revision == self.a.new_hash && v.point == at).map(|v| v.outcome)
    }

    /// The message of the verdict at `at`.
    fn verdict_message(&self, at: AnalysisPoint) -> String {
        let v = self.obs.verdicts.iter().find(|v| v.revision == self.a.new_hash && v.point == at);
        v.map(|v| v.message.clone()).unwrap_or_default()
    }
}

/// Plans one pass of a blue-green rollout.
pub fn plan(obs: &Observed, b: &BlueGreenStrategy, template: &Desired) -> Plan {
    let replicas = obs.rollout.spec.replicas.max(0);
    // The preview comes up in full beside the active revision: no surge bound; nothing that
    // serves is ever taken below its size, so no unavailability either.
    let limits = Limits { replicas, max_surge: replicas, max_unavailable: 0 };
    let a = assess::assess(obs, limits, template);
    let selected = |svc: &str| -> Option<String> {
        let s = obs.traffic.services.iter().find(|s| s.name == svc)?;
        let h = s.selector.get(keys::POD_TEMPLATE_HASH)?;
        a.live.iter().any(|rs| &rs.pod_template_hash == h).then(|| h.clone())
    };
    let active = selected(&b.active_service);
    let prior = &obs.rollout.status;
    // The revision to return to: the recorded stable one, or else whichever other revision
    // the active Service sends traffic to now.
    let stable = prior
        .stable_revision
        .as_deref()
        .filter(|h| *h != a.new_hash)
        .or(active.as_deref().filter(|h| *h != a.new_hash))
        .and_then(|h| a.live.iter().find(|rs| rs.pod_template_hash == h))
        .cloned();
    let was_aborted = prior.aborted_revision.as_deref() == Some(a.new_hash.as_str());
    let before = match (&stable, active.as_deref()) {
        (None, _) => Before::Settled,
        (Some(_), _) if was_aborted => Before::Aborted,
        (Some(_), Some(h)) if h == a.new_hash => Before::Switched,
        (Some(_), _) => Before::Preview,
    };
    let rule = crate::plan::gate::Rule::of(b.approval.as_ref());
    let gate = gate::decide(obs, &a.new_hash, before, &rule, obs.now);
    let mut p = Pass {
        obs,
        b,
        last_progress: obs.now,
        wanted: Vec::new(),
        a,
        stable,
        notes: gate.notes.clone(),
        gate,
        actions: Vec::new(),
        requeue: None,
        scale_down_at: prior.scale_down_at.as_ref().map(|t| t.0),
        stable_revision: prior.stable_revision.clone(),
        message: String::new(),
        phase: RolloutPhase::Progressing,
        timed_out: false,
    };
    let mut w = Working::new(&obs.replica_sets, limits);
    let mut ledger = DisruptionLedger::new(&obs.disruption_budgets, &obs.replica_sets);
    match (before, p.gate.aborted) {
        (Before::Settled, _) => settled(&mut p, &mut w, &mut ledger, template),
        (_, true) => aborted(&mut p, &mut w, &mut ledger),
        (Before::Switched, false) => switched(&mut p, &mut w, &mut ledger),
        (Before::Preview | Before::Aborted, false) => preview(&mut p, &mut w, &mut ledger, template),
    }
    finish(p, w, &ledger)
}

/// Scales `name` down towards `to` within the budgets.
fn shrink(
    w: &mut Working,
    ledger: &mut DisruptionLedger<'_>,
    observed: &[ReplicaSetView],
    name: &str,
    to: i32,
) {
    let size = w.size(name);
    if size <= to {
        return;
    }
    let to = observed.iter().find(|o| o.name == name).map_or(to, |o| ledger.clamp_scale_down(o, to));
    w.scale(name, to);
}

fn grow(w: &mut Working, name: &str, to: i32) {
    if w.get(name).is_some() && w.size(name) < to {
        w.scale(name, to);
    }
}

fn available(w: &Working, name: &str) -> i32 {
    w.get(name).map_or(0, ReplicaSetView::countable_available)
}

fn ready(w: &Working, name: &str) -> i32 {
    w.get(name).map_or(0, ReplicaSetView::countable_ready)
}

/// ReplicaSets with pods other than `keep`.
fn others(w: &Working, keep: &[&str]) -> Vec<String> {
    w.rss
        .iter()
        .filter(|rs| rs.replicas > 0 && !keep.contains(&rs.name.as_str()))
        .map(|rs| rs.name.clone())
        .collect()
}

/// Every ReplicaSet but `keep` goes to 0 once `scale_down_at` has passed (set now plus
/// `after` if there is something to scale down and no time is set).
fn scale_down_rest(
    p: &mut Pass<'_>,
    w: &mut Working,
    ledger: &mut DisruptionLedger<'_>,
    keep: &[&str],
    after: Duration,
) {
    if others(w, keep).is_empty() {
        return;
    }
    let at = *p.scale_down_at.get_or_insert_with(|| later(p.obs.now, after));
    if at > p.obs.now {
        let left = Duration::try_from(at.duration_since(p.obs.now)).unwrap_or(Duration::ZERO);
        p.soonest(left.max(Duration::from_millis(1)));
        return;
    }
    scale_down_superseded(p, w, ledger, keep);
}

/// Superseded previews (neither serving nor the rollback target) go at once.
fn scale_down_superseded(p: &Pass<'_>, w: &mut Working, ledger: &mut DisruptionLedger<'_>, keep: &[&str]) {
    for name in others(w, keep) {
        shrink(w, ledger, &p.obs.replica_sets, &name, 0);
    }
}

/// One revision: the template's, at full size, both Services on it; the previous revision
/// scaled down after `scaleDownDelay`.
fn settled(p: &mut Pass<'_>, w: &mut Working, ledger: &mut DisruptionLedger<'_>, template: &Desired) {
    let replicas = p.a.limits.replicas;
    let paused = p.gate.held(p.obs);
    if !paused && let Some((action, note)) = rolling::ensure_new(p.obs, w, &p.a, template, replicas) {
        p.actions.push(action);
        p.notes.extend(note);
    }
    let new = p.a.new_name.clone();
    if !paused {
        grow(w, &new, replicas);
    }
    let delay = delay(p.b.scale_down_delay.as_ref());
    scale_down_rest(p, w, ledger, &[new.as_str()], delay);
    for svc in [Some(p.b.active_service.as_str()), p.b.preview_service.as_deref()].into_iter().flatten() {
        p.actions.extend(select(p.obs, svc, &p.a.new_hash));
    }
    let serving = selects(p.obs, &p.b.active_service, &p.a.new_hash);
    let full = available(w, &new) >= replicas && w.size(&new) == replicas;
    let rest_gone = w.rss.iter().all(|rs| rs.name == new || (rs.replicas == 0 && rs.status.replicas == 0));
    if rest_gone {
        p.scale_down_at = None;
        let old: Vec<&ReplicaSetView> = p.a.live.iter().filter(|rs| rs.name != new).collect();
        for rs in revision::history_to_delete(&old, p.obs.rollout.spec.revision_history_limit) {
            p.actions.push(Action::DeleteReplicaSet { name: rs.name.clone() });
            p.notes.push(EventNote::normal(
                events::REPLICA_SET_DELETED,
                format!(
                    "Deleted old ReplicaSet {} (revision {}) beyond revisionHistoryLimit",
                    rs.name, rs.revision
                ),
            ));
        }
    }
    if serving && full {
        p.stable_revision = Some(p.a.new_hash.clone());
        p.phase = if paused { RolloutPhase::Paused } else { RolloutPhase::Healthy };
        p.message = format!("revision {}: {replicas}/{replicas} replicas available, active", p.a.new_hash);
    } else {
        p.message =
            format!("revision {}: {} of {replicas} replicas available", p.a.new_hash, available(w, &new));
        p.phase = if paused { RolloutPhase::Paused } else { RolloutPhase::Progressing };
        deadline(p, paused);
    }
}

/// The progress deadline while waiting on pods (not while paused).
fn deadline(p: &mut Pass<'_>, paused: bool) {
    let prior = &p.obs.rollout.status;
    let progressed = p.a.progressed || p.gate.request.is_some() || p.gate.retried;
    p.last_progress = match &prior.last_progress_time {
        Some(t) if !progressed && !paused => t.0,
        _ => p.obs.now,
    };
    if paused {
        return;
    }
    let left = remaining(p.last_progress, p.a.deadline, p.obs.now);
    if left.is_zero() {
        p.timed_out = true;
    } else {
        p.soonest(left + Duration::from_secs(1));
    }
}

/// The new revision behind the preview Service; the active one serving.
fn preview(p: &mut Pass<'_>, w: &mut Working, ledger: &mut DisruptionLedger<'_>, template: &Desired) {
    let Some(stable) = p.stable.clone() else { return };
    let replicas = p.a.limits.replicas;
    let hash = p.a.new_hash.clone();
    let preview_size = p.b.preview_replicas.unwrap_or(replicas).clamp(0, replicas);
    if unstable_ends(p) {
        return aborted(p, w, ledger);
    }
    // The new revision gets no pod until its confirmRollout webhooks say yes.
    let confirmed_rollout = crate::plan::gate::confirmed(
        p.obs,
        crate::api::WebhookKind::ConfirmRollout,
        &hash,
        &mut p.gate.approvals,
    );
    let preview_size = if confirmed_rollout {
        clear_pause(&mut p.gate.pauses, crate::plan::gate::AWAITING_ROLLOUT_CONFIRMATION);
        preview_size
    } else {
        ensure_pause(&mut p.gate.pauses, crate::plan::gate::AWAITING_ROLLOUT_CONFIRMATION, p.obs.now);
        0
    };
    let held =
        !confirmed_rollout || p.gate.held(p.obs) || p.gate.pauses.iter().any(|x| x.reason == UNSTABLE_PODS);
    // Promoting once approved (promote, approve, autoPromotionAfter elapsed), or already
    // grown past the preview size for it.
    let rule = crate::plan::gate::Rule::of(p.b.approval.as_ref());
    let mut approved =
        p.gate.approved(&hash, &rule) || w.get(&p.a.new_name).is_some_and(|rs| rs.replicas > preview_size);
    if !held && let Some((action, note)) = rolling::ensure_new(p.obs, w, &p.a, template, preview_size) {
        p.actions.push(action);
        p.notes.extend(note);
    }
    let new = p.a.new_name.clone();
    grow(w, &stable.name, replicas);
    scale_down_superseded(p, w, ledger, &[new.as_str(), stable.name.as_str()]);
    // Created smaller when a superseded preview still held pods: grown to the preview size.
    if !held {
        grow(w, &new, preview_size);
    }
    if let Some(svc) = p.b.preview_service.as_deref() {
        p.actions.extend(select(p.obs, svc, &hash));
    }
    p.actions.extend(select(p.obs, &p.b.active_service, &stable.pod_template_hash));

    let preview_ready = w.size(&new) >= preview_size && available(w, &new) >= preview_size;
    let mut waiting = "the preview's pods to be available".to_string();
    let mut paused = held;
    if preview_ready && !held {
        // Pre-promotion analysis.
        let skip = p.gate.skips_analysis(&hash) || p.b.pre_promotion_analysis.is_none();
        let analysis_ok = skip
            || match p.verdict(AnalysisPoint::PrePromotion) {
                Some(VerdictOutcome::Successful) => true,
                Some(VerdictOutcome::Failed) => {
                    let why = format!(
                        "pre-promotion analysis failed: {}",
                        p.verdict_message(AnalysisPoint::PrePromotion)
                    );
                    abort(p, &why);
                    return aborted(p, w, ledger);
                }
                Some(VerdictOutcome::Inconclusive) if !approved => {
                    ensure_pause(&mut p.gate.pauses, INCONCLUSIVE, p.obs.now);
                    paused = true;
                    waiting = "a decision on the inconclusive pre-promotion analysis".into();
                    false
                }
                Some(VerdictOutcome::Inconclusive) => true,
                Some(VerdictOutcome::Running) | None => {
                    waiting = "pre-promotion analysis".into();
                    false
                }
            };
        if analysis_ok && !approved {
            let since = ensure_pause(&mut p.gate.pauses, PREVIEW_PAUSE, p.obs.now);
            let auto = p.b.auto_promotion_enabled.unwrap_or(true) && p.b.approval.is_none();
            let after: Option<Duration> = p.b.auto_promotion_after.as_ref().and_then(|d| d.parse().ok());
            if p.b.approval.is_some() {
                use crate::plan::gate::{APPROVAL_REJECTED, Decision};
                match p.gate.judge(&hash, &rule, since, p.obs.now) {
                    Decision::Open => approved = true,
                    Decision::Waiting { have, need, left } => {
                        if let Some(l) = left {
                            p.soonest(l);
                        }
                        paused = true;
                        waiting = format!("approvals of the switch ({have} of {need})");
                    }
                    Decision::Failed { reason, abort: true } => {
                        abort(p, &reason);
                        return aborted(p, w, ledger);
                    }
                    Decision::Failed { reason, abort: false } => {
                        ensure_pause(&mut p.gate.pauses, APPROVAL_REJECTED, p.obs.now);
                        paused = true;
                        waiting = format!("a promote or an abort ({reason})");
                    }
                }
            } else {
                match (auto, after) {
                    (true, None) => approved = true,
                    (true, Some(d)) => {
                        let left = remaining(since, d, p.obs.now);
                        if left.is_zero() {
                            approved = true;
                        } else {
                            p.soonest(left);
                            paused = true;
                            waiting = format!("automatic promotion in {}s", left.as_secs().max(1));
                        }
                    }
                    (false, _) => {
                        paused = true;
                        waiting = "promotion (kubectl ramp promote) or an approval".into();
                    }
                }
            }
        }
        let confirmed_promotion = !(analysis_ok && approved)
            || crate::plan::gate::confirmed(
                p.obs,
                crate::api::WebhookKind::ConfirmPromotion,
                &hash,
                &mut p.gate.approvals,
            );
        if confirmed_promotion {
            clear_pause(&mut p.gate.pauses, crate::plan::gate::AWAITING_PROMOTION_CONFIRMATION);
        } else {
            ensure_pause(&mut p.gate.pauses, crate::plan::gate::AWAITING_PROMOTION_CONFIRMATION, p.obs.now);
            paused = true;
            waiting = "the confirmPromotion webhooks to confirm the switch".into();
        }
        if analysis_ok && approved && confirmed_promotion {
            p.gate.pauses.retain(|x| {
                x.reason != PREVIEW_PAUSE
                    && x.reason != INCONCLUSIVE
                    && x.reason != crate::plan::gate::APPROVAL_REJECTED
            });
            paused = false;
            grow(w, &new, replicas);
            if w.size(&new) == replicas && available(w, &new) >= replicas {
                // The switch: one write of the active Service's selector.
                p.actions.extend(select(p.obs, &p.b.active_service, &hash));
                p.actions.retain(|x| {
                    !matches!(x, Action::SetServiceSelector(s)
                    if s.service == p.b.active_service && s.hash != hash)
                });
                p.notes.push(EventNote::normal(
                    SWITCHED,
                    format!(
                        "active Service {} switched from revision {} to {hash}",
                        p.b.active_service, stable.pod_template_hash
                    ),
                ));
                waiting = "the switch to be seen".into();
            } else {
                waiting = format!("{} of {replicas} pods available before the switch", available(w, &new));
            }
        }
    } else if !held {
        clear_pause(&mut p.gate.pauses, PREVIEW_PAUSE);
    }
    p.phase = if paused { RolloutPhase::Paused } else { RolloutPhase::Progressing };
    p.message = format!("revision {hash} in preview: waiting for {waiting}");
    deadline(p, paused || preview_ready);
    if p.timed_out && p.obs.rollout.spec.progress_deadline_abort {
        p.timed_out = false;
        abort(p, &format!("no progress for {}", p.obs.rollout.spec.progress_deadline.as_str()));
        aborted(p, w, ledger);
    }
}

/// Whether the new revision's pods restart or flap past their limit: aborting (returns
/// true) or pausing.
fn unstable_ends(p: &mut Pass<'_>) -> bool {
    match unstable(p.obs, p.b.unstable_pods.as_ref(), &p.a.new_hash) {
        Some((why, true)) => {
            abort(p, &why);
            true
        }
        Some((_, false)) => {
            ensure_pause(&mut p.gate.pauses, UNSTABLE_PODS, p.obs.now);
            false
        }
        None => false,
    }
}

fn abort(p: &mut Pass<'_>, why: &str) {
    p.gate.aborted = true;
    p.gate.aborted_now = true;
    p.gate.abort_reason = why.into();
}

/// The active Service on the new revision; the previous one kept at full size until
/// post-promotion analysis passes (or is skipped), then let go.
fn switched(p: &mut Pass<'_>, w: &mut Working, ledger: &mut DisruptionLedger<'_>) {
    let Some(stable) = p.stable.clone() else { return };
    let replicas = p.a.limits.replicas;
    let hash = p.a.new_hash.clone();
    let new = p.a.new_name.clone();
    grow(w, &new, replicas);
    scale_down_superseded(p, w, ledger, &[new.as_str(), stable.name.as_str()]);
    if let Some(svc) = p.b.preview_service.as_deref() {
        p.actions.extend(select(p.obs, svc, &hash));
    }
    p.gate.pauses.retain(|x| x.reason != PREVIEW_PAUSE);
    if unstable_ends(p) {
        return aborted(p, w, ledger);
    }
    let held_unstable = p.gate.pauses.iter().any(|x| x.reason == UNSTABLE_PODS);
    let skip = p.gate.skips_analysis(&hash) || p.b.post_promotion_analysis.is_none();
    let done = skip
        || match p.verdict(AnalysisPoint::PostPromotion) {
            Some(VerdictOutcome::Successful) => true,
            Some(VerdictOutcome::Failed) => {
                let why = format!(
                    "post-promotion analysis failed: {}",
                    p.verdict_message(AnalysisPoint::PostPromotion)
                );
                abort(p, &why);
                return aborted(p, w, ledger);
            }
            Some(VerdictOutcome::Inconclusive) => {
                // Only a promotion asked for now decides it (one given before the switch
                // approved the switch, not this).
                let decided = p.gate.request.as_ref().is_some_and(|r| {
                    ["promote", "promoteFull", "approve"].contains(&r.op.as_str())
                        && !r.outcome.starts_with("refused")
                });
                if !decided {
                    ensure_pause(&mut p.gate.pauses, INCONCLUSIVE, p.obs.now);
                }
                decided
            }
            Some(VerdictOutcome::Running) | None => false,
        };
    if done && !held_unstable {
        p.gate.pauses.retain(|x| x.reason != INCONCLUSIVE);
        p.stable_revision = Some(hash.clone());
        p.scale_down_at = Some(later(p.obs.now, delay(p.b.scale_down_delay.as_ref())));
        p.soonest(Duration::from_secs(1));
        p.message = format!(
            "revision {hash} is active; revision {} is kept for scaleDownDelay",
            stable.pod_template_hash
        );
        p.phase = RolloutPhase::Progressing;
    } else {
        let paused = p.gate.held(p.obs)
            || p.gate.pauses.iter().any(|x| x.reason == INCONCLUSIVE || x.reason == UNSTABLE_PODS);
        p.phase = if paused { RolloutPhase::Paused } else { RolloutPhase::Progressing };
        p.message = format!(
            "revision {hash} is active; waiting for post-promotion analysis before letting {} go",
            stable.pod_template_hash
        );
    }
}

/// The new revision abandoned: the stable one back at full size, then the active Service
/// back on it, then (after `abortScaleDownDelay`) the new one scaled down.
fn aborted(p: &mut Pass<'_>, w: &mut Working, ledger: &mut DisruptionLedger<'_>) {
    let Some(stable) = p.stable.clone() else { return };
    let replicas = p.a.limits.replicas;
    let hash = p.a.new_hash.clone();
    let new = p.a.new_name.clone();
    if p.gate.aborted_now {
        p.scale_down_at = Some(later(p.obs.now, delay(p.b.abort_scale_down_delay.as_ref())));
    }
    p.gate.pauses.retain(|x| x.reason != PREVIEW_PAUSE && x.reason != INCONCLUSIVE);
    grow(w, &stable.name, replicas);
    // The switch back: only to a stable revision that can carry everything, unless the new
    // one has no ready pod at all (then anything is better).
    let serving_new = selects(p.obs, &p.b.active_service, &hash);
    let stable_full = available(w, &stable.name) >= replicas;
    let back = !serving_new || stable_full || (ready(w, &new) == 0 && ready(w, &stable.name) > 0);
    if back {
        if serving_new {
            p.notes.push(EventNote::normal(
                SWITCHED_BACK,
                format!(
                    "active Service {} switched back to revision {}",
                    p.b.active_service, stable.pod_template_hash
                ),
            ));
        }
        for svc in [Some(p.b.active_service.as_str()), p.b.preview_service.as_deref()].into_iter().flatten() {
            p.actions.extend(select(p.obs, svc, &stable.pod_template_hash));
        }
        let delay = delay(p.b.abort_scale_down_delay.as_ref());
        scale_down_rest(p, w, ledger, &[stable.name.as_str()], delay);
    } else {
        scale_down_superseded(p, w, ledger, &[new.as_str(), stable.name.as_str()]);
    }
    p.phase = RolloutPhase::Aborted;
    p.stable_revision = Some(stable.pod_template_hash.clone());
    p.message = format!(
        "revision {hash} aborted ({}); {}",
        p.gate.abort_reason,
        if back {
            format!("active Service on stable revision {}", stable.pod_template_hash)
        } else {
            format!(
                "waiting for stable revision {} to be available before switching back",
                stable.pod_template_hash
            )
        }
    );
}

fn finish(mut p: Pass<'_>, w: Working, ledger: &DisruptionLedger<'_>) -> Plan {
    let obs = p.obs;
    let spec = &obs.rollout.spec;
    let mut actions = std::mem::take(&mut p.actions);
    // Creates first, then Service writes, then scales: the switch never waits on a scale.
    let scales = w.into_actions();
    let creates: Vec<Action> =
        actions.iter().filter(|a| !matches!(a, Action::SetServiceSelector(_))).cloned().collect();
    let selectors: Vec<Action> =
        actions.drain(..).filter(|a| matches!(a, Action::SetServiceSelector(_))).collect();
    actions = creates.into_iter().chain(selectors).chain(scales).collect();

    let mut b = StatusBuilder::new(obs);
    b.counts(&p.a.counts);
    let serving_new = selects(obs, &p.b.active_service, &p.a.new_hash);
    {
        let st = b.status_mut();
        st.updated_revision = Some(p.a.new_hash.clone());
        st.collision_count = p.a.collision_count;
        st.current_step = None;
        st.weight = Some(if serving_new && !p.gate.aborted { 100 } else { 0 });
        st.achieved_weight = st.weight;
        st.pause_conditions.clone_from(&p.gate.pauses);
        st.approvals.clone_from(&p.gate.approvals);
        st.aborted_revision = p.gate.aborted.then(|| p.a.new_hash.clone());
        st.stable_revision.clone_from(&p.stable_revision);
        st.scale_down_at = p.scale_down_at.map(Time);
        st.last_progress_time = Some(Time(p.last_progress));
        if let Some(r) = &p.gate.request {
            st.last_request = Some(r.clone());
        }
    }
    let phase =
        if p.timed_out && p.phase == RolloutPhase::Progressing { RolloutPhase::Degraded } else { p.phase };
    let healthy = phase == RolloutPhase::Healthy;
    let progressing_reason = match phase {
        RolloutPhase::Aborted => reasons::ROLLOUT_ABORTED,
        RolloutPhase::Degraded => reasons::PROGRESS_DEADLINE_EXCEEDED,
        RolloutPhase::Healthy => reasons::NEW_REPLICA_SET_AVAILABLE,
        _ => reasons::REPLICA_SET_UPDATED,
    };
    b.condition(types::PROGRESSING, phase != RolloutPhase::Degraded, progressing_reason, &p.message);
    let available_ok = p.a.counts.available >= p.a.limits.replicas;
    b.condition(
        types::AVAILABLE,
        available_ok,
        if available_ok {
            reasons::MINIMUM_REPLICAS_AVAILABLE
        } else {
            reasons::MINIMUM_REPLICAS_UNAVAILABLE
        },
        format!("{} of {} pods available", p.a.counts.available, p.a.limits.replicas),
    );
    match p.gate.pauses.first() {
        Some(x) => b.condition(types::PAUSED, true, &x.reason, pause_message(&x.reason)),
        None if spec.paused => {
            b.condition(types::PAUSED, true, reasons::ROLLOUT_PAUSED, "paused by spec.paused")
        }
        None => b.condition(types::PAUSED, false, reasons::NOT_PAUSED, "not paused"),
    }
    b.condition(
        types::HEALTHY,
        healthy,
        if healthy { reasons::ROLLOUT_COMPLETED } else { reasons::ROLLOUT_NOT_COMPLETED },
        &p.message,
    );
    b.clear_condition(types::INVALID_SPEC);
    for n in p.notes.drain(..) {
        b.event(n);
    }
    if ledger.blocked.is_some() {
        p.soonest(rolling::BLOCKED_RECHECK);
    }
    let (status, events) = b.finish(phase, p.message.clone());
    let mut plan =
        Plan { actions, status, requeue_after: p.requeue, analyses: std::mem::take(&mut p.wanted) };
    plan.actions.extend(events.into_iter().map(Action::Event));
    let missing: Vec<String> = [Some(p.b.active_service.as_str()), p.b.preview_service.as_deref()]
        .into_iter()
        .flatten()
        .filter(|n| !obs.traffic.services.iter().any(|s| s.name == *n))
        .map(|n| format!("Service {n} does not exist"))
        .collect();
    if !missing.is_empty() {
        super::canary::note_traffic_problems(&mut plan, &missing, obs);
    }
    plan
}

fn pause_message(reason: &str) -> &'static str {
    match reason {
        PREVIEW_PAUSE => "the preview waits for its promotion",
        other => super::canary::pause_message(other),
    }
}
