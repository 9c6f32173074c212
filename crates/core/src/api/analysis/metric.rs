//! One metric of an analysis: when it is measured, how its measurements are judged, and the
//! limits that turn them into a verdict.

use kube_derive::KubeSchema;
use serde::{Deserialize, Serialize};

use super::{judge::Judge, provider::MetricProvider};
use crate::api::DurationString;

/// Default `consecutiveErrorLimit`: a provider that errs this many times in a row ends the run
/// as `Error` (as Argo Rollouts' default of 4).
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: i32 = 4;
/// Default `interval` when `count` asks for more than one measurement.
pub const DEFAULT_INTERVAL: &str = "1m";

/// What a measurement with no data (an empty vector, NaN) counts as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NoDataPolicy {
    /// Counts as a failed measurement.
    Fail,
    /// Counts as an inconclusive measurement (the default): never a silent pass.
    #[default]
    Inconclusive,
    /// Not counted at all: measure again at the next interval.
    Wait,
    /// Counts as a successful measurement (opt-in, for metrics where silence is health).
    Pass,
}

/// A metric: where its values come from, how each is judged, and when the run decides.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.judge) || has(self.provider.job)")
    .message("a metric sets a judge (only a job metric may leave it out: its Job's success is the measurement)"))]
pub struct Metric {
    /// Name, unique within the analysis.
    #[schemars(length(min = 1, max = 63))]
    pub name: String,
    /// Time between measurements (default 1m when more than one is taken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<DurationString>,
    /// Measurements to take; unset: one when there is no `interval`, else until the analysis
    /// ends (its step completes, or the rollout does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub count: Option<i32>,
    /// Wait before the first measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<DurationString>,
    /// Failed measurements tolerated; one more fails the run (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub failure_limit: Option<i32>,
    /// Inconclusive measurements tolerated; one more makes the run Inconclusive (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub inconclusive_limit: Option<i32>,
    /// Provider errors in a row tolerated; one more ends the run as Error (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub consecutive_error_limit: Option<i32>,
    /// What a measurement with no data counts as (default `inconclusive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_data: Option<NoDataPolicy>,
    /// Successful measurements needed before the metric can pass (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10000))]
    pub min_samples: Option<i32>,
    /// Measure and record a shadow verdict, never act on it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Where the values come from.
    pub provider: MetricProvider,
    /// How a measurement is decided (a `job` metric may leave it out: the Job's success is
    /// the measurement).
    #[serde(default, skip_serializing_if = "Judge::is_unset")]
    pub judge: Judge,
}

impl Metric {
    /// The limits with their defaults applied.
    pub fn limits(&self) -> Limits {
        Limits {
            failure: self.failure_limit.unwrap_or(0).max(0),
            inconclusive: self.inconclusive_limit.unwrap_or(0).max(0),
            consecutive_errors: self
                .consecutive_error_limit
                .unwrap_or(DEFAULT_CONSECUTIVE_ERROR_LIMIT)
                .max(0),
            min_samples: self.min_samples.unwrap_or(1).max(1),
        }
    }

    /// Measurements to take (`None`: until the analysis ends).
    pub fn wanted(&self) -> Option<i32> {
        match (self.count, &self.interval) {
            (Some(n), _) => Some(n),
            (None, None) => Some(1),
            (None, Some(_)) => None,
        }
    }
}

/// A metric's limits, defaults applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `failureLimit`.
    pub failure: i32,
    /// `inconclusiveLimit`.
    pub inconclusive: i32,
    /// `consecutiveErrorLimit`.
    pub consecutive_errors: i32,
    /// `minSamples`.
    pub min_samples: i32,
}
