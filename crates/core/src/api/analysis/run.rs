//! `AnalysisRun`: one run of some templates' metrics against one revision of a Rollout. The
//! controller creates it (named after the rollout, revision and point, so a restarted
//! controller finds it instead of making another), owned by the Rollout; the analysis runner
//! measures and records; the planner reads its phase as a verdict.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube_derive::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::{metric::Metric, template::ArgSource};

/// Measurements kept per metric for threshold and compare judges (their verdict needs only
/// the counts); sequential judges keep up to [`MAX_SEQUENTIAL_MEASUREMENTS`], since they
/// re-judge the whole sequence.
pub const MAX_MEASUREMENTS: usize = 10;
/// Measurements kept per metric for sequential judges.
pub const MAX_SEQUENTIAL_MEASUREMENTS: usize = 1000;

/// What to measure, for which revision, and where in the strategy.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[kube(
    crates(kube_core = "::kube_core"),
    group = "ramp.dev",
    version = "v1alpha1",
    kind = "AnalysisRun",
    namespaced,
    shortname = "rar",
    category = "ramp",
    status = "AnalysisRunStatus",
    derive = "PartialEq",
    doc = "One run of an analysis's metrics against one revision of a Rollout, with every measurement's evidence.",
    printcolumn(
        name = "Rollout",
        type_ = "string",
        json_path = ".spec.rollout",
        description = "The Rollout"
    ),
    printcolumn(
        name = "Point",
        type_ = "string",
        json_path = ".spec.point",
        description = "Where in the strategy"
    ),
    printcolumn(
        name = "Phase",
        type_ = "string",
        json_path = ".status.phase",
        description = "Verdict so far"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp",
        description = "Age"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRunSpec {
    /// The Rollout that runs it.
    #[schemars(length(min = 1, max = 253))]
    pub rollout: String,
    /// pod-template-hash of the revision judged.
    #[schemars(length(min = 1, max = 63))]
    pub revision: String,
    /// pod-template-hash of the stable revision it is compared with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable_revision: Option<String>,
    /// Where in the strategy: `background`, `step-N` (0-based), `prePromotion` or
    /// `postPromotion`.
    #[schemars(length(min = 1, max = 32))]
    pub point: String,
    /// The metrics of every template, in order.
    /// Empty only when the templates could not be resolved (the run is then in `Error`).
    #[schemars(length(max = 64))]
    pub metrics: Vec<Metric>,
    /// Argument values: the Rollout's, then the templates' defaults, then `rollout.*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<RunArg>,
    /// Record verdicts without acting on any.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Set by the controller when the analysis is no longer needed (its step passed, the
    /// rollout ended): measuring stops and a run still deciding ends Successful.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub terminate: bool,
    /// Set by the controller when the rollout was retried: the verdict belongs to the attempt
    /// before, and is kept as history only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub superseded: bool,
    /// What an `Error` verdict does (copied from the Rollout's analysis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_error: Option<crate::api::AnalysisErrorAction>,
    /// Kayenta's scoring of the `compare` metrics (from the templates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<super::judge::CompareScore>,
}

/// An argument's value, or where to read it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct RunArg {
    /// `NAME` of `{{args.NAME}}`, or `rollout.…` for the context Ramp fills in.
    pub name: String,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A Secret's key, read at each measurement (its value is never written here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<ArgSource>,
}

/// A run's verdict so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum AnalysisPhase {
    /// Not measured yet.
    #[default]
    Pending,
    /// Measuring.
    Running,
    /// Every metric passed (or the run was ended while none had failed).
    Successful,
    /// A metric failed: the rollout aborts.
    Failed,
    /// A metric could not decide: the rollout pauses for a person.
    Inconclusive,
    /// A provider kept failing: never promotes; the rollout aborts.
    Error,
}

impl AnalysisPhase {
    /// Decided for good.
    pub fn is_terminal(self) -> bool {
        !matches!(self, AnalysisPhase::Pending | AnalysisPhase::Running)
    }
}

/// Every metric's measurements and verdict.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRunStatus {
    /// The run's verdict so far.
    #[serde(default)]
    pub phase: AnalysisPhase,
    /// Why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the first measurement was due from (initial delays count from here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    /// One entry per metric, in the spec's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_results: Vec<MetricResult>,
    /// The latest score of the `compare` metrics (0–100), when the analysis is scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<String>,
}

/// One metric's tally and its latest measurements.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct MetricResult {
    /// The metric's name.
    pub name: String,
    /// Its verdict so far.
    #[serde(default)]
    pub phase: AnalysisPhase,
    /// Why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A shadow verdict: recorded, never acted on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Measurements taken (all of them, not only those kept).
    #[serde(default)]
    pub count: i32,
    /// Of which successful.
    #[serde(default)]
    pub successful: i32,
    /// Failed.
    #[serde(default)]
    pub failed: i32,
    /// Inconclusive.
    #[serde(default)]
    pub inconclusive: i32,
    /// Provider errors.
    #[serde(default)]
    pub error: i32,
    /// Provider errors since the last measurement that was not one.
    #[serde(default)]
    pub consecutive_error: i32,
    /// The latest measurements, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
}

/// What one measurement counted as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum MeasurementPhase {
    /// Passed.
    #[default]
    Successful,
    /// Failed.
    Failed,
    /// Undecided (by the judge, or no data under the `inconclusive` policy).
    Inconclusive,
    /// The provider could not answer.
    Error,
    /// No data under the `wait` policy: recorded, not counted.
    Waiting,
    /// A sequential judge needs more data: counted as taken, neither pass nor fail.
    Undecided,
}

/// One measurement and the evidence behind its phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct Measurement {
    /// What it counted as.
    pub phase: MeasurementPhase,
    /// When it was taken.
    pub at: Time,
    /// The canary's (or only) value: a number, or a vector `[a, b, …]`; `NaN` kept as such;
    /// empty when there was no answer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// The baseline's value, for judges that compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The canary's share of traffic in the window (sequential count judge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
    /// The reason, in words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// What was asked and what the judge estimated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// The evidence of a measurement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The query or URL asked, arguments substituted (never a Secret's value).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub query: String,
    /// The time window it covered.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub window: String,
    /// Samples (or events) the judge used.
    #[serde(default)]
    pub samples: i64,
    /// The judge's estimate (e.g. a ratio canary/stable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<String>,
    /// Its interval, `[low, high]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// The `compare` judge's class: `Pass`, `High`, `Low`, `Nodata`, `NodataFail` or `Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// A critical metric's deviation: the analysis fails at once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
}
