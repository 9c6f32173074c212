//! Crash safety: the controller dies right after its Nth write, for every N a whole rollout
//! takes, and is started again. Every run must end exactly where an uninterrupted run ends:
//! no duplicate ReplicaSet, no lost step.

use crate::common;

use std::time::Duration;

use common::harness::{Instance, setup};
use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::{
    Api,
    api::{ListParams, Patch, PatchParams, PostParams},
    runtime::wait::await_condition,
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

/// What a finished run leaves: every ReplicaSet (template image, revision, size) and the
/// Rollout's summary.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    replica_sets: Vec<(String, String, i32)>,
    phase: Option<RolloutPhase>,
    counts: (i32, i32, i32),
    stable_is_updated: bool,
}

fn small(image: &str) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "100ms"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

/// Deploys v1, updates to v2, and returns the outcome and the controller's write count.
/// With `crash_at = Some(n)` the controller dies after its nth write and is restarted.
async fn run(crash_at: Option<u64>) -> (Outcome, usize) {
    let (running, client) = setup().await;
    let url = running.url();
    if let Some(n) = crash_at {
        running.server.faults.crash_after_writes("(ramp-x1)", n);
    }
    let first = std::sync::Arc::new(std::sync::Mutex::new(Instance::start(&url, "ramp-x1")));
    // The supervisor: when the first instance dies, kill its process and start it again.
    let supervisor = {
        let (server, url, first) = (running.server.clone(), url.clone(), first.clone());
        tokio::spawn(async move {
            loop {
                if server.faults.someone_died() {
                    first.lock().unwrap().kill();
                    server.faults.revive();
                    // Restarted in place: same pod name, so it holds the lease again at once.
                    return Some(Instance::start(&url, "ramp-x1"));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &small("web:v1")).await.unwrap();
    let healthy_on = |generation: i64| {
        move |r: Option<&Rollout>| {
            r.and_then(|r| r.status.as_ref()).is_some_and(|s| {
                s.phase == Some(RolloutPhase::Healthy) && s.observed_generation == Some(generation)
            })
        }
    };
    tokio::time::timeout(Duration::from_secs(30), await_condition(api.clone(), "web", healthy_on(1)))
        .await
        .unwrap()
        .unwrap();
    api.patch(
        "web",
        &PatchParams::default(),
        &Patch::Merge(
            json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}}),
        ),
    )
    .await
    .unwrap();
    let done =
        tokio::time::timeout(Duration::from_secs(30), await_condition(api.clone(), "web", healthy_on(2)))
            .await
            .unwrap_or_else(|_| panic!("no Healthy v2 with a crash after write {crash_at:?}"))
            .unwrap()
            .unwrap();
    supervisor.abort();
    first.lock().unwrap().kill();
    let writes = running
        .server
        .audit
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.user_agent.contains("(ramp-x") && !e.path.contains("/leases") && e.code < 300)
        .count();
    let mut replica_sets: Vec<(String, String, i32)> = Api::<ReplicaSet>::namespaced(client, "default")
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|rs| {
            let image = rs
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .and_then(|t| t.spec.as_ref())
                .and_then(|s| s.containers[0].image.clone())
                .unwrap_or_default();
            let revision = rs
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("ramp.dev/revision").cloned())
                .unwrap_or_default();
            (image, revision, rs.spec.and_then(|s| s.replicas).unwrap_or(0))
        })
        .collect();
    replica_sets.sort();
    let s = done.status.unwrap();
    let outcome = Outcome {
        replica_sets,
        phase: s.phase,
        counts: (s.replicas, s.updated_replicas, s.available_replicas),
        stable_is_updated: s.stable_revision == s.updated_revision,
    };
    (outcome, writes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_controller_killed_after_any_write_finishes_the_rollout_when_restarted() {
    let (clean, writes) = run(None).await;
    assert_eq!(
        clean,
        Outcome {
            replica_sets: vec![("web:v1".into(), "1".into(), 0), ("web:v2".into(), "2".into(), 4)],
            phase: Some(RolloutPhase::Healthy),
            counts: (4, 4, 4),
            stable_is_updated: true,
        }
    );
    assert!(writes >= 6, "a rollout takes several writes ({writes})");
    println!("an uninterrupted deploy + update takes {writes} writes");
    for n in 1..=writes as u64 {
        let (outcome, _) = run(Some(n)).await;
        assert_eq!(outcome, clean, "killed after write {n} of {writes}");
    }
}
