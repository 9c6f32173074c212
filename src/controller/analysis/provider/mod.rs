//! Metric providers behind one trait: each turns a metric (placeholders filled, credentials
//! read) into an [`Answer`] — values or an error, never a panic and never a silent zero. A
//! new provider (Datadog, CloudWatch) is one more implementation; nothing in the planner or
//! the judges changes.

pub mod job;
pub mod jsonpath;
pub mod prometheus;
pub mod web;

use std::{collections::BTreeMap, time::Duration};

use futures::future::BoxFuture;
use jiff::Timestamp;

use crate::api::analysis::Metric;
pub use ramp_core::analysis::measure::Answer;

/// Default per-request timeout of a provider.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Credentials read from Secrets for one measurement (never stored).
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// Bearer token.
    pub bearer: Option<String>,
    /// User and password.
    pub basic: Option<(String, String)>,
    /// Header values read from Secrets, by header name.
    pub headers: BTreeMap<String, String>,
}

/// One measurement to take.
pub struct Request<'a> {
    /// The metric.
    pub metric: &'a Metric,
    /// Placeholder values (`args.*`, `rollout.*`, `interval`), Secrets resolved.
    pub values: &'a BTreeMap<String, String>,
    /// Values that came from Secrets: masked wherever a query is recorded.
    pub secret_values: &'a [String],
    /// Credentials.
    pub credentials: &'a Credentials,
    /// The instant measured.
    pub at: Timestamp,
    /// The run measured (the `job` provider names and owns its Jobs after it).
    pub run: Option<&'a crate::api::analysis::AnalysisRun>,
    /// This measurement's number for the metric, from 1.
    pub number: i32,
}

impl Request<'_> {
    /// `text` with its placeholders filled.
    pub fn fill(&self, text: &str) -> Result<String, String> {
        ramp_core::analysis::substitute::substitute(text, self.values).map_err(|e| e.to_string())
    }

    /// `text` as recorded in evidence: Secret values masked.
    pub fn masked(&self, text: &str) -> String {
        self.secret_values
            .iter()
            .filter(|s| !s.is_empty())
            .fold(text.to_string(), |t, s| t.replace(s, "******"))
    }
}

/// A source of measurements.
pub trait MetricSource: Send + Sync {
    /// Takes one measurement.
    fn measure<'a>(&'a self, req: &'a Request<'a>) -> BoxFuture<'a, Answer>;
}

/// Every provider this build has, sharing one HTTP client.
#[derive(Clone)]
pub struct Providers {
    /// HTTP client (one connection pool, rustls with the process's one provider).
    pub http: reqwest::Client,
    /// The API client (Jobs); without one, `job` metrics are errors.
    pub kube: Option<kube::Client>,
}

impl Providers {
    /// Providers with a fresh HTTP client, running Jobs through `kube`.
    pub fn new(kube: Option<kube::Client>) -> Result<Self, reqwest::Error> {
        Ok(Self { http: reqwest::Client::builder().build()?, kube })
    }

    /// The source that measures `metric`.
    pub fn source_for(&self, metric: &Metric) -> Box<dyn MetricSource + '_> {
        let p = &metric.provider;
        if p.web.is_some() {
            Box::new(web::Web { http: &self.http })
        } else if p.job.is_some() {
            match &self.kube {
                Some(client) => Box::new(job::Jobs { client }),
                None => Box::new(Unsupported("the job provider needs an API client")),
            }
        } else {
            Box::new(prometheus::Prometheus { http: &self.http })
        }
    }
}

/// A provider that is declared but cannot run: every measurement is an error (counted
/// toward `consecutiveErrorLimit`; it never passes).
struct Unsupported(&'static str);

impl MetricSource for Unsupported {
    fn measure<'a>(&'a self, _: &'a Request<'a>) -> BoxFuture<'a, Answer> {
        Box::pin(async move { Answer::Error { message: self.0.into(), query: String::new() } })
    }
}

/// A metric's timeout string, parsed (default [`DEFAULT_TIMEOUT`]).
pub fn timeout_of(t: Option<&crate::api::DurationString>) -> Duration {
    t.and_then(|t| t.parse().ok()).unwrap_or(DEFAULT_TIMEOUT)
}
