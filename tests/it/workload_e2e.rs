//! `workloadRef` end to end on the hollow cluster: a Rollout adopts a running Deployment's
//! template, scales the Deployment down only as its own pods become available (no ready pod
//! lost at any moment), and deleting the Rollout gives the Deployment its size back. On
//! tokio's paused clock.

use crate::common;

use std::time::Duration;

use common::paused::{Instance, cluster};
use k8s_openapi::api::{apps::v1::Deployment, core::v1::Pod};
use kube::{
    Api, Client,
    api::{DeleteParams, ListParams, PostParams},
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

fn deployment() -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "2s"}},
                              "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}}
    }))
    .unwrap()
}

fn adopting(scale_down: &str) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web-rollout"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "scaleDown": scale_down},
                 "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}}
    }))
    .unwrap()
}

async fn ready_pods(client: &Client) -> usize {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    pods.list(&ListParams::default().labels("app=web"))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none()
                && p.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .count()
}

async fn deployment_replicas(client: &Client) -> i32 {
    let d: Api<Deployment> = Api::namespaced(client.clone(), "default");
    d.get("web").await.unwrap().spec.and_then(|s| s.replicas).unwrap_or(-1)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_adopted_deployment_is_scaled_down_progressively_without_losing_a_ready_pod_and_restored_on_delete()
 {
    let (server, client) = cluster().await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    deployments.create(&PostParams::default(), &deployment()).await.unwrap();
    for _ in 0..100 {
        if ready_pods(&client).await == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready_pods(&client).await, 4, "the Deployment runs");

    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &adopting("progressively")).await.unwrap();
    let mut fewest = usize::MAX;
    let mut done = false;
    for _ in 0..600 {
        fewest = fewest.min(ready_pods(&client).await);
        let r = api.get("web-rollout").await.unwrap();
        let healthy = r.status.as_ref().and_then(|s| s.phase) == Some(RolloutPhase::Healthy);
        if healthy && deployment_replicas(&client).await == 0 {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(done, "adopted: {:?}", api.get("web-rollout").await.unwrap().status);
    assert!(fewest >= 4, "a ready pod was lost during the adoption: {fewest}");
    let r = api.get("web-rollout").await.unwrap();
    assert_eq!(r.status.as_ref().and_then(|s| s.workload_replicas), Some(4));
    assert!(r.metadata.finalizers.unwrap_or_default().contains(&"ramp.dev/workload".to_string()));

    api.delete("web-rollout", &DeleteParams::default()).await.unwrap();
    for _ in 0..100 {
        if deployment_replicas(&client).await == 4 && api.get_opt("web-rollout").await.unwrap().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(deployment_replicas(&client).await, 4, "the Deployment has its size back");
    assert!(api.get_opt("web-rollout").await.unwrap().is_none(), "the finalizer was removed");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_missing_deployment_is_said_and_nothing_is_created() {
    let (server, client) = cluster().await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &adopting("never")).await.unwrap();
    let mut message = String::new();
    for _ in 0..100 {
        let r = api.get("web-rollout").await.unwrap();
        message = r.status.and_then(|s| s.message).unwrap_or_default();
        if !message.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(message, "spec.workloadRef: Deployment web does not exist");
    let rss: Api<k8s_openapi::api::apps::v1::ReplicaSet> = Api::namespaced(client.clone(), "default");
    assert!(rss.list(&ListParams::default()).await.unwrap().items.is_empty());
}
