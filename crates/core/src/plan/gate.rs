//! Approval gates, shared by the canary `approval` step and the blue-green switch: how many
//! approvals a gate needs, whose count, when it expires, and what a rejection does.
//!
//! The records are `status.approvals` of one revision and one step, so an approval of an
//! earlier revision never opens a later one. A gate opens once `required` different people
//! (members of one of `groups`, when named) approved it, or once someone promoted past it; one
//! rejection fails it, as does reaching `timeout` without enough approvals.

use std::{collections::BTreeSet, time::Duration};

use jiff::Timestamp;

use super::{observed::Observed, request::Request};
use crate::api::{ApprovalRecord, ApprovalStep, GateFailure, WebhookKind};

/// Pause reason of a gate that failed with `onReject: pause`.
pub const APPROVAL_REJECTED: &str = "ApprovalRejected";

/// Pause reason while `confirmRollout` webhooks have not all confirmed the new revision.
pub const AWAITING_ROLLOUT_CONFIRMATION: &str = "AwaitingRolloutConfirmation";
/// Pause reason while `confirmPromotion` webhooks have not all confirmed the promotion.
pub const AWAITING_PROMOTION_CONFIRMATION: &str = "AwaitingPromotionConfirmation";
/// The approval record step of a `confirmRollout` webhook's confirmation.
pub const CONFIRM_ROLLOUT_STEP: i32 = -1;
/// The approval record step of a `confirmPromotion` webhook's confirmation.
pub const CONFIRM_PROMOTION_STEP: i32 = -2;
/// How a webhook's confirmation is recorded as `by`.
pub const WEBHOOK_PREFIX: &str = "webhook/";

/// The record step of a webhook gate.
pub fn confirm_step(kind: WebhookKind) -> i32 {
    if kind == WebhookKind::ConfirmPromotion { CONFIRM_PROMOTION_STEP } else { CONFIRM_ROLLOUT_STEP }
}

/// The pause reason of a webhook gate that waits.
pub fn confirm_pause(kind: WebhookKind) -> &'static str {
    if kind == WebhookKind::ConfirmPromotion {
        AWAITING_PROMOTION_CONFIRMATION
    } else {
        AWAITING_ROLLOUT_CONFIRMATION
    }
}

/// Whether every webhook of gate `kind` confirmed revision `hash`, from the records. A new
/// answer is recorded in `records` and counts only from the next pass: the write that records
/// it carries nothing it opens, so a controller that stops before that write asks again, and
/// one that stops after it never does (the answer lives only in the sender's memory until
/// then).
pub fn confirmed(obs: &Observed, kind: WebhookKind, hash: &str, records: &mut Vec<ApprovalRecord>) -> bool {
    let step = confirm_step(kind);
    let mut all = true;
    for w in obs.rollout.spec.webhooks.iter().filter(|w| w.kind == kind) {
        let by = format!("{WEBHOOK_PREFIX}{}", w.name);
        if records.iter().any(|r| r.revision == hash && r.step == step && r.approved && r.by == by) {
            continue;
        }
        match obs.confirmations.iter().find(|c| c.webhook == w.name && c.revision == hash && c.confirmed) {
            Some(c) if records.len() < MAX_RECORDS => {
                records.push(ApprovalRecord {
                    revision: hash.into(),
                    step,
                    approved: true,
                    by,
                    at: obs.now.to_string(),
                    message: c.message.clone(),
                    groups: Vec::new(),
                    promoted: false,
                });
                all = false;
            }
            _ => all = false,
        }
    }
    all
}

/// Records kept per revision (the CRD's bound on `status.approvals`).
pub const MAX_RECORDS: usize = 64;

/// The record of an approval (or rejection) request for step `step` of revision `hash`.
pub fn record(q: &Request, hash: &str, step: i32, approved: bool) -> ApprovalRecord {
    ApprovalRecord {
        revision: hash.into(),
        step,
        approved,
        by: q.by.clone(),
        at: q.at.clone(),
        message: q.message.clone(),
        groups: q.groups.clone(),
        promoted: false,
    }
}

/// What a gate asks, read from its spec (absent: one approval from anyone, no timeout).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Approvals needed, from different people.
    pub required: usize,
    /// Groups whose members' approvals count (empty: anyone's).
    pub groups: Vec<String>,
    /// How long the gate waits.
    pub timeout: Option<Duration>,
    /// What failing does.
    pub on_reject: GateFailure,
}

impl Rule {
    /// The rule of a gate spec.
    pub fn of(step: Option<&ApprovalStep>) -> Rule {
        Rule {
            required: step.and_then(|s| s.required).and_then(|n| usize::try_from(n).ok()).unwrap_or(1).max(1),
            groups: step.map(|s| s.groups.clone()).unwrap_or_default(),
            timeout: step.and_then(|s| s.timeout.as_ref()).and_then(|d| d.parse().ok()),
            on_reject: step.and_then(|s| s.on_reject).unwrap_or_default(),
        }
    }

    /// Whether an approval by someone in `groups` counts.
    pub fn eligible(&self, groups: &[String]) -> bool {
        self.groups.is_empty() || groups.iter().any(|g| self.groups.contains(g))
    }

    /// Why an approval by `by` in `groups` does not count, if it does not.
    pub fn why_not_counted(&self, by: &str, groups: &[String]) -> Option<String> {
        (!self.eligible(groups)).then(|| {
            format!(
                "{} is in none of the groups {}",
                if by.is_empty() { "the requester" } else { by },
                self.groups.join(", ")
            )
        })
    }
}

/// Where a gate stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Approved (or promoted past): the rollout moves on.
    Open,
    /// Waiting for more approvals.
    Waiting {
        /// Approvals that count so far.
        have: usize,
        /// Approvals needed.
        need: usize,
        /// Time left before it expires.
        left: Option<Duration>,
    },
    /// Rejected or expired.
    Failed {
        /// Why, in words.
        reason: String,
        /// Abort (else hold at the gate).
        abort: bool,
    },
}

/// The people whose approvals count, in the order they approved.
pub fn counted<'a>(rule: &Rule, records: &'a [ApprovalRecord]) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    records
        .iter()
        .filter(|r| r.approved && !r.promoted && rule.eligible(&r.groups))
        .filter(|r| seen.insert(r.by.as_str()))
        .map(|r| r.by.as_str())
        .collect()
}

/// Judges a gate from the records of its revision and step, reached at `since`.
pub fn judge(rule: &Rule, records: &[ApprovalRecord], since: Timestamp, now: Timestamp) -> Decision {
    let abort = rule.on_reject == GateFailure::Abort;
    // A promote moves past the gate, even one held after a rejection (`onReject: pause`); an
    // aborted revision refuses promotes until it is retried, which clears its records.
    if records.iter().any(|r| r.approved && r.promoted) {
        return Decision::Open;
    }
    if let Some(r) = records.iter().find(|r| !r.approved) {
        let by = if r.by.is_empty() { String::new() } else { format!(" by {}", r.by) };
        let why = if r.message.is_empty() { String::new() } else { format!(": {}", r.message) };
        return Decision::Failed { reason: format!("approval rejected{by}{why}"), abort };
    }
    let have = counted(rule, records).len();
    if have >= rule.required {
        return Decision::Open;
    }
    let left = rule.timeout.map(|t| {
        let waited = now.duration_since(since).unsigned_abs();
        t.saturating_sub(waited)
    });
    if left.is_some_and(|l| l.is_zero()) {
        let t = rule.timeout.map(|t| humantime::format_duration(t).to_string()).unwrap_or_default();
        return Decision::Failed {
            reason: format!("approval gate expired after {t} with {have} of {} approvals", rule.required),
            abort,
        };
    }
    Decision::Waiting { have, need: rule.required, left }
}

/// The outcome recorded for an approval request.
pub fn approval_outcome(rule: &Rule, records: &[ApprovalRecord], by: &str, groups: &[String]) -> String {
    if let Some(why) = rule.why_not_counted(by, groups) {
        return format!("recorded, but it does not count: {why}");
    }
    let have = counted(rule, records).len();
    if have >= rule.required {
        format!("approved ({have} of {})", rule.required)
    } else {
        format!("approval recorded ({have} of {})", rule.required)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::DurationString;

    fn rec(by: &str, groups: &[&str], approved: bool) -> ApprovalRecord {
        ApprovalRecord {
            revision: "h".into(),
            step: 2,
            approved,
            by: by.into(),
            at: String::new(),
            message: String::new(),
            groups: groups.iter().map(|g| (*g).into()).collect(),
            promoted: false,
        }
    }

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn rule(required: i32, groups: &[&str], timeout: Option<&str>, on_reject: GateFailure) -> Rule {
        Rule::of(Some(&ApprovalStep {
            message: None,
            required: Some(required),
            groups: groups.iter().map(|g| (*g).into()).collect(),
            timeout: timeout.map(DurationString::new),
            on_reject: Some(on_reject),
        }))
    }

    #[test]
    fn two_of_three_needs_two_different_people() {
        let r = rule(2, &[], None, GateFailure::Abort);
        let one = [rec("alice", &[], true)];
        assert_eq!(judge(&r, &one, t(0), t(5)), Decision::Waiting { have: 1, need: 2, left: None });
        let same_twice = [rec("alice", &[], true), rec("alice", &[], true)];
        assert!(matches!(judge(&r, &same_twice, t(0), t(5)), Decision::Waiting { have: 1, .. }));
        let two = [rec("alice", &[], true), rec("bob", &[], true)];
        assert_eq!(judge(&r, &two, t(0), t(5)), Decision::Open);
    }

    #[test]
    fn only_members_of_the_named_groups_count() {
        let r = rule(1, &["sre", "release"], None, GateFailure::Abort);
        let outsider = [rec("mallory", &["dev"], true)];
        assert!(matches!(judge(&r, &outsider, t(0), t(1)), Decision::Waiting { have: 0, .. }));
        assert!(approval_outcome(&r, &outsider, "mallory", &["dev".into()]).contains("does not count"));
        let member = [rec("mallory", &["dev"], true), rec("sam", &["system:authenticated", "sre"], true)];
        assert_eq!(judge(&r, &member, t(0), t(1)), Decision::Open);
    }

    #[test]
    fn one_rejection_fails_the_gate_as_configured() {
        let abort = rule(2, &[], None, GateFailure::Abort);
        let recs = [rec("alice", &[], true), rec("bob", &[], false), rec("carol", &[], true)];
        assert!(
            matches!(judge(&abort, &recs, t(0), t(1)), Decision::Failed { abort: true, ref reason } if reason.contains("by bob"))
        );
        let pause = rule(2, &[], None, GateFailure::Pause);
        assert!(matches!(judge(&pause, &recs, t(0), t(1)), Decision::Failed { abort: false, .. }));
    }

    #[test]
    fn the_gate_expires_at_its_timeout() {
        let r = rule(2, &[], Some("10m"), GateFailure::Abort);
        let one = [rec("alice", &[], true)];
        assert_eq!(
            judge(&r, &one, t(0), t(60)),
            Decision::Waiting { have: 1, need: 2, left: Some(Duration::from_secs(540)) }
        );
        assert!(
            matches!(judge(&r, &one, t(0), t(600)), Decision::Failed { abort: true, ref reason } if reason.contains("expired after 10m with 1 of 2"))
        );
        // Approved in time: the timeout no longer matters.
        let two = [rec("alice", &[], true), rec("bob", &[], true)];
        assert_eq!(judge(&r, &two, t(0), t(6000)), Decision::Open);
    }

    #[test]
    fn a_promote_opens_any_gate_even_one_held_by_a_rejection() {
        let r = rule(3, &["sre"], None, GateFailure::Pause);
        let mut p = rec("ops", &[], true);
        p.promoted = true;
        assert_eq!(judge(&r, std::slice::from_ref(&p), t(0), t(1)), Decision::Open);
        assert!(matches!(
            judge(&r, &[rec("bob", &[], false)], t(0), t(1)),
            Decision::Failed { abort: false, .. }
        ));
        assert_eq!(judge(&r, &[rec("bob", &[], false), p], t(0), t(1)), Decision::Open);
    }

    #[test]
    fn no_spec_means_one_approval_from_anyone() {
        let r = Rule::of(None);
        assert_eq!((r.required, r.groups.len(), r.timeout, r.on_reject), (1, 0, None, GateFailure::Abort));
        assert_eq!(judge(&r, &[rec("", &[], true)], t(0), t(1)), Decision::Open);
    }
}
