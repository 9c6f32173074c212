//! The `ramp.dev/request` annotation as a client writes it: one builder shared by
//! `kubectl ramp` and the dashboard, so both write the same JSON the planner reads back with
//! [`super::request::parse`].

use serde::Serialize;

use super::request::ANNOTATION;

/// A request about to be written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRequest {
    /// Unique per request (see [`request_id`]).
    pub id: String,
    /// `promote`, `promoteFull`, `abort`, … as [`super::request::Op::as_str`] spells them.
    pub op: String,
    /// Who asks: the kubeconfig user (CLI) or the authenticated user name (dashboard).
    pub by: String,
    /// The groups of who asks, when the client authenticated them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// When (RFC 3339, the client's clock).
    pub at: String,
    /// Why (shown with approvals).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The updated revision the client saw: the controller refuses the request if the
    /// revision changed meanwhile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// For `undo`: the revision number to go back to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_revision: Option<u64>,
}

impl NewRequest {
    /// The annotation's value.
    pub fn to_json(&self) -> serde_json::Value {
        // A struct of strings, numbers and string lists always serialises.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// A JSON merge patch that puts the request on a Rollout.
    pub fn merge_patch(&self) -> serde_json::Value {
        let mut annotations = serde_json::Map::new();
        annotations.insert(ANNOTATION.into(), self.to_json().to_string().into());
        serde_json::json!({"metadata": {"annotations": annotations}})
    }
}

/// A request id unique enough for one Rollout: the time in nanoseconds and a suffix that
/// tells the writers apart (a process id, a replica name's hash).
pub fn request_id(now: jiff::Timestamp, suffix: &str) -> String {
    format!("{:x}-{suffix}", now.as_nanosecond())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::request::{Annotation, Op, parse};

    #[test]
    fn what_is_written_is_what_the_planner_reads() {
        let r = NewRequest {
            id: request_id(jiff::Timestamp::UNIX_EPOCH, "7"),
            op: "approve".into(),
            by: "alice".into(),
            groups: vec!["release-managers".into()],
            at: "2026-12-02T07:00:00Z".into(),
            message: "looks good".into(),
            revision: Some("abc123".into()),
            to_revision: None,
        };
        assert_eq!(r.id, "0-7");
        let patch = r.merge_patch();
        let raw = patch["metadata"]["annotations"][ANNOTATION].as_str().unwrap();
        let Annotation::Request(read) = parse(raw) else { panic!("{raw}") };
        assert_eq!(read.op, Op::Approve);
        assert_eq!((read.by.as_str(), read.message.as_str()), ("alice", "looks good"));
        assert_eq!(read.revision.as_deref(), Some("abc123"));
        let json = r.to_json();
        assert_eq!(json["groups"], serde_json::json!(["release-managers"]));
        assert!(json.get("toRevision").is_none(), "unset fields are left out: {json}");
    }
}
