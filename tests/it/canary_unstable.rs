//! A canary whose pods flap between Ready and crashed (argo-rollouts#4128: each recovery
//! resets the progress deadline, so it is never aborted there) is aborted by its restart
//! bound, long before the progress deadline. On tokio's paused clock.

use crate::common;

use common::rollouts::{phase, wait_for};

use std::time::Duration;

use common::paused::{Instance, cluster};
use kube::{
    Api,
    api::{Patch, PatchParams, PostParams},
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

fn canary(image: &str, unstable: serde_json::Value) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}}, "progressDeadline": "10m",
                 "strategy": {"canary": {"maxSurge": 1, "maxUnavailable": 0, "unstablePods": unstable,
                                         "steps": [{"setWeight": 50}, {"pause": {}}]}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "2s"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

async fn flapping_canary(unstable: serde_json::Value) -> (Rollout, Duration) {
    let (server, client) = cluster().await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &canary("web:v1", unstable)).await.unwrap();
    wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    let started = tokio::time::Instant::now();
    // `-flap`: Ready for 5 s, crashed for 5 s, Ready again, ...
    let patch =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2-flap"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
    let r = wait_for(&api, "the flapping canary stopped", |r| {
        matches!(phase(r), Some(RolloutPhase::Aborted))
            || r.status
                .as_ref()
                .is_some_and(|s| s.pause_conditions.iter().any(|p| p.reason == "UnstablePods"))
    })
    .await;
    (r, started.elapsed())
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_flapping_canary_is_aborted_by_its_restart_bound_not_the_progress_deadline() {
    let (r, took) = flapping_canary(json!({})).await;
    let st = r.status.unwrap();
    assert_eq!(st.phase, Some(RolloutPhase::Aborted));
    let message = st.message.unwrap_or_default();
    assert!(message.contains("is unstable"), "{message}");
    // Two canary pods crash at +7 s (2 s readiness delay + 5 s up) and +17 s: the third
    // restart or flap is seen by +17 s; well within a minute, against a 10 m deadline.
    assert!(took < Duration::from_secs(30), "aborted after {took:?}");
    assert_eq!(st.weight, Some(0));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn with_action_pause_it_is_held_where_it_is() {
    let (r, _) = flapping_canary(json!({"action": "Pause", "maxRestarts": 2})).await;
    let st = r.status.unwrap();
    assert_eq!(st.phase, Some(RolloutPhase::Paused));
    assert!(st.pause_conditions.iter().any(|p| p.reason == "UnstablePods"));
    assert_eq!(st.aborted_revision, None, "paused, not aborted");
}
