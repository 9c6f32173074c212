//! The JSON document every webhook receives (documented in docs/gates.md):
//!
//! ```json
//! {"id": "5f0c…", "type": "onAbort", "webhook": "slack", "at": "2026-12-07T21:00:00Z",
//!  "rollout": {"namespace": "shop", "name": "web", "uid": "…"},
//!  "revision": "6b7894c4d7", "phase": "Aborted", "step": 2,
//!  "reason": "RolloutAborted", "message": "…", "metadata": {"team": "payments"}}
//! ```
//!
//! `id` is the same for every attempt of one delivery, so a receiver can drop repeats.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::{
    api::{Rollout, Webhook, WebhookKind},
    plan::revision::fnv64,
};

/// What a delivery is about, and which delivery it is.
pub struct Subject<'a> {
    /// The webhook's kind for this delivery.
    pub kind: WebhookKind,
    /// The revision concerned.
    pub revision: &'a str,
    /// The event reason (notifications) or the gate's pause reason.
    pub reason: &'a str,
    /// In words.
    pub message: &'a str,
    /// The delivery id, when it was fixed before (a notification's, recorded in status).
    pub id: Option<&'a str>,
    /// When it happened, when that was recorded (a notification's transition).
    pub at: Option<Timestamp>,
}

/// The delivery id: stable across attempts and restarts for the same subject (a
/// notification's is the one recorded in status; a gate's is made from the question).
pub fn delivery_id(rollout: &Rollout, hook: &Webhook, s: &Subject<'_>) -> String {
    if let Some(id) = s.id {
        return id.to_string();
    }
    let uid = rollout.metadata.uid.as_deref().unwrap_or_default();
    let text =
        format!("{uid}\n{}\n{}\n{}\n{}\n{}", hook.name, s.kind.as_str(), s.revision, s.reason, s.message);
    format!("{:016x}", fnv64(text.as_bytes()))
}

/// The document for one delivery, sent at `now` (its `at` is the transition's time when
/// recorded, else `now`).
pub fn document(rollout: &Rollout, hook: &Webhook, s: &Subject<'_>, now: Timestamp) -> Value {
    let status = rollout.status.as_ref();
    let at = s.at.unwrap_or(now);
    json!({
        "id": delivery_id(rollout, hook, s),
        "type": s.kind.as_str(),
        "webhook": hook.name,
        "at": at.to_string(),
        "rollout": {
            "namespace": rollout.metadata.namespace,
            "name": rollout.metadata.name,
            "uid": rollout.metadata.uid,
        },
        "revision": s.revision,
        "phase": status.and_then(|st| st.phase).map(|p| p.as_str()),
        "step": status.and_then(|st| st.current_step),
        "reason": s.reason,
        "message": s.message,
        "metadata": hook.metadata,
    })
}
