//! The `job` provider end to end on the hollow cluster (whose kubelet runs a Job's pods to an
//! exit code): a smoke test that succeeds lets the canary through, one that fails aborts it
//! with the Job's reason, and a load test still running when the rollout is aborted is
//! stopped. On tokio's paused clock.

use crate::common;

use common::{
    paused::{Instance, cluster},
    rollouts::{phase, request, set_image, wait_for},
};
use k8s_openapi::api::batch::v1::Job;
use kube::{
    Api, Client,
    api::{ListParams, PostParams},
};
use ramp::api::{
    Rollout, RolloutPhase,
    analysis::{AnalysisPhase, AnalysisRun, AnalysisTemplate},
};
use serde_json::{Value, json};

/// A template whose one metric runs `image` as a Job for `duration`.
async fn smoke_template(client: &Client, image: &str, duration: &str) {
    let t: AnalysisTemplate = serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": "smoke"},
        "spec": {"args": [{"name": "target"}], "metrics": [{"name": "smoke", "provider": {"job": {"spec": {
            "backoffLimit": 0,
            "template": {"metadata": {"annotations": {"sim.ramp.dev/run-duration": duration}},
                         "spec": {"restartPolicy": "Never", "containers": [{"name": "smoke", "image": image,
                                  "args": ["--target", "http://{{args.target}}"]}]}}}}}}]}
    }))
    .unwrap();
    Api::<AnalysisTemplate>::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &t)
        .await
        .unwrap();
}

/// A canary at 20% (replica ratio), then the smoke test as a step, or in the background.
fn canary(image: &str, background: bool) -> Rollout {
    canary_with(image, background, false)
}

fn canary_with(image: &str, background: bool, dry_run: bool) -> Rollout {
    let analysis = json!({"templates": [{"templateName": "smoke"}], "dryRun": dry_run,
                          "args": [{"name": "target", "value": "web-canary"}]});
    let mut strategy = json!({"steps": [{"setWeight": 20}, {"pause": {"duration": "1h"}}]});
    if background {
        strategy["analysis"] = analysis;
    } else {
        strategy["steps"] = json!([{"setWeight": 20}, {"analysis": analysis}]);
    }
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "web"}}, "strategy": {"canary": strategy},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "1s"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

async fn runs(client: &Client) -> Vec<AnalysisRun> {
    Api::<AnalysisRun>::namespaced(client.clone(), "default")
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
}

async fn jobs(client: &Client) -> Vec<Job> {
    Api::<Job>::namespaced(client.clone(), "default").list(&ListParams::default()).await.unwrap().items
}

async fn start(smoke_image: &str, duration: &str, background: bool) -> (Client, Api<Rollout>, Instance) {
    start_with(smoke_image, duration, canary("web:v1", background)).await
}

async fn start_with(smoke_image: &str, duration: &str, rollout: Rollout) -> (Client, Api<Rollout>, Instance) {
    let (client, api, instance, _) = world(smoke_image, duration, rollout, &[]).await;
    (client, api, instance)
}

/// The smoke template, `services`, the controller, and `rollout` healthy on v1 then moved to
/// v2; returns v1's pod-template-hash too.
async fn world(
    smoke_image: &str,
    duration: &str,
    rollout: Rollout,
    services: &[&str],
) -> (Client, Api<Rollout>, Instance, String) {
    let (server, client) = cluster().await;
    smoke_template(&client, smoke_image, duration).await;
    let svcs: Api<k8s_openapi::api::core::v1::Service> = Api::namespaced(client.clone(), "default");
    for name in services {
        let svc = serde_json::from_value(
            json!({"metadata": {"name": name}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        )
        .unwrap();
        svcs.create(&PostParams::default(), &svc).await.unwrap();
    }
    let instance = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout).await.unwrap();
    let v1 = wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    set_image(&api, "web:v2").await;
    (client, api, instance, v1.status.and_then(|s| s.stable_revision).unwrap())
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_smoke_test_that_succeeds_lets_the_canary_through() {
    let (client, api, _a) = start("smoke:v1", "20s", false).await;
    wait_for(&api, "v2 promoted", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status
                .as_ref()
                .is_some_and(|s| s.stable_revision == s.updated_revision && s.current_step == Some(2))
    })
    .await;
    let run = runs(&client).await.into_iter().find(|r| r.spec.point == "step-1").unwrap();
    let status = run.status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Successful, "{:?}", status.message);
    let m = &status.metric_results[0].measurements[0];
    assert!(m.message.contains("succeeded") && m.message.contains("1 pod(s) succeeded"), "{}", m.message);
    let job = jobs(&client).await.into_iter().next().unwrap();
    // The Job is the run's: named after it, owned by it, its placeholders filled.
    assert!(job.metadata.name.as_deref().is_some_and(|n| n.ends_with("-smoke-1")), "{:?}", job.metadata.name);
    assert_eq!(job.metadata.owner_references.unwrap()[0].kind, "AnalysisRun");
    let args = job.spec.unwrap().template.spec.unwrap().containers[0].args.clone().unwrap();
    assert_eq!(args, ["--target", "http://web-canary"]);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_smoke_test_that_fails_aborts_the_canary_with_its_reason() {
    let (client, api, _a) = start("smoke:v1-exit1", "5s", false).await;
    let r = wait_for(&api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    let msg = r.status.and_then(|s| s.message).unwrap_or_default();
    assert!(msg.contains("smoke") && msg.contains("BackoffLimitExceeded"), "{msg}");
    let status = runs(&client).await.into_iter().next().unwrap().status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Failed);
    assert_eq!(status.metric_results[0].measurements[0].value, "0");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_dry_run_analysis_records_a_failure_and_lets_the_canary_through() {
    let (client, api, _a) = start_with("smoke:v1-exit1", "5s", canary_with("web:v1", false, true)).await;
    wait_for(&api, "v2 promoted", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status
                .as_ref()
                .is_some_and(|s| s.stable_revision == s.updated_revision && s.current_step == Some(2))
    })
    .await;
    let status = runs(&client).await.into_iter().find(|r| r.spec.point == "step-1").unwrap().status.unwrap();
    assert_eq!(status.phase, AnalysisPhase::Successful);
    let msg = status.message.unwrap_or_default();
    assert!(msg.contains("dry run, not acted on: smoke: 1 failed measurement(s)"), "{msg}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_load_test_still_running_when_the_rollout_aborts_is_stopped() {
    let (client, api, _a) = start("load:v1", "1h", true).await;
    // The background Job runs while the canary pauses at 20%.
    let mut waited = 0;
    while jobs(&client).await.is_empty() {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        waited += 1;
        assert!(waited < 600, "no Job started");
    }
    request(&api, "a1", "abort").await;
    wait_for(&api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    let mut left: Vec<Value> = Vec::new();
    for _ in 0..600 {
        let alive: Vec<Job> =
            jobs(&client).await.into_iter().filter(|j| j.metadata.deletion_timestamp.is_none()).collect();
        if alive.is_empty() {
            left.clear();
            break;
        }
        left = alive.iter().map(|j| json!(j.metadata.name)).collect();
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert!(left.is_empty(), "Jobs still running after the abort: {left:?}");
    let run = runs(&client).await.into_iter().find(|r| r.spec.point == "background").unwrap();
    assert!(run.spec.terminate, "the run was ended");
}

/// A blue-green Rollout whose preview is checked by the smoke test before the switch
/// (`pre`) or whose new revision is checked after it (`post`).
fn blue_green(image: &str, point: &str) -> Rollout {
    let analysis = json!({"templates": [{"templateName": "smoke"}], "args": [{"name": "target", "value": "web-preview"}]});
    let mut strategy =
        json!({"activeService": "web-active", "previewService": "web-preview", "scaleDownDelay": "10s"});
    strategy[point] = analysis;
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "strategy": {"blueGreen": strategy},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "1s"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

async fn active_selects(client: &Client) -> Option<String> {
    let svc = Api::<k8s_openapi::api::core::v1::Service>::namespaced(client.clone(), "default")
        .get("web-active")
        .await
        .unwrap();
    svc.spec?.selector?.get("pod-template-hash").cloned()
}

async fn blue_green_world(smoke_image: &str, point: &str) -> (Client, Api<Rollout>, Instance, String) {
    world(smoke_image, "5s", blue_green("web:v1", point), &["web-active", "web-preview"]).await
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_failed_pre_promotion_analysis_keeps_the_active_service_on_blue() {
    let (client, api, _a, v1) = blue_green_world("smoke:v1-exit1", "prePromotionAnalysis").await;
    let r = wait_for(&api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    let msg = r.status.and_then(|s| s.message).unwrap_or_default();
    assert!(msg.contains("pre-promotion analysis failed") && msg.contains("BackoffLimitExceeded"), "{msg}");
    assert_eq!(active_selects(&client).await, Some(v1), "never switched");
    let run = runs(&client).await.into_iter().find(|r| r.spec.point == "prePromotion").unwrap();
    assert!(run.metadata.name.as_deref().is_some_and(|n| n.ends_with("-pre")), "{:?}", run.metadata.name);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_passed_pre_promotion_analysis_switches_and_a_failed_post_promotion_one_switches_back() {
    let (client, api, _a, v1) = blue_green_world("smoke:v1", "prePromotionAnalysis").await;
    let done = wait_for(&api, "v2 promoted", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status.as_ref().is_some_and(|s| s.stable_revision != Some(v1.clone()))
    })
    .await;
    let v2 = done.status.and_then(|s| s.stable_revision).unwrap();
    assert_eq!(active_selects(&client).await, Some(v2));

    let (client, api, _b, v1) = blue_green_world("smoke:v1-exit1", "postPromotionAnalysis").await;
    let r = wait_for(&api, "aborted after the switch", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    let msg = r.status.and_then(|s| s.message).unwrap_or_default();
    assert!(msg.contains("post-promotion analysis failed"), "{msg}");
    // The switch happened, and the abort switched back to blue.
    let mut back = false;
    for _ in 0..120 {
        if active_selects(&client).await == Some(v1.clone()) {
            back = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    assert!(back, "the active Service is on blue again");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_failing_background_analysis_aborts_whatever_the_step() {
    let (client, api, _a) = start("load:v1-exit1", "5s", true).await;
    let r = wait_for(&api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    let st = r.status.unwrap();
    assert_eq!(st.current_step, Some(1), "aborted during the hour-long pause, not at a step boundary");
    let msg = st.message.unwrap_or_default();
    assert!(
        msg.contains("(background analysis failed: smoke:") && msg.contains("BackoffLimitExceeded"),
        "{msg}"
    );
    assert!(!msg.contains("ended ?"), "a failed Job ends at its Failed condition: {msg}");
    let run = runs(&client).await.into_iter().find(|r| r.spec.point == "background").unwrap();
    assert_eq!(run.status.unwrap().phase, AnalysisPhase::Failed);
}
