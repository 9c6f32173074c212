//! How a measurement is decided. Exactly one member of [`Judge`] is set.

use kube_derive::KubeSchema;
use serde::{Deserialize, Serialize};

/// One judge; exactly one member is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new(
    "(has(self.threshold) ? 1 : 0) + (has(self.compare) ? 1 : 0) + (has(self.sequential) ? 1 : 0) == 1"
).message("a judge sets exactly one of threshold, compare or sequential"))]
pub struct Judge {
    /// Conditions over each measurement (Argo's successCondition / failureCondition, Flagger's
    /// thresholdRange).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<ThresholdJudge>,
    /// Canary against baseline with a Mann-Whitney test (Kayenta's judge and defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareJudge>,
    /// Anytime-valid sequential test, looked at after every measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<SequentialJudge>,
}

impl Judge {
    /// No judge is set (a `job` metric's default: the Job's success decides).
    pub fn is_unset(&self) -> bool {
        self.threshold.is_none() && self.compare.is_none() && self.sequential.is_none()
    }
}

/// Conditions in the threshold language (docs/analysis.md): `result` is the measurement.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.successCondition) || has(self.failureCondition)")
    .message("a threshold judge sets successCondition, failureCondition or both"))]
pub struct ThresholdJudge {
    /// The measurement succeeds when this holds (else, with no failureCondition, it fails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1024))]
    pub success_condition: Option<String>,
    /// The measurement fails when this holds (checked first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1024))]
    pub failure_condition: Option<String>,
}

/// Which way a metric may not move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Only an increase is a regression (errors, latency).
    Increase,
    /// Only a decrease is a regression (throughput, success rate).
    Decrease,
    /// Either way (Kayenta's default).
    #[default]
    Either,
}

/// What a NaN point of a series becomes (Kayenta's `nanStrategy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NanStrategy {
    /// Dropped (the default).
    #[default]
    Remove,
    /// Replaced with 0 (count metrics that report nothing when nothing happened).
    Replace,
}

/// How the size of a difference is measured (Kayenta's `effectSize.measure`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum EffectMeasure {
    /// mean(canary) / mean(baseline) (the default; limits default to 1.0).
    #[default]
    MeanRatio,
    /// P(canary > baseline) + ½·P(tie), the common-language effect size (limits default to 0.5).
    Cles,
}

/// How large a difference must be to count, and to be critical (Kayenta's `effectSize`).
/// Numbers are strings (`"1.1"`); with the defaults any significant difference counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct EffectSize {
    /// `meanRatio` (default) or `cles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<EffectMeasure>,
    /// An increase counts only at or above this effect size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub allowed_increase: Option<String>,
    /// A decrease counts only at or below this effect size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub allowed_decrease: Option<String>,
    /// A critical metric's increase is critical at or above this effect size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub critical_increase: Option<String>,
    /// A critical metric's decrease is critical at or below this effect size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub critical_decrease: Option<String>,
}

/// Canary series against baseline series: Kayenta's NetflixACAJudge-v1.0 classification
/// (Mann-Whitney interval at 98%, tolerance 0.25, effect sizes, critical metrics) with its
/// defaults, so a Kayenta canary config translates field by field (docs/analysis.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct CompareJudge {
    /// Which way is a regression (default `either`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Confidence of the Mann-Whitney interval, as a string (default `"0.98"`, Kayenta's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^0?\.[0-9]+$"))]
    pub confidence: Option<String>,
    /// NaN points: `remove` (default) or `replace` with 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nan_strategy: Option<NanStrategy>,
    /// Drop outliers beyond this many IQRs (Kayenta's `outliers.outlierFactor` with strategy
    /// `remove`, e.g. `"3.0"`); unset: keep them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub outlier_factor: Option<String>,
    /// A deviation of this metric fails the whole analysis at once, whatever the limits or
    /// the score.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub critical: bool,
    /// No data on either side is a failure (Kayenta's NodataFailMetric) rather than Nodata.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_have_data: bool,
    /// How large a difference must be to count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect_size: Option<EffectSize>,
    /// Score groups the metric counts in (for the template's `score`; default `default`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub groups: Vec<String>,
}

/// Kayenta's scoring of the `compare` metrics of an analysis: each group scores the share of
/// its metrics that passed, the groups are weighted, and the summary decides — at or below
/// `marginal` fails at once; at the end, at or above `pass` passes and anything between is
/// inconclusive (a person decides).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.marginal <= self.pass").message("marginal must not be above pass"))]
pub struct CompareScore {
    /// Passing score, 0–100.
    #[schemars(range(min = 0, max = 100))]
    pub pass: i32,
    /// Marginal score, 0–100: a score at or below it fails.
    #[schemars(range(min = 0, max = 100))]
    pub marginal: i32,
    /// Weight of each group (groups without one share what the named ones leave of 100).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub group_weights: std::collections::BTreeMap<String, i32>,
}

/// The sequential judge's data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SequentialKind {
    /// Event counts (errors) of canary and stable per measurement, under the traffic split.
    #[default]
    Count,
    /// A continuous value (latency) of canary and baseline per measurement.
    Continuous,
}

/// Anytime-valid sequential test: decides at the first decisive measurement, with a false
/// alarm probability at most `alpha` however often it is looked at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(self.direction) || self.direction != 'either'")
    .message("a sequential judge's direction is increase or decrease"))]
pub struct SequentialJudge {
    /// `count` (default) or `continuous`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SequentialKind>,
    /// Largest canary/stable ratio that is not a regression, as a string (default `"1.2"`
    /// for counts: 20% more errors per request; `"1.1"` for continuous values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?$"))]
    pub max_ratio: Option<String>,
    /// False-alarm probability, as a string (default `"0.05"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^0?\.[0-9]+$"))]
    pub alpha: Option<String>,
    /// Events (count) or measurements (continuous) before any decision (defaults 10 and 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000000))]
    pub min_samples: Option<i32>,
    /// Continuous values only: which way is a regression, `increase` (default: latency) or
    /// `decrease` (throughput); `either` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}
