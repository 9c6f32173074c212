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
//! `rate_per_second` synthetic requests. [`Traffic::tick`] with the elapsed time sends
//! `rate × elapsed` requests per target, carrying the fraction between ticks (computed from
//! the total time, so `0.5/s` over ten 1 s ticks is exactly 5 requests and long runs do not
//! drift). Duplicate targets add up. Cost is linear in the number of requests.
//!
//! **Routing** (as a data plane would). If an HTTPRoute (`gateway.networking.k8s.io`) in the
//! target's namespace has a rule with a `backendRef` naming the target Service, requests are
//! split across *that rule's* `backendRefs` by `weight`: default 1, share =
//! weight / Σ weights, weight 0 gets nothing. If several routes or rules qualify, the first
//! rule of the oldest route wins (`creationTimestamp`, then name, per Gateway API
//! precedence). Matches, filters and parentRefs are ignored: every synthetic request matches.
//! Without such a route, requests go to the target Service itself. Failures, all counted
//! with `version="none"` and zero latency:
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
use metrics::Metrics;
use split::{Backend, Index};

/// A Service that receives synthetic requests.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Namespace of the Service (and of the HTTPRoutes considered).
    pub namespace: String,
    /// Service name as clients address it.
    pub service: String,
    /// Requests per second.
    pub rate_per_second: f64,
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
    /// Pacing per (namespace, service), sorted so requests are drawn in a fixed order.
    targets: BTreeMap<(String, String), Pacer>,
    metrics: Metrics,
}

fn merged_rates(targets: Vec<Target>) -> BTreeMap<(String, String), f64> {
    let mut rates = BTreeMap::new();
    for t in targets {
        let rate = if t.rate_per_second.is_finite() { t.rate_per_second.max(0.0) } else { 0.0 };
        *rates.entry((t.namespace, t.service)).or_insert(0.0) += rate;
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

    /// The current targets (merged per Service, sorted).
    pub fn targets(&self) -> Vec<Target> {
        self.targets
            .iter()
            .map(|((namespace, service), p)| Target {
                namespace: namespace.clone(),
                service: service.clone(),
                rate_per_second: p.rate(),
            })
            .collect()
    }

    /// Lets `elapsed` pass: sends the requests due through `world` and records them.
    pub fn tick(&mut self, elapsed: Duration, world: &World) {
        let Self { rng, targets, metrics } = self;
        let index = Index::new(world);
        for ((namespace, service), pacer) in targets.iter_mut() {
            let n = pacer.advance(elapsed);
            if n == 0 {
                continue;
            }
            let plan = index.plan(namespace, service);
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
