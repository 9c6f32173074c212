//! The analysis resources (`ramp.dev/v1alpha1`): `AnalysisTemplate` (namespaced),
//! `ClusterAnalysisTemplate`, and `AnalysisRun` — one run of some templates' metrics against
//! one revision of a Rollout, created by the controller and owned by the Rollout.
//!
//! A metric names a provider (where the numbers come from), a judge (how a measurement is
//! decided) and the limits that turn measurements into the run's verdict.

pub mod judge;
pub mod metric;
pub mod provider;
pub mod run;
pub mod template;

pub use judge::{
    CompareJudge, CompareScore, Direction, EffectMeasure, EffectSize, Judge, NanStrategy, SequentialJudge,
    SequentialKind, ThresholdJudge,
};
pub use metric::{Metric, NoDataPolicy};
pub use provider::{
    BasicAuth, JobProvider, LatencySli, MetricProvider, PrometheusAuth, PrometheusProvider, RangeQuery,
    SecretKeyRef, SuccessRateSli, WebHeader, WebMethod, WebProvider,
};
pub use run::{
    AnalysisPhase, AnalysisRun, AnalysisRunSpec, AnalysisRunStatus, Evidence, Measurement, MeasurementPhase,
    MetricResult, RunArg,
};
pub use template::{AnalysisTemplate, AnalysisTemplateSpec, ClusterAnalysisTemplate, TemplateArg};
