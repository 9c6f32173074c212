//! Analysis end to end against a real Prometheus (Debian's package) scraping the hollow
//! cluster's request metrics every second, on the wall clock: a healthy canary passes its
//! analysis and is promoted; a canary with 20% errors is aborted by it (traffic back on
//! stable, the reason recorded); a Prometheus outage is counted as errors and never
//! promotes; a query with no data follows the no-data policy.

use crate::common;

use std::time::{Duration, Instant};

/// The wall clock: Prometheus scrapes and the providers run on it, so these tests wait on it
/// (for states, never for a time) and report what it measured.
#[allow(clippy::disallowed_methods)]
fn wall() -> Instant {
    Instant::now()
}

use common::{
    gateway,
    harness::{Instance, setup},
    prometheus::Prometheus,
    rollouts::{phase, set_image, wait_for},
};
use hollow::embedded;
use kube::{
    Api, Client,
    api::{ListParams, PostParams},
};
use ramp::api::{
    Rollout, RolloutPhase,
    analysis::{AnalysisPhase, AnalysisRun, AnalysisTemplate, MeasurementPhase},
};
use serde_json::{Value, json};

/// Services, an HTTPRoute over them, and 200 requests a second to the stable Service.
async fn traffic(running: &embedded::Running, client: &Client) {
    gateway::install(client, &[]).await;
    let body = json!([{"namespace": "default", "service": "web-stable", "ratePerSecond": 200}]);
    let r = reqwest::Client::new()
        .post(format!("{}/sim/traffic", running.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text().await);
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
    controller: Instance,
    api: Api<Rollout>,
    /// The controller's /metrics.
    metrics_url: String,
}

async fn world() -> World {
    let (running, client) = setup().await;
    traffic(&running, &client).await;
    let target = running.url().trim_start_matches("http://").to_string();
    let prom = Prometheus::start(&target).await;
    prom.wait_for_series("http_requests_total").await;
    let listen = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let controller = Instance::start_serving(&running.url(), "ramp-a", Some(listen));
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    World { running, client, prom, controller, api, metrics_url: format!("http://{listen}/metrics") }
}

impl World {
    /// Stops the controller and Prometheus (their open connections would hold the API
    /// server's graceful stop until they time out), then the API server.
    async fn finish(mut self) {
        self.controller.kill();
        self.prom.stop();
        self.running.stop().await.unwrap();
    }

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
    assert_eq!(gateway::weights(&w.client).await, (100, 0), "promoted: stable is the new revision");
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
    w.finish().await;
}

/// Rolls out `web:v2-errors20` (a fifth of the canary's requests fail) under `metric` and
/// returns the failed measurement and the time from the canary's first requests (its weight
/// set on the route) to all traffic back on stable.
async fn abort_of_a_faulty_canary(w: &World, metric: Value) -> (ramp::api::analysis::Measurement, Duration) {
    template(&w.client, "errors", metric).await;
    w.healthy_on(canary("web:v1", "errors", json!({}))).await;
    set_image(&w.api, "web:v2-errors20").await;
    let (mut first_bad, mut back) = (None, None);
    let start = wall();
    while back.is_none() && start.elapsed() < Duration::from_secs(120) {
        let (stable, canary) = gateway::weights(&w.client).await;
        if canary > 0 && first_bad.is_none() {
            first_bad = Some(wall());
        }
        if first_bad.is_some() && (stable, canary) == (100, 0) {
            back = Some(wall());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (first_bad, back) =
        (first_bad.expect("the canary got traffic"), back.expect("traffic back on stable"));
    let r = wait_for(&w.api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    let msg = status_message(&r);
    assert!(msg.contains("analysis failed") && msg.contains("success-rate"), "{msg}");
    let status = w.run_of("step-1").await.status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Failed, "{:?}", status.message);
    let bad =
        status.metric_results[0].measurements.iter().find(|m| m.phase == MeasurementPhase::Failed).cloned();
    // The controller counted the reaction once: failing measurement to traffic on stable.
    let text = reqwest::get(&w.metrics_url).await.unwrap().text().await.unwrap();
    let count = text.lines().find(|l| l.starts_with("ramp_analysis_abort_reaction_seconds_count"));
    assert_eq!(count.and_then(|l| l.split_whitespace().nth(1)), Some("1"), "{text}");
    let sum =
        text.lines().find(|l| l.starts_with("ramp_analysis_abort_reaction_seconds_sum")).unwrap_or_default();
    eprintln!("controller reaction (failing measurement to traffic on stable): {sum}");
    (bad.expect("a failed measurement"), back.duration_since(first_bad))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_with_20_percent_errors_is_aborted_by_its_threshold_analysis() {
    let w = world().await;
    let (bad, took) = abort_of_a_faulty_canary(&w, success_rate(&w.prom)).await;
    let v: f64 = bad.value.parse().unwrap();
    assert!((0.7..0.9).contains(&v), "about 80% success at the canary: {v}");
    assert!(bad.message.contains("does not meet successCondition"), "{}", bad.message);
    eprintln!(
        "threshold judge: first bad request to traffic back on stable: {:.1} s (initialDelay 4 s, interval 2 s, window 10 s)",
        took.as_secs_f64()
    );
    w.finish().await;
}

/// The sequential count judge over the built-in success-rate SLI: errors of canary and
/// stable against the split of requests actually served.
fn sequential_errors(prom: &Prometheus, count: i32) -> Value {
    json!({"name": "success-rate", "interval": "1s", "count": count, "initialDelay": "2s",
           "provider": {"successRate": {"address": prom.url}},
           "judge": {"sequential": {"maxRatio": "1.5", "alpha": "0.01"}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_with_20_percent_errors_is_aborted_by_its_sequential_analysis() {
    let w = world().await;
    let (bad, took) = abort_of_a_faulty_canary(&w, sequential_errors(&w.prom, 60)).await;
    assert!(bad.message.starts_with("regression beyond maxRatio 1.5"), "{}", bad.message);
    let e = bad.evidence.unwrap();
    assert!(e.query.contains("code=~\"5..\"") && e.samples >= 10, "{e:?}");
    eprintln!(
        "sequential judge: first bad request to traffic back on stable: {:.1} s (interval 1 s)",
        took.as_secs_f64()
    );
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_canary_passes_its_sequential_analysis_when_the_bake_time_ends() {
    let w = world().await;
    template(&w.client, "errors", sequential_errors(&w.prom, 5)).await;
    w.healthy_on(canary("web:v1", "errors", json!({}))).await;
    let v1 = w.api.get("web").await.unwrap().status.unwrap().stable_revision;
    set_image(&w.api, "web:v2").await;
    wait_for(&w.api, "v2 promoted", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status
                .as_ref()
                .is_some_and(|s| s.stable_revision != v1 && s.stable_revision == s.updated_revision)
    })
    .await;
    let status = w.run_of("step-1").await.status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Successful, "{:?}", status.message);
    let m = &status.metric_results[0];
    assert_eq!(m.count, 5, "{m:?}");
    assert!(
        m.message.as_deref().is_some_and(|x| x.contains("no evidence of a regression")),
        "{:?}",
        m.message
    );
    // Each side was read as [failures, requests] so far (stable's count includes the 503s
    // served before any pod was ready); the canary had no failure, so no evidence either way.
    let last = m.measurements.last().unwrap();
    let pair =
        |t: &str| ramp::analysis::value::Sample::parse(t).map(|s| s.values().len() == 2).unwrap_or(false);
    assert!(last.value.starts_with("[0, ") && pair(&last.value), "{last:?}");
    assert!(last.baseline.as_deref().is_some_and(pair), "{last:?}");
    assert_eq!(last.evidence.as_ref().and_then(|e| e.interval.as_deref()), Some("[0, +Inf]"), "{last:?}");
    w.finish().await;
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
    assert_eq!(gateway::weights(&w.client).await, (100, 0));
    w.finish().await;
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
    w.finish().await;
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
    w.finish().await;
}
