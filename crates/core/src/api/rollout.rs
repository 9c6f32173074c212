//! The `Rollout` custom resource (`ramp.dev/v1alpha1`).

use k8s_openapi::{api::core::v1::PodTemplateSpec, apimachinery::pkg::apis::meta::v1::LabelSelector};
use kube_derive::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::{duration::DurationString, status::RolloutStatus, strategy::RolloutStrategy};

/// Default `spec.replicas`, as for Deployments.
pub const DEFAULT_REPLICAS: i32 = 1;
/// Default `spec.revisionHistoryLimit`, as for Deployments.
pub const DEFAULT_REVISION_HISTORY_LIMIT: i32 = 10;
/// Default `spec.progressDeadline` (a Deployment's 600 s).
pub const DEFAULT_PROGRESS_DEADLINE: &str = "10m";

/// A workload and the strategy that moves it from its stable version to a new one.
// Each printcolumn(...) repeats `type_`; clippy reads them as one attribute list.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[kube(
    crates(kube_core = "::kube_core"),
    group = "ramp.dev",
    version = "v1alpha1",
    kind = "Rollout",
    namespaced,
    shortname = "rro",
    category = "ramp",
    status = "RolloutStatus",
    derive = "PartialEq",
    doc = "A workload and the strategy (rolling update, blue-green or canary) that moves it from its stable version to a new one.",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn(
        name = "Desired",
        type_ = "integer",
        json_path = ".spec.replicas",
        description = "Pods wanted"
    ),
    printcolumn(
        name = "Current",
        type_ = "integer",
        json_path = ".status.replicas",
        description = "Pods that exist"
    ),
    printcolumn(
        name = "Up-to-date",
        type_ = "integer",
        json_path = ".status.updatedReplicas",
        description = "Pods on the new template"
    ),
    printcolumn(
        name = "Available",
        type_ = "integer",
        json_path = ".status.availableReplicas",
        description = "Pods ready for minReadySeconds"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Progressing, Paused, Healthy, Degraded or Aborted"
    ),
    printcolumn(
        name = "Step",
        type_ = "integer",
        json_path = ".status.currentStep",
        description = "Current canary step"
    ),
    printcolumn(
        name = "Weight",
        type_ = "integer",
        json_path = ".status.weight",
        description = "Percentage of traffic on the new revision"
    ),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.template) != has(self.workloadRef)")
    .message("exactly one of template or workloadRef must be set"))]
pub struct RolloutSpec {
    /// Number of pods wanted. Default 1. Scalable through the scale subresource (HPA).
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0))]
    pub replicas: i32,
    /// Label query over the pods this Rollout manages; must match the template's labels.
    pub selector: LabelSelector,
    /// The pods to run. Exactly one of `template` and `workloadRef` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<PodTemplateSpec>,
    /// An existing Deployment whose pod template this Rollout takes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_ref: Option<WorkloadRef>,
    /// Seconds a pod must be Ready before it counts as available. Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schemars(range(min = 0))]
    pub min_ready_seconds: i32,
    /// How long a rollout may go without progress before it is marked Degraded. Default 10m.
    #[serde(default = "default_progress_deadline")]
    pub progress_deadline: DurationString,
    /// Roll back to the stable revision when the progress deadline is exceeded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub progress_deadline_abort: bool,
    /// Old ReplicaSets to keep for rollback. Default 10.
    #[serde(default = "default_revision_history_limit")]
    #[schemars(range(min = 0))]
    pub revision_history_limit: i32,
    /// Stop the rollout where it is; status and replica-count changes are still applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
    /// How to move to a new version.
    pub strategy: RolloutStrategy,
    /// Receivers that confirm a new revision or its promotion, and that are told of aborts,
    /// completions and events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    #[x_kube(merge_strategy = ListMerge::Map(vec!["name".into()]))]
    pub webhooks: Vec<super::webhook::Webhook>,
}

fn default_replicas() -> i32 {
    DEFAULT_REPLICAS
}
fn default_revision_history_limit() -> i32 {
    DEFAULT_REVISION_HISTORY_LIMIT
}
fn default_progress_deadline() -> DurationString {
    DurationString::new(DEFAULT_PROGRESS_DEADLINE)
}
fn is_zero(v: &i32) -> bool {
    *v == 0
}

/// A reference to the workload whose pod template the Rollout uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.apiVersion == 'apps/v1' && self.kind == 'Deployment'")
    .message("workloadRef must reference an apps/v1 Deployment"))]
pub struct WorkloadRef {
    /// `apps/v1`.
    #[schemars(length(max = 64))]
    pub api_version: String,
    /// `Deployment`.
    #[schemars(length(max = 64))]
    pub kind: String,
    /// Name of the Deployment in the Rollout's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// What to do with the referenced Deployment's own pods. Default `never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down: Option<WorkloadScaleDown>,
}

/// What happens to a referenced Deployment once the Rollout runs its pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum WorkloadScaleDown {
    /// Leave the Deployment as it is.
    Never,
    /// Scale it to zero once the Rollout is Healthy.
    OnSuccess,
    /// Scale it down as the Rollout's pods become available.
    Progressively,
}
