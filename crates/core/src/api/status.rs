//! `Rollout.status`: only what cannot be re-derived from the cluster, plus the counts and
//! conditions users read.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube_derive::KubeSchema;
use serde::{Deserialize, Serialize};

/// The observed state of a Rollout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct RolloutStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Summary of where the rollout is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<RolloutPhase>,
    /// Human-readable detail for the phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// pod-template-hash of the revision last rolled out in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_revision: Option<String>,
    /// pod-template-hash of the revision the spec asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_revision: Option<String>,
    /// Index of the current canary step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step: Option<i32>,
    /// Percentage of traffic on the updated revision: for a canary, the weight its steps set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// The weight actually achieved: the route's applied weight, or (without traffic routing)
    /// the share of available pods on the updated revision, whose granularity is
    /// 1/replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achieved_weight: Option<i32>,
    /// Pods that exist (not terminating), all revisions.
    #[serde(default)]
    pub replicas: i32,
    /// Pods on the updated revision.
    #[serde(default)]
    pub updated_replicas: i32,
    /// Pods whose readiness probe passes.
    #[serde(default)]
    pub ready_replicas: i32,
    /// Pods Ready for at least `minReadySeconds`.
    #[serde(default)]
    pub available_replicas: i32,
    /// The pod selector in query form, for the scale subresource (HPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Bumped when a ReplicaSet name collides, so the next pod-template-hash differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
    /// The updated revision was rolled back; stays set until the template changes or a retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted_revision: Option<String>,
    /// An `undo` or `restart` in effect: the template run instead of the spec's, for as long as
    /// the spec's template is the one it was asked on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_override: Option<TemplateOverride>,
    /// `spec.workloadRef`: the Deployment's `spec.replicas` before Ramp scaled it, restored
    /// when the Rollout is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_replicas: Option<i32>,
    /// Blue-green: when ReplicaSets that no longer serve (the previous active revision after
    /// a switch, the preview after an abort) are scaled down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_at: Option<Time>,
    /// Last time the rollout made progress; the progress deadline counts from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_progress_time: Option<Time>,
    /// Why the rollout is paused, with when each pause began.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["reason".into()]))]
    pub pause_conditions: Vec<PauseCondition>,
    /// The last operation (promote, abort, retry, pause, resume, approve, reject) Ramp
    /// carried out, with who asked and when. Requests newer than this one are pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_request: Option<RequestRecord>,
    /// Approvals and rejections recorded for approval steps, each bound to a revision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64))]
    pub approvals: Vec<ApprovalRecord>,
    /// Progressing, Available, Paused, Healthy and InvalidSpec, in that order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["type".into()]))]
    pub conditions: Vec<Condition>,
    /// Webhook notifications (`event`, `onAbort`, `onComplete`) not sent yet: recorded by the
    /// write that makes their transition, removed once the receiver answered 2xx or the
    /// retries ran out, so a controller that stops in between sends them after it restarts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 32))]
    pub notifications: Vec<PendingNotification>,
}

/// A webhook notification owed to a receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct PendingNotification {
    /// The delivery id (`X-Ramp-Delivery`), the same for every attempt and after a restart.
    pub id: String,
    /// The webhook's name in `spec.webhooks`.
    pub webhook: String,
    /// The revision it is about.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
    /// The event's reason (`RolloutAborted`, `RolloutCompleted`, ...).
    pub reason: String,
    /// The event's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// When the transition happened (RFC 3339).
    pub at: String,
}

/// Where a rollout is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum RolloutPhase {
    /// Moving towards the updated revision.
    Progressing,
    /// Stopped by `spec.paused` or a pause step; waiting for promotion or resume.
    Paused,
    /// Every replica runs the updated revision and is available.
    Healthy,
    /// Not making progress, or the spec is invalid.
    Degraded,
    /// Rolled back to the stable revision; waits for a new template or a retry.
    Aborted,
}

impl RolloutPhase {
    /// The name as written in status.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutPhase::Progressing => "Progressing",
            RolloutPhase::Paused => "Paused",
            RolloutPhase::Healthy => "Healthy",
            RolloutPhase::Degraded => "Degraded",
            RolloutPhase::Aborted => "Aborted",
        }
    }
}

/// One reason a rollout is paused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct PauseCondition {
    /// Why: `CanaryPauseStep`, `BlueGreenPause`, `AwaitingApproval`, ...
    pub reason: String,
    /// When the pause began.
    pub start_time: Time,
}

/// An operation request Ramp has carried out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// The request's id (unique per request).
    pub id: String,
    /// `promote`, `promoteFull`, `abort`, `retry`, `pause`, `resume`, `approve`, `reject`.
    pub op: String,
    /// Who asked, as the client said.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    /// When they asked, as the client said.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub at: String,
    /// The updated revision it applied to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
    /// What Ramp did with it (or why it did nothing).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub outcome: String,
}

/// What an `undo` or `restart` put in place of the spec's template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct TemplateOverride {
    /// Fingerprint of the spec's template when it was asked: a new template ends it.
    pub spec_fingerprint: String,
    /// `undo`: pod-template-hash of the revision run instead of the spec's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// `restart`: the time written into the pod template (annotation `ramp.dev/restartedAt`),
    /// which makes a fresh ReplicaSet of the same pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarted_at: Option<String>,
}

/// An approval or rejection of one approval step of one revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRecord {
    /// pod-template-hash of the revision approved: an approval of another revision approves
    /// nothing.
    pub revision: String,
    /// The step (0-based) it approves.
    pub step: i32,
    /// True for an approval, false for a rejection.
    pub approved: bool,
    /// Who.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    /// When.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub at: String,
    /// Why.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The approver's groups, as the API server (or the dashboard's TokenReview) reported
    /// them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// A `promote` (not an approval): it moves past the gate whatever the gate requires.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub promoted: bool,
}
