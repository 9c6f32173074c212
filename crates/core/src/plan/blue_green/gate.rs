//! The operation requests of a blue-green rollout and what they decide: promote (the switch
//! is approved for this revision), promoteFull (approved, analysis skipped), abort, retry,
//! pause, resume, approve and reject.
//!
//! A promotion is kept as an approval record of the revision (step 0: the switch; step 1: the
//! switch with analysis skipped), so a promote given before the preview is ready still holds
//! when it is, across controller restarts, and never carries over to another revision.

use jiff::Timestamp;

use crate::{
    api::{ApprovalRecord, GateFailure, PauseCondition, RequestRecord},
    plan::{
        action::EventNote,
        canary::steps::{USER_PAUSE, carried_out, clear_pause, ensure_pause, refused, who},
        gate,
        observed::Observed,
        request::{Annotation, Op},
    },
};

/// Approval step of the switch.
pub const SWITCH: i32 = 0;
/// Approval step of the switch with analysis skipped (`promoteFull`).
pub const SWITCH_SKIPPING_ANALYSIS: i32 = 1;

/// Where the rollout stood before this pass's request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Before {
    /// Nothing to promote: one revision, serving.
    Settled,
    /// The new revision is behind the preview Service.
    Preview,
    /// The active Service was switched; the previous revision is kept for a rollback.
    Switched,
    /// The new revision was abandoned.
    Aborted,
}

/// What the request (if any) decided.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    /// The revision is abandoned.
    pub aborted: bool,
    /// It was abandoned in this pass.
    pub aborted_now: bool,
    /// Why.
    pub abort_reason: String,
    /// It was taken back from abandonment in this pass.
    pub retried: bool,
    /// Pauses, with since when.
    pub pauses: Vec<PauseCondition>,
    /// Approvals (and promotions) of this revision.
    pub approvals: Vec<ApprovalRecord>,
    /// The request handled in this pass.
    pub request: Option<RequestRecord>,
    /// Its event.
    pub notes: Vec<EventNote>,
}

impl Gate {
    /// The switch's gate for `hash`, reached at `since`.
    pub fn judge(&self, hash: &str, rule: &gate::Rule, since: Timestamp, now: Timestamp) -> gate::Decision {
        let records: Vec<ApprovalRecord> = self
            .approvals
            .iter()
            .filter(|x| x.revision == hash && (x.step == SWITCH || x.promoted))
            .cloned()
            .collect();
        gate::judge(rule, &records, since, now)
    }

    /// The switch is approved (or promoted) for `hash`, whatever the gate's time.
    pub fn approved(&self, hash: &str, rule: &gate::Rule) -> bool {
        self.judge(hash, rule, Timestamp::UNIX_EPOCH, Timestamp::UNIX_EPOCH) == gate::Decision::Open
    }

    /// Analysis is to be skipped for `hash`.
    pub fn skips_analysis(&self, hash: &str) -> bool {
        self.approvals.iter().any(|x| x.revision == hash && x.approved && x.step == SWITCH_SKIPPING_ANALYSIS)
    }

    /// Held by a `pause` request or `spec.paused`.
    pub fn held(&self, obs: &Observed) -> bool {
        obs.rollout.spec.paused || self.pauses.iter().any(|p| p.reason == USER_PAUSE)
    }
}

fn promotion(hash: &str, step: i32, by: &str, at: &str, message: &str) -> ApprovalRecord {
    ApprovalRecord {
        revision: hash.into(),
        step,
        approved: true,
        by: by.into(),
        at: at.into(),
        message: message.into(),
        groups: Vec::new(),
        promoted: true,
    }
}

/// Applies the pending request, if any, to the prior decisions for revision `hash`.
pub fn decide(obs: &Observed, hash: &str, before: Before, rule: &gate::Rule, now: Timestamp) -> Gate {
    let prior = &obs.rollout.status;
    let same = prior.updated_revision.as_deref() == Some(hash);
    let mut g = Gate {
        aborted: before == Before::Aborted,
        abort_reason: "aborted".into(),
        pauses: if same { prior.pause_conditions.clone() } else { Vec::new() },
        approvals: prior.approvals.iter().filter(|x| x.revision == hash).cloned().collect(),
        ..Gate::default()
    };
    let Some(ann) = obs.rollout.request.as_ref().filter(|r| r.pending(prior)) else { return g };
    let nothing_in_progress = before == Before::Settled;
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
            Op::Promote | Op::PromoteFull | Op::Approve | Op::Reject | Op::Abort if nothing_in_progress => {
                refused(ann, hash, "no blue-green switch is in progress")
            }
            Op::Promote | Op::PromoteFull | Op::Approve | Op::Reject if g.aborted => {
                refused(ann, hash, "the revision is aborted: retry it first")
            }
            Op::Approve if g.approvals.iter().any(|x| x.step == SWITCH && x.approved && x.by == q.by) => {
                refused(ann, hash, &format!("the switch is already approved by {}", q.by))
            }
            _ if g.approvals.len() >= gate::MAX_RECORDS && matches!(q.op, Op::Approve | Op::Reject) => {
                refused(ann, hash, "too many approvals are recorded for this revision")
            }
            Op::Approve => {
                g.approvals.push(gate::record(q, hash, SWITCH, true));
                let of_switch: Vec<ApprovalRecord> =
                    g.approvals.iter().filter(|x| x.step == SWITCH).cloned().collect();
                let what = match before {
                    Before::Switched => "the switch is kept; the previous revision is let go".to_string(),
                    _ => format!(
                        "switch {}: the active Service moves once the new revision is ready and the gate is open",
                        gate::approval_outcome(rule, &of_switch, &q.by, &q.groups)
                    ),
                };
                carried_out(ann, hash, what)
            }
            Op::Promote | Op::PromoteFull => {
                let step = if q.op == Op::PromoteFull { SWITCH_SKIPPING_ANALYSIS } else { SWITCH };
                g.approvals.push(promotion(hash, step, &q.by, &q.at, &q.message));
                let what = match (q.op, before) {
                    (Op::PromoteFull, _) => "switch approved, analysis skipped",
                    (_, Before::Switched) => "the switch is kept; the previous revision is let go",
                    _ => "switch approved: the active Service moves once the new revision is ready",
                };
                carried_out(ann, hash, what.into())
            }
            Op::Reject => {
                g.approvals.push(gate::record(q, hash, SWITCH, false));
                if rule.on_reject == GateFailure::Abort || before == Before::Switched {
                    g.aborted = true;
                    g.aborted_now = true;
                    g.abort_reason = format!(
                        "switch rejected{}",
                        if q.by.is_empty() { String::new() } else { format!(" by {}", q.by) }
                    );
                    carried_out(
                        ann,
                        hash,
                        "rejected: the active Service stays on (or returns to) stable".into(),
                    )
                } else {
                    carried_out(ann, hash, "rejected: the switch holds until promoted or aborted".into())
                }
            }
            Op::Abort if g.aborted => refused(ann, hash, "already aborted"),
            Op::Abort => {
                g.aborted = true;
                g.aborted_now = true;
                g.abort_reason = who(ann);
                carried_out(ann, hash, "the active Service stays on (or returns to) stable".into())
            }
            Op::Retry if !g.aborted => refused(ann, hash, "the revision is not aborted"),
            Op::Retry => {
                g.aborted = false;
                g.retried = true;
                g.pauses.clear();
                g.approvals.clear();
                carried_out(ann, hash, "the revision is previewed again".into())
            }
            // Carried out before the strategy (plan::operations); never pending here.
            Op::Undo | Op::Restart => refused(ann, hash, "not a blue-green operation"),
            Op::Pause => {
                ensure_pause(&mut g.pauses, USER_PAUSE, now);
                carried_out(ann, hash, "paused".into())
            }
            Op::Resume => {
                clear_pause(&mut g.pauses, USER_PAUSE);
                carried_out(ann, hash, "resumed".into())
            }
        },
    };
    g.request = Some(rec);
    g.notes.push(note);
    g
}
