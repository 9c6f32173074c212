//! `AnalysisTemplate` (namespaced) and `ClusterAnalysisTemplate`: the metrics a Rollout's
//! analysis runs, with their arguments.

use kube_derive::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::{metric::Metric, provider::SecretKeyRef};

/// Metrics and the arguments their queries take.
#[derive(CustomResource, KubeSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[kube(
    crates(kube_core = "::kube_core"),
    group = "ramp.dev",
    version = "v1alpha1",
    kind = "AnalysisTemplate",
    namespaced,
    shortname = "rat",
    category = "ramp",
    derive = "PartialEq",
    doc = "Metrics a Rollout's analysis measures and judges, with the arguments their queries take."
)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.metrics.all(m, self.metrics.exists_one(n, n.name == m.name))")
    .message("metric names must be unique"))]
pub struct AnalysisTemplateSpec {
    /// Arguments substituted into queries as `{{args.NAME}}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64))]
    pub args: Vec<TemplateArg>,
    /// The metrics, measured side by side.
    #[schemars(length(min = 1, max = 16))]
    pub metrics: Vec<Metric>,
    /// Record every metric's verdict without acting on any.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Score the `compare` metrics together, as Kayenta does (unset: each metric is decided
    /// by its own limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<super::judge::CompareScore>,
}

/// The same spec, cluster-scoped: shared by every namespace.
#[derive(CustomResource, Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[kube(
    crates(kube_core = "::kube_core"),
    group = "ramp.dev",
    version = "v1alpha1",
    kind = "ClusterAnalysisTemplate",
    shortname = "rcat",
    category = "ramp",
    derive = "PartialEq",
    doc = "Metrics a Rollout's analysis measures and judges, shared by every namespace."
)]
pub struct ClusterAnalysisTemplateSpec {
    /// The template.
    #[serde(flatten)]
    pub template: AnalysisTemplateSpec,
}

/// An argument a template declares: a default value, a Secret's key, or nothing (then the
/// Rollout must give it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!(has(self.value) && has(self.valueFrom))").message("an argument sets at most one of value or valueFrom"))]
pub struct TemplateArg {
    /// The name, as in `{{args.NAME}}`.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Value from a Secret in the Rollout's namespace, read at each measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<ArgSource>,
}

/// Where an argument's value comes from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct ArgSource {
    /// A key of a Secret.
    pub secret_key_ref: SecretKeyRef,
}
