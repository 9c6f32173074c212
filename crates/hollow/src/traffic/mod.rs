//! Synthetic traffic for the hollow cluster, and the SLI metrics it produces.
//!
//! Canary analysis reads request rate, error ratio and latency per version from Prometheus;
//! in the hollow cluster there are no real clients or pods, so this module plays both. It is
//! pure and deterministic: it reads Kubernetes objects as [`serde_json::Value`], is told how
//! much time has passed, draws randomness only from a seeded Rng, and renders
//! Prometheus text. Same seed and same inputs give byte-identical output.
//!
//! # The model
//!
//! **Targets.** Each [`Target`] names a Service (`namespace`, `service`) that receives
//! `rate_per_second` synthetic requests, all `GET`s of the target's `path` (default `/`)
//! carrying its `headers` (default none; names are case-insensitive and kept lowercased) and
//! no query parameters. [`Traffic::tick`] with the elapsed time sends `rate × elapsed`
//! requests per target, carrying the fraction between ticks (computed from the total time,
//! so `0.5/s` over ten 1 s ticks is exactly 5 requests and long runs do not drift).
//! Duplicate targets (same Service, path and headers) add up; targets differing in path or
//! headers are paced and routed separately. Cost is linear in the number of requests.
//!
//! **Routing** (as a data plane would). A rule of an HTTPRoute (`gateway.networking.k8s.io`)
//! in the target's namespace *names* the target if one of its `backendRefs` is the target
//! Service, and *applies* to a request if it names the target and one of its `matches`
//! matches the request (a rule without `matches` matches everything, as `PathPrefix /`).
//! Rules that do not name the target are never considered, even beside rules that do in the
//! same route. Within a match all conditions must hold:
//! - `path` (default `PathPrefix /`): `Exact` compares the whole path; `PathPrefix` compares
//!   whole `/`-separated elements, ignoring a trailing `/` (`/api` matches `/api`, `/api/`
//!   and `/api/v1`, not `/apiv2`); matching is case-sensitive;
//! - `headers`: each `{name, value}` of type `Exact` (the default) needs that header with
//!   exactly that value; names are case-insensitive, and only the first entry per name counts;
//! - `method`, if set, must be `GET`; `queryParams`, if any, never hold;
//! - `RegularExpression` (and unknown) path or header types are unsupported: never hold.
//!
//! Of the applying rules the most specific wins, per Gateway API precedence: an `Exact` path
//! over a prefix, then the longer path value, then a method match, then more header matches
//! (a rule counts with its most specific matching match); ties go to the oldest route
//! (`creationTimestamp`), then by namespace/name, then to the first rule in the route.
//! Requests are split across *that rule's* `backendRefs` by `weight`: default 1, share =
//! weight / Σ weights, weight 0 gets nothing. Filters and parentRefs are ignored. If no rule
//! names the target Service, requests go to the target Service itself. Failures, all counted
//! with `version="none"` and zero latency:
//! - rules name the target Service but none applies → 404 on the target Service (a gateway
//!   finds no matching rule);
//! - all weights 0 → 500 on the target Service;
//! - backend not a core `Service` in the route's namespace (ReferenceGrants are not
//!   modelled), or the Service does not exist → 500 on that backend;
//! - backend Service with no ready endpoints → 503 on that backend.
//!
//! **Endpoints.** Within a Service, requests spread uniformly at random across the ready
//! addresses of the `Endpoints` object of the same name (`subsets[].addresses[]`;
//! `notReadyAddresses` get nothing). `targetRef.name` names the Pod.
//!
//! **Version** of an endpoint: its pod's `app.kubernetes.io/version` label, else its
//! `pod-template-hash` label, else `"unknown"` (also when the pod is not found).
//!
//! **Behaviour** of a pod, per property: annotation, else image-tag convention on the first
//! container, else default. Malformed values are ignored (fall through).
//! - error ratio: annotation `sim.ramp.dev/error-rate` (`0.0`–`1.0`), tag part
//!   `-errors<N>` (N percent, `app:v2-errors20`), default 0. Errors are HTTP 500; others 200.
//! - median latency: annotation `sim.ramp.dev/latency` (Go-style duration: `50ms`, `1s`,
//!   `1.5s`, `1m30s`), tag part `-slow<D>` (`app:v2-slow300ms`), default 20 ms. Parts
//!   combine: `app:v2-errors20-slow300ms`.
//! - latency distribution: log-normal around the median, `median · exp(0.5 · Z)`,
//!   `Z ~ N(0,1)` (p90 ≈ 1.9 × median, p99 ≈ 3.2 × median), for errors too.
//!
//! # Metrics
//!
//! [`Traffic::render`] gives Prometheus text exposition 0.0.4, sorted by labels:
//! - `http_requests_total{namespace,service,version,code}` counter;
//! - `http_request_duration_seconds{namespace,service,version}` histogram with buckets
//!   `0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf`, `_sum` and `_count`.
//!
//! `service` is the backend Service that answered (for a canary: the stable or canary
//! Service), `namespace` its namespace. Pod names never appear in labels. Label values are
//! escaped (`\\`, `\"`, `\n`). Counters only grow; [`Traffic::set_targets`] keeps them.

mod behaviour;
mod generator;
mod matches;
mod metrics;
mod split;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

pub use behaviour::{
    Behaviour, BehaviourError, DEFAULT_MEDIAN_LATENCY, ERROR_RATE_ANNOTATION, LATENCY_ANNOTATION,
    LATENCY_SIGMA, POD_TEMPLATE_HASH_LABEL, UNKNOWN_VERSION, VERSION_LABEL, parse_duration, parse_error_rate,
    version_of,
};
pub use metrics::{BUCKETS, REQUEST_DURATION, REQUESTS_TOTAL, escape};
pub use split::NO_VERSION;

use crate::rng::Rng;
use generator::Pacer;
use matches::Request;
use metrics::Metrics;
use split::{Backend, Index};

/// A Service that receives synthetic requests, and what those requests look like.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Namespace of the Service (and of the HTTPRoutes considered).
    pub namespace: String,
    /// Service name as clients address it.
    pub service: String,
    /// Requests per second.
    pub rate_per_second: f64,
    /// URL path of every request (without query); empty counts as `/`.
    pub path: String,
    /// Headers of every request, name → value; names are case-insensitive.
    pub headers: BTreeMap<String, String>,
}

impl Default for Target {
    /// No requests to an unnamed Service in `default`, path `/`, no headers.
    fn default() -> Self {
        Self {
            namespace: "default".to_owned(),
            service: String::new(),
            rate_per_second: 0.0,
            path: "/".to_owned(),
            headers: BTreeMap::new(),
        }
    }
}

impl Target {
    /// `rate_per_second` requests to Service `service` in `namespace`: `GET /`, no headers.
    pub fn new(namespace: impl Into<String>, service: impl Into<String>, rate_per_second: f64) -> Self {
        Self { namespace: namespace.into(), service: service.into(), rate_per_second, ..Self::default() }
    }

    /// The same target, requesting `path`.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The same target, its requests also carrying header `name: value` (name lowercased).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into().to_ascii_lowercase(), value.into());
        self
    }
}

/// What requests are paced by: the Service addressed and the request sent to it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    namespace: String,
    service: String,
    /// Never empty.
    path: String,
    /// Names lowercased.
    headers: BTreeMap<String, String>,
}

impl Key {
    fn of(t: Target) -> Self {
        let path = if t.path.is_empty() { "/".to_owned() } else { t.path };
        let headers = t.headers.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        Self { namespace: t.namespace, service: t.service, path, headers }
    }

    fn request(&self) -> Request<'_> {
        Request { path: &self.path, headers: &self.headers, method: matches::METHOD }
    }
}

/// The objects traffic is routed through, as read from the store for one tick.
#[derive(Clone, Copy, Debug, Default)]
pub struct World<'a> {
    /// `v1` Services.
    pub services: &'a [Value],
    /// `v1` Endpoints.
    pub endpoints: &'a [Value],
    /// `v1` Pods.
    pub pods: &'a [Value],
    /// `gateway.networking.k8s.io` HTTPRoutes.
    pub routes: &'a [Value],
}

/// The traffic generator and its recorded metrics.
#[derive(Clone, Debug)]
pub struct Traffic {
    rng: Rng,
    /// Pacing per Service and request, sorted so requests are drawn in a fixed order.
    targets: BTreeMap<Key, Pacer>,
    metrics: Metrics,
}

fn merged_rates(targets: Vec<Target>) -> BTreeMap<Key, f64> {
    let mut rates = BTreeMap::new();
    for t in targets {
        let rate = if t.rate_per_second.is_finite() { t.rate_per_second.max(0.0) } else { 0.0 };
        *rates.entry(Key::of(t)).or_insert(0.0) += rate;
    }
    rates
}

impl Traffic {
    /// A generator drawing from `seed`, sending to `targets`.
    pub fn new(seed: u64, targets: Vec<Target>) -> Self {
        let mut traffic = Self { rng: Rng::new(seed), targets: BTreeMap::new(), metrics: Metrics::default() };
        traffic.set_targets(targets);
        traffic
    }

    /// Replaces the targets. Recorded metrics are kept; a target that stays keeps its
    /// owed fraction of a request.
    pub fn set_targets(&mut self, targets: Vec<Target>) {
        let rates = merged_rates(targets);
        self.targets.retain(|key, _| rates.contains_key(key));
        for (key, rate) in rates {
            self.targets.entry(key).and_modify(|p| p.set_rate(rate)).or_insert_with(|| Pacer::new(rate));
        }
    }

    /// The current targets (merged per Service, path and headers; header names lowercased;
    /// sorted).
    pub fn targets(&self) -> Vec<Target> {
        self.targets
            .iter()
            .map(|(key, p)| Target {
                namespace: key.namespace.clone(),
                service: key.service.clone(),
                rate_per_second: p.rate(),
                path: key.path.clone(),
                headers: key.headers.clone(),
            })
            .collect()
    }

    /// Lets `elapsed` pass: sends the requests due through `world` and records them.
    pub fn tick(&mut self, elapsed: Duration, world: &World) {
        let Self { rng, targets, metrics } = self;
        let index = Index::new(world);
        for (key, pacer) in targets.iter_mut() {
            let n = pacer.advance(elapsed);
            if n == 0 {
                continue;
            }
            let namespace = &key.namespace;
            let plan = index.plan(namespace, &key.service, &key.request());
            for _ in 0..n {
                match plan.pick(rng) {
                    Backend::Serve { service, endpoints } => {
                        let len = endpoints.len() as u64;
                        let Some(endpoint) =
                            usize::try_from(rng.below(len)).ok().and_then(|i| endpoints.get(i))
                        else {
                            continue;
                        };
                        let code = if rng.chance(endpoint.behaviour.error_rate) { 500 } else { 200 };
                        let seconds = endpoint.behaviour.sample_latency(rng);
                        metrics.record(namespace, service, &endpoint.version, code, seconds);
                    }
                    Backend::Fail { service, code } => {
                        metrics.record(namespace, service, NO_VERSION, *code, 0.0)
                    }
                }
            }
        }
    }

    /// The metrics in Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        self.metrics.render()
    }

    /// Requests counted so far per (service, version, code), summed over namespaces.
    pub fn counts(&self) -> BTreeMap<(String, String, String), u64> {
        self.metrics.counts()
    }
}
