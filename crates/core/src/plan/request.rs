//! Operation requests: promote, abort, retry, pause, resume, approve, reject, undo, restart. A client
//! (`kubectl ramp`, the dashboard) writes one as the `ramp.dev/request` annotation on the
//! Rollout — never into its spec, so GitOps tools have nothing to fight — and the planner
//! carries it out once: the request's id goes into `status.lastRequest` in the same write as
//! its effect, so a controller that crashes in between carries it out again, and one that
//! already did does not.
//!
//! The annotation holds one request (the latest wins): JSON
//! `{"id": "…", "op": "promote", "by": "alice", "at": "2026-12-02T07:00:00Z", "message": "…"}`.

use serde::Deserialize;

use crate::api::RolloutStatus;

/// The annotation a request is written to.
pub const ANNOTATION: &str = "ramp.dev/request";

/// What is asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// Skip the current pause (canary) or promote now (blue-green).
    Promote,
    /// Skip every remaining step and analysis: go to the new revision at once (within the
    /// surge and availability bounds).
    PromoteFull,
    /// Return traffic and capacity to the stable revision; phase `Aborted`.
    Abort,
    /// Start an aborted revision again from its first step.
    Retry,
    /// Hold the rollout where it is.
    Pause,
    /// Release a `pause`.
    Resume,
    /// Approve the current approval step of the updated revision.
    Approve,
    /// Reject it: the rollout aborts.
    Reject,
    /// Run an earlier revision (the stable one, or `toRevision`) instead of the spec's, steps
    /// and analysis skipped, until the spec's template changes.
    Undo,
    /// Re-create every pod of the running revision, within the strategy's bounds.
    Restart,
}

impl Op {
    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Promote => "promote",
            Op::PromoteFull => "promoteFull",
            Op::Abort => "abort",
            Op::Retry => "retry",
            Op::Pause => "pause",
            Op::Resume => "resume",
            Op::Approve => "approve",
            Op::Reject => "reject",
            Op::Undo => "undo",
            Op::Restart => "restart",
        }
    }
}

/// One request.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// Unique per request (the client makes it: a timestamp and random suffix).
    pub id: String,
    /// What is asked.
    pub op: Op,
    /// Who asked (as the client knows them).
    #[serde(default)]
    pub by: String,
    /// When (RFC 3339, the client's clock).
    #[serde(default)]
    pub at: String,
    /// Why; for approvals, shown with them.
    #[serde(default)]
    pub message: String,
    /// The requester's groups (from a SelfSubjectReview or the dashboard's TokenReview);
    /// a gate that names groups counts only approvals from their members.
    #[serde(default)]
    pub groups: Vec<String>,
    /// The revision (pod-template-hash) the client saw; a request for another revision than
    /// the updated one is refused (it was meant for something that is no longer there).
    #[serde(default)]
    pub revision: Option<String>,
    /// For `undo`: the revision number (`ramp.dev/revision` of its ReplicaSet) to go back to.
    #[serde(default)]
    pub to_revision: Option<u64>,
}

/// The annotation as read: a request, or why it cannot be one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Annotation {
    /// A well-formed request.
    Request(Request),
    /// Not a request: the text and the parse error.
    Invalid {
        /// A stable id for this text, so the problem is reported once.
        id: String,
        /// What is wrong.
        error: String,
    },
}

/// Reads the annotation's value.
pub fn parse(raw: &str) -> Annotation {
    match serde_json::from_str::<Request>(raw) {
        Ok(r) if !r.id.is_empty() => Annotation::Request(r),
        Ok(_) => Annotation::Invalid { id: text_id(raw), error: "id must not be empty".into() },
        Err(e) => Annotation::Invalid { id: text_id(raw), error: e.to_string() },
    }
}

fn text_id(raw: &str) -> String {
    // Stable across processes, enough to tell texts apart.
    format!("invalid-{:016x}", super::revision::fnv64(raw.as_bytes()))
}

impl Annotation {
    /// The id the status records once this is handled.
    pub fn id(&self) -> &str {
        match self {
            Annotation::Request(r) => &r.id,
            Annotation::Invalid { id, .. } => id,
        }
    }

    /// Whether this has not been handled yet.
    pub fn pending(&self, status: &RolloutStatus) -> bool {
        status.last_request.as_ref().is_none_or(|l| l.id != self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_read_once_and_a_bad_one_is_reported_once() {
        let a = parse(r#"{"id": "r1", "op": "promoteFull", "by": "alice"}"#);
        let Annotation::Request(r) = &a else { panic!("{a:?}") };
        assert_eq!((r.op, r.by.as_str()), (Op::PromoteFull, "alice"));
        let mut status = RolloutStatus::default();
        assert!(a.pending(&status));
        status.last_request = Some(crate::api::RequestRecord {
            id: "r1".into(),
            op: "promoteFull".into(),
            by: String::new(),
            at: String::new(),
            revision: String::new(),
            outcome: String::new(),
        });
        assert!(!a.pending(&status), "handled once");

        let bad = parse(r#"{"id": "r2", "op": "explode"}"#);
        assert!(matches!(&bad, Annotation::Invalid { error, .. } if error.contains("unknown variant")));
        assert_eq!(bad.id(), parse(r#"{"id": "r2", "op": "explode"}"#).id(), "the same text, the same id");
        assert!(matches!(parse(r#"{"id": "", "op": "abort"}"#), Annotation::Invalid { .. }));
    }
}
