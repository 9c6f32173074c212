//! Analysis end to end against a real Prometheus (Debian's package) scraping the hollow
//! cluster's request metrics every second, on the wall clock: a healthy canary passes its
//! analysis and is promoted; a canary with 20% errors is aborted by it (traffic back on
//! stable, the reason recorded); a Prometheus outage is counted as errors and never
//! promotes; a query with no data follows the no-data policy.

use crate::common;

use std::time::{Duration, Instant};

use common::{
    harness::{Instance, setup},
    prometheus::Prometheus,
    rollouts::{phase, set_image, wait_for},
};
use hollow::embedded;
use k8s_openapi::{
    api::core::v1::Service, apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api, Client,
    api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, PostParams},
};
use ramp::api::{
    Rollout, RolloutPhase,
    analysis::{AnalysisPhase, AnalysisRun, AnalysisTemplate, MeasurementPhase},
};
use serde_json::{Value, json};

fn routes(client: &Client) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", "HTTPRoute");
    Api::namespaced_with(client.clone(), "default", &ApiResource::from_gvk(&gvk))
}

/// Services, an HTTPRoute over them, and 200 requests a second to the stable Service.
async fn traffic(running: &embedded::Running, client: &Client) {
    let crd_yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/gateway-api/httproute-crd.yaml"
    ))
    .unwrap();
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&crd_yaml).unwrap();
    Api::<CustomResourceDefinition>::all(client.clone()).create(&PostParams::default(), &crd).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    for name in ["web-stable", "web-canary"] {
        let svc: Service = serde_json::from_value(
            json!({"metadata": {"name": name}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        )
        .unwrap();
        svcs.create(&PostParams::default(), &svc).await.unwrap();
    }
    let route: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "web"},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]}]}
    }))
    .unwrap();
    routes(client).create(&PostParams::default(), &route).await.unwrap();
    let body = json!([{"namespace": "default", "service": "web-stable", "ratePerSecond": 200}]);
    let r = reqwest::Client::new()
        .post(format!("{}/sim/traffic", running.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text().await);
}

/// (stable, canary) weights of the route.
async fn weights(client: &Client) -> (i64, i64) {
    let r = routes(client).get("web").await.unwrap();
    let refs = r.data.pointer("/spec/rules/0/backendRefs").and_then(Value::as_array).cloned().unwrap();
    let w = |i: usize| refs[i].get("weight").and_then(Value::as_i64).unwrap_or(1);
    (w(0), w(1))
}

async fn template(client: &Client, name: &str, metric: Value) {
    let t: AnalysisTemplate = serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": name},
        "spec": {"metrics": [metric]}
    }))
    .unwrap();
    Api::<AnalysisTemplate>::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &t)
        .await
        .unwrap();
}

fn success_rate(prom: &Prometheus) -> Value {
    json!({"name": "success-rate", "interval": "2s", "count": 4, "initialDelay": "4s",
           "provider": {"successRate": {"address": prom.url, "window": "10s"}},
           "judge": {"threshold": {"successCondition": "result >= 0.95"}}})
}

/// A canary at 20% through the route, then the analysis, then promotion.
fn canary(image: &str, template: &str, extra: Value) -> Rollout {
    let mut analysis = json!({"templates": [{"templateName": template}]});
    if let (Some(a), Some(e)) = (analysis.as_object_mut(), extra.as_object()) {
        a.extend(e.clone());
    }
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"canary": {"stableService": "web-stable", "canaryService": "web-canary",
                    "trafficRouting": {"gatewayApi": {"httpRoute": "web"}},
                    "steps": [{"setWeight": 20}, {"analysis": analysis}]}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "200ms"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

struct World {
    running: embedded::Running,
    client: Client,
    prom: Prometheus,
    _controller: Instance,
    api: Api<Rollout>,
}

async fn world() -> World {
    let (running, client) = setup().await;
    traffic(&running, &client).await;
    let target = running.url().trim_start_matches("http://").to_string();
    let prom = Prometheus::start(&target).await;
    prom.wait_for_series("http_requests_total").await;
    let controller = Instance::start(&running.url(), "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    World { running, client, prom, _controller: controller, api }
}

impl World {
    async fn healthy_on(&self, r: Rollout) {
        self.api.create(&PostParams::default(), &r).await.unwrap();
        wait_for(&self.api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    }

    async fn run_of(&self, point: &str) -> AnalysisRun {
        let runs = Api::<AnalysisRun>::namespaced(self.client.clone(), "default");
        let list = runs.list(&ListParams::default()).await.unwrap();
        list.items.into_iter().find(|r| r.spec.point == point).expect("an AnalysisRun for the step")
    }
}

fn status_message(r: &Rollout) -> String {
    r.status.as_ref().and_then(|s| s.message.clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_canary_passes_its_analysis_and_is_promoted() {
    let w = world().await;
    template(&w.client, "success-rate", success_rate(&w.prom)).await;
    w.healthy_on(canary("web:v1", "success-rate", json!({}))).await;
    let v1 = w.api.get("web").await.unwrap().status.unwrap().stable_revision;
    set_image(&w.api, "web:v2").await;
    let done = wait_for(&w.api, "v2 promoted", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status
                .as_ref()
                .is_some_and(|s| s.stable_revision != v1 && s.stable_revision == s.updated_revision)
    })
    .await;
    assert_eq!(weights(&w.client).await, (100, 0), "promoted: stable is the new revision");
    let run = w.run_of("step-1").await;
    let status = run.status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Successful, "{:?}", status.message);
    let m = &status.metric_results[0];
    assert_eq!((m.count, m.successful), (4, 4), "{m:?}");
    let e = m.measurements[0].evidence.as_ref().unwrap();
    assert!(e.query.contains("service=\"web-canary\"") && e.query.contains("[10s]"), "{}", e.query);
    let v: f64 = m.measurements[0].value.parse().unwrap();
    assert!(v >= 0.95, "a healthy canary's success rate: {v}");
    assert_eq!(run.spec.revision, done.status.unwrap().updated_revision.unwrap());
    w.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_with_20_percent_errors_is_aborted_by_its_analysis() {
    let w = world().await;
    template(&w.client, "success-rate", success_rate(&w.prom)).await;
    w.healthy_on(canary("web:v1", "success-rate", json!({}))).await;
    set_image(&w.api, "web:v2-errors20").await;
    // The first bad requests: the canary's weight is set.
    let mut first_bad = None;
    let mut back = None;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        let (stable, canary) = weights(&w.client).await;
        if canary > 0 && first_bad.is_none() {
            first_bad = Some(Instant::now());
        }
        if first_bad.is_some() && (stable, canary) == (100, 0) {
            back = Some(Instant::now());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (first_bad, back) =
        (first_bad.expect("the canary got traffic"), back.expect("traffic back on stable"));
    let r = wait_for(&w.api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    let msg = status_message(&r);
    assert!(msg.contains("analysis failed") && msg.contains("success-rate"), "{msg}");
    let run = w.run_of("step-1").await;
    let status = run.status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Failed);
    let bad =
        status.metric_results[0].measurements.iter().find(|m| m.phase == MeasurementPhase::Failed).unwrap();
    let v: f64 = bad.value.parse().unwrap();
    assert!((0.7..0.9).contains(&v), "about 80% success at the canary: {v}");
    assert!(bad.message.contains("does not meet successCondition"), "{}", bad.message);
    eprintln!(
        "threshold judge: first bad request to traffic back on stable: {:.1} s (initialDelay 4 s, window 10 s)",
        back.duration_since(first_bad).as_secs_f64()
    );
    w.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_down_counts_errors_and_never_promotes() {
    let mut w = world().await;
    let mut metric = success_rate(&w.prom);
    metric["consecutiveErrorLimit"] = json!(2);
    metric["count"] = json!(10);
    template(&w.client, "success-rate", metric).await;
    w.healthy_on(canary("web:v1", "success-rate", json!({}))).await;
    w.prom.stop();
    set_image(&w.api, "web:v2").await;
    let r = wait_for(&w.api, "aborted on provider errors", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    assert!(status_message(&r).contains("provider errors in a row"), "{}", status_message(&r));
    let status = w.run_of("step-1").await.status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Error);
    let m = &status.metric_results[0];
    assert_eq!((m.error, m.successful, m.consecutive_error), (3, 0, 3), "{m:?}");
    assert_eq!(weights(&w.client).await, (100, 0));
    w.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_with_on_error_pause_pauses_instead() {
    let mut w = world().await;
    let mut metric = success_rate(&w.prom);
    metric["consecutiveErrorLimit"] = json!(0);
    template(&w.client, "success-rate", metric).await;
    w.healthy_on(canary("web:v1", "success-rate", json!({"onError": "pause"}))).await;
    w.prom.stop();
    set_image(&w.api, "web:v2").await;
    let r = wait_for(&w.api, "paused on provider errors", |r| {
        r.status
            .as_ref()
            .is_some_and(|s| s.pause_conditions.iter().any(|p| p.reason == "InconclusiveAnalysis"))
    })
    .await;
    assert_eq!(phase(&r), Some(RolloutPhase::Paused));
    w.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_with_no_data_follows_the_no_data_policy() {
    let w = world().await;
    let metric = json!({"name": "absent", "interval": "1s", "count": 3,
        "provider": {"prometheus": {"address": w.prom.url, "query": "sum(rate(no_such_series_total[10s]))"}},
        "judge": {"threshold": {"successCondition": "result < 1"}}});
    template(&w.client, "absent", metric).await;
    w.healthy_on(canary("web:v1", "absent", json!({}))).await;
    set_image(&w.api, "web:v2").await;
    let r = wait_for(&w.api, "paused on an inconclusive analysis", |r| {
        r.status
            .as_ref()
            .is_some_and(|s| s.pause_conditions.iter().any(|p| p.reason == "InconclusiveAnalysis"))
    })
    .await;
    assert_eq!(phase(&r), Some(RolloutPhase::Paused), "never a silent pass");
    let status = w.run_of("step-1").await.status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Inconclusive);
    let m = &status.metric_results[0].measurements[0];
    assert_eq!(m.phase, MeasurementPhase::Inconclusive);
    assert!(m.message.contains("no data"), "{}", m.message);
    w.running.stop().await.unwrap();
}
