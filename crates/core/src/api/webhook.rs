//! Outbound webhooks of a Rollout (`spec.webhooks`): two gates a receiver confirms
//! (`confirmRollout` before a new revision gets any pod or traffic, `confirmPromotion` before
//! it is promoted) and notifications (`onAbort`, `onComplete`, and `event` for every
//! transition). Each call is a JSON document signed with HMAC-SHA256 over the body.

use std::collections::BTreeMap;

use kube_derive::KubeSchema;
use serde::{Deserialize, Serialize};

use super::{analysis::provider::SecretKeyRef, duration::DurationString};

/// Default time a receiver has to answer.
pub const DEFAULT_TIMEOUT: &str = "10s";
/// Default attempts of a notification after the first.
pub const DEFAULT_RETRIES: i32 = 3;

/// One webhook.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.url.startsWith('http://') || self.url.startsWith('https://')")
    .message("url must be an http:// or https:// URL"))]
pub struct Webhook {
    /// Unique within the Rollout; shown in status and events.
    #[schemars(length(min = 1, max = 63))]
    pub name: String,
    /// When it is called.
    #[serde(rename = "type")]
    pub kind: WebhookKind,
    /// Where the JSON document is POSTed.
    #[schemars(length(min = 1, max = 2048))]
    pub url: String,
    /// How long the receiver has to answer (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationString>,
    /// Notifications: attempts after the first, with doubling backoff (default 3). Gates are
    /// asked again until they confirm or are no longer waited on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 10))]
    pub retries: Option<i32>,
    /// The HMAC-SHA256 key (a Secret's key in the Rollout's namespace); the signature is sent
    /// as `X-Ramp-Signature-256: sha256=<hex>`. Without it, calls are unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretKeyRef>,
    /// Sent as the document's `metadata`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// When a webhook is called.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum WebhookKind {
    /// Before a new revision gets pods or traffic (canary and blue-green): a 2xx answer lets it
    /// start; anything else (or no answer) holds it.
    ConfirmRollout,
    /// Before the new revision is promoted (the canary's last step, the blue-green switch): a
    /// 2xx answer lets it; anything else holds.
    ConfirmPromotion,
    /// The rollout aborted.
    OnAbort,
    /// The rollout completed.
    OnComplete,
    /// Every event Ramp records for the Rollout.
    #[default]
    Event,
}

impl WebhookKind {
    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::ConfirmRollout => "confirmRollout",
            WebhookKind::ConfirmPromotion => "confirmPromotion",
            WebhookKind::OnAbort => "onAbort",
            WebhookKind::OnComplete => "onComplete",
            WebhookKind::Event => "event",
        }
    }

    /// A gate (waited on) rather than a notification.
    pub fn is_gate(self) -> bool {
        matches!(self, WebhookKind::ConfirmRollout | WebhookKind::ConfirmPromotion)
    }

    /// Whether a notification webhook of this kind is sent the event with `reason`: `event`
    /// every one, `onAbort` and `onComplete` theirs, gates none.
    pub fn wants(self, reason: &str) -> bool {
        use crate::api::condition::reasons;
        match self {
            WebhookKind::Event => true,
            WebhookKind::OnAbort => reason == reasons::ROLLOUT_ABORTED,
            WebhookKind::OnComplete => reason == reasons::ROLLOUT_COMPLETED,
            WebhookKind::ConfirmRollout | WebhookKind::ConfirmPromotion => false,
        }
    }
}
