//! Where a metric's values come from. Exactly one member of [`MetricProvider`] is set; the
//! shell runs it (the planner and the judges never do I/O).
//!
//! Queries and URLs may name placeholders, substituted when the run is created:
//! `{{args.NAME}}` (the template's arguments) and `{{rollout.namespace}}`, `{{rollout.name}}`,
//! `{{rollout.stableService}}`, `{{rollout.canaryService}}`, `{{rollout.stableHash}}`,
//! `{{rollout.canaryHash}}`, and, at each measurement, `{{interval}}` (the metric's interval
//! as PromQL duration, e.g. `30s`).

use kube_derive::KubeSchema;
use schemars::{Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::api::DurationString;

/// One provider; exactly one member is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new(
    "(has(self.prometheus) ? 1 : 0) + (has(self.web) ? 1 : 0) + (has(self.job) ? 1 : 0) \
     + (has(self.successRate) ? 1 : 0) + (has(self.latency) ? 1 : 0) == 1"
).message("a provider sets exactly one of prometheus, web, job, successRate or latency"))]
pub struct MetricProvider {
    /// A PromQL query against a Prometheus server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusProvider>,
    /// An HTTP endpoint returning JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<WebProvider>,
    /// A Kubernetes Job (smoke or load test) whose success is the measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<JobProvider>,
    /// Built-in SLI: the share of a Service's requests that did not fail (PromQL Ramp writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_rate: Option<SuccessRateSli>,
    /// Built-in SLI: a latency quantile of a Service's requests (PromQL Ramp writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySli>,
}

/// A Prometheus query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct PrometheusProvider {
    /// Base URL of the server, e.g. `http://prometheus.monitoring:9090`.
    #[schemars(length(min = 1, max = 2048))]
    pub address: String,
    /// The query (for `compare` and `sequential` judges: the canary's side).
    #[schemars(length(min = 1, max = 8192))]
    pub query: String,
    /// The baseline's (stable's) side, for `compare` and `sequential` judges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 8192))]
    pub baseline_query: Option<String>,
    /// Run as a range query over this window (a matrix result); unset: an instant query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeQuery>,
    /// Per-query timeout (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationString>,
    /// Credentials from Secrets in the Rollout's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<PrometheusAuth>,
}

/// A range query's window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct RangeQuery {
    /// How far back from the measurement the window starts.
    pub lookback: DurationString,
    /// Resolution of the series (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<DurationString>,
}

/// Bearer or basic credentials.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.bearer) != has(self.basic)").message("auth sets one of bearer or basic"))]
pub struct PrometheusAuth {
    /// A bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer: Option<SecretKeyRef>,
    /// A user name and password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicAuth>,
}

/// Basic-auth credentials.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct BasicAuth {
    /// The user name.
    #[schemars(length(min = 1, max = 253))]
    pub username: String,
    /// The password.
    pub password: SecretKeyRef,
}

/// A key of a Secret in the Rollout's namespace, read at each measurement (never copied into
/// the AnalysisRun).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// The Secret's name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// The key in its `data`.
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

/// HTTP method of a `web` metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum WebMethod {
    /// GET (the default).
    #[default]
    #[serde(rename = "GET")]
    Get,
    /// POST with `body`.
    #[serde(rename = "POST")]
    Post,
}

/// An HTTP endpoint that answers JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct WebProvider {
    /// The URL.
    #[schemars(length(min = 1, max = 2048))]
    pub url: String,
    /// GET or POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<WebMethod>,
    /// Request headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 32))]
    pub headers: Vec<WebHeader>,
    /// Request body (POST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 65536))]
    pub body: Option<String>,
    /// Where the value is in the answer: a JSONPath such as `$.data.errorRate` or
    /// `$.results[*].value` (a vector). Default `$`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1024))]
    pub json_path: Option<String>,
    /// Request timeout (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationString>,
}

/// A request header: a literal or a Secret's key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.value) != has(self.valueFrom)").message("a header sets one of value or valueFrom"))]
pub struct WebHeader {
    /// Header name.
    #[schemars(length(min = 1, max = 256))]
    pub name: String,
    /// Literal value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Value from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<SecretKeyRef>,
}

/// A Job run once per measurement: it succeeds (1) or fails (0).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct JobProvider {
    /// A `batch/v1` JobSpec (validated by the API server when the Job is created).
    #[schemars(schema_with = "any_object")]
    pub spec: serde_json::Value,
}

fn any_object(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true })
}

/// Built-in success-rate SLI of a Service, from the conventional request counter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct SuccessRateSli {
    /// Base URL of the Prometheus server.
    #[schemars(length(min = 1, max = 2048))]
    pub address: String,
    /// The Service measured (default: the Rollout's canary Service, or the preview Service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Window of each measurement (default: the metric's interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<DurationString>,
    /// The request counter (default `http_requests_total`, labels `namespace`, `service`, `code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Regular expression of the `code` label values that are failures (default `5..`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_codes: Option<String>,
}

/// Built-in latency SLI of a Service, from the conventional duration histogram.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct LatencySli {
    /// Base URL of the Prometheus server.
    #[schemars(length(min = 1, max = 2048))]
    pub address: String,
    /// The Service measured (default: the Rollout's canary Service, or the preview Service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The quantile, e.g. `0.99` (default 0.99), written as a string (`"0.99"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^0?\.[0-9]+$"))]
    pub quantile: Option<String>,
    /// Window of each measurement (default: the metric's interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<DurationString>,
    /// The histogram (default `http_request_duration_seconds`, labels `namespace`, `service`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
}
