//! End-to-end tests of the traffic model: routing, spread, behaviour, determinism, pacing.
//! Statistical checks use a tolerance of 3 binomial standard deviations, `3·√(n·p·(1−p))`;
//! with a fixed seed each test is deterministic anyway, the tolerance says what is claimed.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

mod exposition;
mod matches;

use super::*;
use exposition::{Sample, parse};

const NS: &str = "shop";

pub(super) fn service(ns: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}})
}

/// Endpoints for `name` with ready `pods` and not-ready `unready` pods.
pub(super) fn endpoints(ns: &str, name: &str, pods: &[&str], unready: &[&str]) -> Value {
    let addr = |p: &&str| json!({"ip": "10.0.0.1", "targetRef": {"kind": "Pod", "namespace": ns, "name": p}});
    let mut subset = json!({"ports": [{"port": 8080}]});
    if !pods.is_empty() {
        subset["addresses"] = pods.iter().map(addr).collect();
    }
    if !unready.is_empty() {
        subset["notReadyAddresses"] = unready.iter().map(addr).collect();
    }
    json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns}, "subsets": [subset]})
}

pub(super) fn pod(ns: &str, name: &str, version: &str, image: &str, annotations: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app.kubernetes.io/version": version},
            "annotations": annotations},
        "spec": {"containers": [{"name": "app", "image": image}]}})
}

/// An HTTPRoute with one rule sending to `refs` (name, weight; `None` = no weight field).
pub(super) fn route(ns: &str, name: &str, created: &str, refs: &[(&str, Option<u64>)]) -> Value {
    let refs: Vec<Value> = refs
        .iter()
        .map(|(n, w)| match w {
            Some(w) => json!({"name": n, "port": 80, "weight": w}),
            None => json!({"name": n, "port": 80}),
        })
        .collect();
    json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": created},
        "spec": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": refs}]}})
}

/// Objects owned by a test, lent out as a [`World`].
#[derive(Default)]
pub(super) struct Objects {
    pub(super) services: Vec<Value>,
    pub(super) endpoints: Vec<Value>,
    pub(super) pods: Vec<Value>,
    pub(super) routes: Vec<Value>,
}

impl Objects {
    pub(super) fn world(&self) -> World<'_> {
        World { services: &self.services, endpoints: &self.endpoints, pods: &self.pods, routes: &self.routes }
    }

    /// A Service with one ready pod per `(pod name, version, image)`.
    pub(super) fn app(&mut self, ns: &str, name: &str, pods: &[(&str, &str, &str)]) -> &mut Self {
        self.services.push(service(ns, name));
        let names: Vec<&str> = pods.iter().map(|p| p.0).collect();
        self.endpoints.push(endpoints(ns, name, &names, &[]));
        self.pods.extend(pods.iter().map(|(p, v, i)| pod(ns, p, v, i, json!({}))));
        self
    }

    /// Stable (`v1`) and canary (`v2`) Services with one pod each.
    pub(super) fn canary(canary_image: &str) -> Self {
        let mut o = Self::default();
        o.app(NS, "stable", &[("stable-0", "v1", "app:v1")]).app(
            NS,
            "canary",
            &[("canary-0", "v2", canary_image)],
        );
        o
    }
}

pub(super) fn target(service: &str, rate: f64) -> Target {
    Target::new(NS, service, rate)
}

/// Runs `rate` requests/s at `service` for one second; returns the traffic.
pub(super) fn run(objects: &Objects, service: &str, rate: f64) -> Traffic {
    let mut t = Traffic::new(42, vec![target(service, rate)]);
    t.tick(Duration::from_secs(1), &objects.world());
    t
}

fn count(t: &Traffic, service: &str, version: &str, code: &str) -> u64 {
    t.counts().get(&(service.into(), version.into(), code.into())).copied().unwrap_or(0)
}

fn key(s: &str, v: &str, c: &str) -> (String, String, String) {
    (s.into(), v.into(), c.into())
}

/// 3 binomial standard deviations of a count out of `n` with probability `p`.
fn three_sigma(n: f64, p: f64) -> f64 {
    3.0 * (n * p * (1.0 - p)).sqrt()
}

fn assert_near(got: u64, n: f64, p: f64) {
    let tol = three_sigma(n, p);
    assert!((got as f64 - n * p).abs() <= tol, "{got} not within {tol:.1} of {}", n * p);
}

#[test]
fn weighted_split_80_20() {
    let mut o = Objects::canary("app:v2");
    o.routes.push(route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", Some(80)), ("canary", Some(20))]));
    let t = run(&o, "stable", 10_000.0);
    // n = 10,000, p = 0.2: σ = 40, tolerance ±120 requests (±1.2 points of share).
    assert_near(count(&t, "canary", "v2", "200"), 10_000.0, 0.2);
    assert_eq!(count(&t, "stable", "v1", "200") + count(&t, "canary", "v2", "200"), 10_000);
    assert_eq!(t.counts().len(), 2);
}

#[test]
fn weight_zero_gets_nothing_and_default_weight_is_one() {
    let mut o = Objects::canary("app:v2");
    o.routes.push(route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", Some(100)), ("canary", Some(0))]));
    let t = run(&o, "canary", 1000.0); // targeting the canary name still uses the route's split
    assert_eq!(t.counts(), BTreeMap::from([(key("stable", "v1", "200"), 1000)]));

    o.routes = vec![route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", None), ("canary", None)])];
    let t = run(&o, "stable", 10_000.0);
    assert_near(count(&t, "canary", "v2", "200"), 10_000.0, 0.5);
}

#[test]
fn all_weights_zero_is_500_without_version() {
    let mut o = Objects::canary("app:v2");
    o.routes.push(route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", Some(0)), ("canary", Some(0))]));
    let t = run(&o, "stable", 1000.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("stable", NO_VERSION, "500"), 1000)]));
}

#[test]
fn without_a_route_the_target_serves_itself() {
    let o = Objects::canary("app:v2");
    let t = run(&o, "stable", 100.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("stable", "v1", "200"), 100)]));
}

#[test]
fn routes_elsewhere_or_to_other_services_are_ignored() {
    let mut o = Objects::canary("app:v2");
    o.routes.push(route("other", "app", "2024-01-01T00:00:00Z", &[("stable", Some(0)), ("canary", Some(1))]));
    o.routes.push(route(NS, "unrelated", "2024-01-01T00:00:00Z", &[("canary", Some(1))]));
    let t = run(&o, "stable", 100.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("stable", "v1", "200"), 100)]));
}

#[test]
fn the_oldest_route_wins() {
    let mut o = Objects::canary("app:v2");
    o.routes.push(route(NS, "a-newer", "2024-06-01T00:00:00Z", &[("stable", Some(1))]));
    o.routes.push(route(NS, "z-older", "2024-01-01T00:00:00Z", &[("stable", Some(0)), ("canary", Some(1))]));
    let t = run(&o, "stable", 100.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("canary", "v2", "200"), 100)]));
}

#[test]
fn unresolvable_backends_get_500() {
    let mut o = Objects::canary("app:v2");
    let mut r = route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", Some(1)), ("missing", Some(1))]);
    r["spec"]["rules"][0]["backendRefs"]
        .as_array_mut()
        .into_iter()
        .for_each(|refs| refs.push(json!({"name": "canary", "namespace": "elsewhere", "weight": 1})));
    o.routes.push(r);
    let t = run(&o, "stable", 3000.0);
    // Three backends of weight 1: n = 3000, p = 1/3, tolerance ±77.
    assert_near(count(&t, "stable", "v1", "200"), 3000.0, 1.0 / 3.0);
    assert_near(count(&t, "missing", NO_VERSION, "500"), 3000.0, 1.0 / 3.0);
    assert_near(count(&t, "canary", NO_VERSION, "500"), 3000.0, 1.0 / 3.0);
    assert_eq!(t.counts().values().sum::<u64>(), 3000);
}

#[test]
fn even_spread_across_ready_endpoints() {
    let mut o = Objects::default();
    o.app(NS, "web", &[("web-a", "a", "app:a"), ("web-b", "b", "app:b"), ("web-c", "c", "app:c")]);
    o.endpoints[0]["subsets"][0]["notReadyAddresses"] =
        json!([{"ip": "10.0.0.9", "targetRef": {"kind": "Pod", "name": "web-d"}}]);
    o.pods.push(pod(NS, "web-d", "d", "app:d", json!({})));
    let t = run(&o, "web", 9000.0);
    // n = 9000, p = 1/3: σ ≈ 44.7, tolerance ±134 per endpoint; the not-ready pod gets none.
    for v in ["a", "b", "c"] {
        assert_near(count(&t, "web", v, "200"), 9000.0, 1.0 / 3.0);
    }
    assert_eq!(t.counts().len(), 3);
}

#[test]
fn no_ready_endpoints_is_503_and_no_service_is_500() {
    let mut o = Objects::default();
    o.services.push(service(NS, "down"));
    o.endpoints.push(endpoints(NS, "down", &[], &["down-0"]));
    o.pods.push(pod(NS, "down-0", "v1", "app:v1", json!({})));
    o.services.push(service(NS, "noendpoints"));
    let mut t =
        Traffic::new(1, vec![target("down", 10.0), target("noendpoints", 10.0), target("ghost", 10.0)]);
    t.tick(Duration::from_secs(1), &o.world());
    let expected = BTreeMap::from([
        (key("down", NO_VERSION, "503"), 10),
        (key("ghost", NO_VERSION, "500"), 10),
        (key("noendpoints", NO_VERSION, "503"), 10),
    ]);
    assert_eq!(t.counts(), expected);
}

#[test]
fn a_backend_without_endpoints_gets_503_for_its_share() {
    let mut o = Objects::canary("app:v2");
    o.endpoints[1] = endpoints(NS, "canary", &[], &["canary-0"]);
    o.routes.push(route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", Some(80)), ("canary", Some(20))]));
    let t = run(&o, "stable", 10_000.0);
    assert_near(count(&t, "canary", NO_VERSION, "503"), 10_000.0, 0.2);
    assert_eq!(count(&t, "canary", "v2", "200"), 0);
}

#[test]
fn versions_fall_back_to_pod_template_hash_then_unknown() {
    let mut o = Objects::default();
    o.app(NS, "web", &[("web-a", "x", "app:a")]);
    o.pods[0]["metadata"]["labels"] = json!({"pod-template-hash": "5d8f9c"});
    let t = run(&o, "web", 10.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("web", "5d8f9c", "200"), 10)]));
    o.pods.clear(); // the endpoint's pod is gone from the world
    let t = run(&o, "web", 10.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("web", UNKNOWN_VERSION, "200"), 10)]));
}

#[test]
fn errors_tag_gives_that_share_of_500s() {
    let o = Objects::canary("app:v2-errors20");
    let t = run(&o, "canary", 10_000.0);
    // n = 10,000, p = 0.2: tolerance ±120 errors.
    assert_near(count(&t, "canary", "v2", "500"), 10_000.0, 0.2);
    assert_eq!(count(&t, "canary", "v2", "500") + count(&t, "canary", "v2", "200"), 10_000);
}

#[test]
fn annotation_overrides_tag() {
    let mut o = Objects::canary("app:v2-errors20-slow300ms");
    o.pods[1]["metadata"]["annotations"] = json!({ERROR_RATE_ANNOTATION: "0", LATENCY_ANNOTATION: "5s"});
    let t = run(&o, "canary", 1000.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("canary", "v2", "200"), 1000)]));
    // Median 5 s: about half the requests (not the ~84 % a 300 ms median would put there) above 5 s.
    let le5 = bucket(&parse(&t.render()), "canary", "5");
    assert_near(le5, 1000.0, 0.5);
    o.pods[1]["metadata"]["annotations"] = json!({ERROR_RATE_ANNOTATION: "1"});
    let t = run(&o, "canary", 1000.0);
    assert_eq!(t.counts(), BTreeMap::from([(key("canary", "v2", "500"), 1000)]));
}

/// The cumulative count of `service`'s latency bucket `le`.
fn bucket(samples: &[Sample], service: &str, le: &str) -> u64 {
    samples
        .iter()
        .find(|s| {
            s.name == "http_request_duration_seconds_bucket"
                && s.label("service") == Some(service)
                && s.label("le") == Some(le)
        })
        .map_or(0, |s| s.value as u64)
}

#[test]
fn latency_histogram_is_consistent_and_log_normal() {
    let mut o = Objects::canary("app:v2");
    o.pods[0]["metadata"]["annotations"] = json!({LATENCY_ANNOTATION: "50ms"});
    o.routes.push(route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", Some(1)), ("ghost", Some(1))]));
    let t = run(&o, "stable", 20_000.0);
    let samples = parse(&t.render());
    let total: f64 = samples.iter().filter(|s| s.name == "http_requests_total").map(|s| s.value).sum();
    let counts: f64 =
        samples.iter().filter(|s| s.name == "http_request_duration_seconds_count").map(|s| s.value).sum();
    assert_eq!(total, 20_000.0);
    assert_eq!(counts, total);
    for series in samples.iter().filter(|s| s.name == "http_request_duration_seconds_count") {
        let svc = series.label("service");
        let buckets: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.name == "http_request_duration_seconds_bucket" && s.label("service") == svc)
            .collect();
        assert_eq!(buckets.len(), 12);
        assert!(buckets.windows(2).all(|w| w[0].value <= w[1].value), "buckets are cumulative");
        assert_eq!(buckets.last().map(|b| (b.label("le"), b.value)), Some((Some("+Inf"), series.value)));
    }
    // Gateway 500s are recorded at zero latency: all in the first bucket, sum 0.
    let ghost = samples
        .iter()
        .find(|s| s.name == "http_request_duration_seconds_sum" && s.label("service") == Some("ghost"));
    assert_eq!(ghost.map(|s| s.value), Some(0.0));
    assert_eq!(bucket(&samples, "ghost", "0.005"), count(&t, "ghost", NO_VERSION, "500"));
    // Median 50 ms, σ = 0.5: P(≤ 0.05) = 0.5; P(≤ 0.1) = Φ(ln 2 / 0.5) ≈ 0.9172.
    let n = count(&t, "stable", "v1", "200") as f64;
    assert_near(bucket(&samples, "stable", "0.05"), n, 0.5);
    assert_near(bucket(&samples, "stable", "0.1"), n, 0.9172);
}

#[test]
fn same_seed_same_output() {
    let mut o = Objects::canary("app:v2-errors10-slow80ms");
    o.routes.push(route(NS, "app", "2024-01-01T00:00:00Z", &[("stable", Some(90)), ("canary", Some(10))]));
    let go = |seed| {
        let mut t = Traffic::new(seed, vec![target("stable", 123.4), target("canary", 7.0)]);
        for _ in 0..50 {
            t.tick(Duration::from_millis(250), &o.world());
        }
        t.render()
    };
    assert_eq!(go(9), go(9));
    assert_ne!(go(9), go(10));
}

#[test]
fn fractional_rate_is_carried_across_ticks() {
    let o = Objects::canary("app:v2");
    let mut t = Traffic::new(5, vec![target("stable", 0.5)]);
    for _ in 0..10 {
        t.tick(Duration::from_secs(1), &o.world());
    }
    assert_eq!(t.counts(), BTreeMap::from([(key("stable", "v1", "200"), 5)]));
}

#[test]
fn set_targets_keeps_counters_and_merges_duplicates() {
    let o = Objects::canary("app:v2");
    let mut t = Traffic::new(5, vec![target("stable", 10.0)]);
    t.tick(Duration::from_secs(1), &o.world());
    t.set_targets(vec![target("canary", 3.0), target("canary", 2.0)]);
    assert_eq!(t.targets(), vec![target("canary", 5.0)]);
    t.tick(Duration::from_secs(1), &o.world());
    let expected = BTreeMap::from([(key("canary", "v2", "200"), 5), (key("stable", "v1", "200"), 10)]);
    assert_eq!(t.counts(), expected);
}

#[test]
fn namespaces_are_separate_series() {
    let mut o = Objects::canary("app:v2");
    o.app("other", "stable", &[("stable-0", "v9", "app:v9")]);
    let other = Target::new("other", "stable", 4.0);
    let mut t = Traffic::new(5, vec![target("stable", 6.0), other]);
    t.tick(Duration::from_secs(1), &o.world());
    let text = t.render();
    assert!(text.contains(
        "http_requests_total{namespace=\"other\",service=\"stable\",version=\"v9\",code=\"200\"} 4\n"
    ));
    assert!(text.contains(
        "http_requests_total{namespace=\"shop\",service=\"stable\",version=\"v1\",code=\"200\"} 6\n"
    ));
}
