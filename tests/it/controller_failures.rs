//! Failures a user's cluster causes, met the way an operator needs: a call that never answers
//! is an error after a bound, not a stuck worker; SIGTERM ends the process within a bound even
//! when the API server is gone; a write the cluster refuses leaves one Warning event on the
//! Rollout, not one per retry. On tokio's paused clock, so every bound is exact.

use crate::common;

use std::time::Duration;

use common::{
    harness::rollout,
    paused::{Instance, cluster},
};
use k8s_openapi::api::events::v1::Event;
use kube::{
    Api, Client,
    api::{ListParams, Patch, PatchParams, PostParams},
    runtime::wait::await_condition,
};
use ramp::{
    api::{Rollout, RolloutPhase},
    controller::{SHUTDOWN_BOUND, act::CALL_TIMEOUT},
};
use serde_json::json;
use tokio::time::Instant;

fn healthy_on(image: &'static str) -> impl Fn(Option<&Rollout>) -> bool {
    move |r| {
        r.is_some_and(|r| {
            let on = r
                .spec
                .template
                .as_ref()
                .and_then(|t| t.spec.as_ref())
                .is_some_and(|s| s.containers.first().and_then(|c| c.image.as_deref()) == Some(image));
            on && r.status.as_ref().is_some_and(|s| {
                s.observed_generation == r.metadata.generation && s.phase == Some(RolloutPhase::Healthy)
            })
        })
    }
}

async fn wait_for(api: &Api<Rollout>, what: &str, f: impl Fn(Option<&Rollout>) -> bool) {
    if tokio::time::timeout(Duration::from_secs(3600), await_condition(api.clone(), "web", f)).await.is_err()
    {
        panic!("never reached: {what}");
    }
}

async fn set_image(api: &Api<Rollout>, image: &str) {
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
}

/// Warning events on the Rollout `web`, as (reason, note).
async fn warnings(client: &Client) -> Vec<(String, String)> {
    let events: Api<Event> = Api::namespaced(client.clone(), "default");
    let mut out: Vec<(String, String)> = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("web"))
        .map(|e| (e.reason.unwrap_or_default(), e.note.unwrap_or_default()))
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_call_that_never_answers_fails_after_its_bound_and_the_rollout_goes_on() {
    let (server, client) = cluster().await;
    let a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", healthy_on("web:v1")).await;

    // The API server stops answering the controller; the update's first write hangs.
    a.hang(true);
    let hung_at = Instant::now();
    set_image(&api, "web:v2").await;
    tokio::time::sleep(CALL_TIMEOUT / 2).await;
    // Answers come back, but the write already sent stays unanswered until its bound.
    a.hang(false);
    wait_for(&api, "v2 healthy", healthy_on("web:v2")).await;
    assert!(Instant::now() >= hung_at + CALL_TIMEOUT, "the hung write held the rollout until it timed out");
    let w = warnings(&client).await;
    assert_eq!(w.len(), 1, "one Warning for the failed reconcile: {w:?}");
    assert_eq!(w[0].0, "ReplicaSetWriteFailed");
    assert!(w[0].1.contains("no answer from the API server within 10s"), "{w:?}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn sigterm_ends_the_controller_within_its_bound_when_the_api_server_is_gone() {
    let (server, client) = cluster().await;
    let mut a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", healthy_on("web:v1")).await;
    // Mid-reconcile, with every call of the controller (writes, lease renewal, and the lease
    // release on the way out) unanswered.
    a.hang(true);
    set_image(&api, "web:v2").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let asked = Instant::now();
    let stopped = tokio::time::timeout(Duration::from_secs(600), a.stop()).await;
    assert!(stopped.is_ok(), "the controller ignored SIGTERM for 10 minutes");
    let took = asked.elapsed();
    println!("SIGTERM with the API server unanswering: stopped after {took:?} (bound {SHUTDOWN_BOUND:?})");
    assert!(took <= SHUTDOWN_BOUND, "stopped after {took:?}, bound {SHUTDOWN_BOUND:?}");
    assert!(SHUTDOWN_BOUND <= Duration::from_secs(10));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_write_the_cluster_refuses_leaves_one_warning_not_one_per_retry() {
    let (server, client) = cluster().await;
    let a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", healthy_on("web:v1")).await;

    a.forbid_creates(true);
    set_image(&api, "web:v2").await;
    // Backoff from 0.5 s doubling: a minute holds about seven retries.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let w = warnings(&client).await;
    assert_eq!(w.len(), 1, "one Warning event for a failure that repeats: {w:?}");
    assert_eq!(w[0].0, "ReplicaSetWriteFailed");
    assert!(w[0].1.contains("cannot create resource \"replicasets\""), "the cause is named: {w:?}");
    let events: Api<Event> = Api::namespaced(client.clone(), "default");
    let series = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|e| e.type_.as_deref() == Some("Warning"));
    assert!(series.and_then(|e| e.series).is_none(), "not even folded into a series: published once");

    // Allowed again: the next retry succeeds and the rollout finishes.
    a.forbid_creates(false);
    wait_for(&api, "v2 healthy", healthy_on("web:v2")).await;
    assert_eq!(warnings(&client).await.len(), 1);
}
