//! Blue-green end to end on the hollow cluster, through the controller: the preview comes up
//! behind the preview Service, a promote switches the active Service in one write that its
//! endpoints see at once (never a mix of revisions, never empty), the old revision goes after
//! scaleDownDelay, and an abort after the switch switches back. On tokio's paused clock.

use crate::common;

use common::rollouts::{phase, request, set_image, wait_for};

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use common::paused::{Instance, cluster};
use futures::StreamExt;
use k8s_openapi::api::{
    apps::v1::ReplicaSet,
    core::v1::{Endpoints, Service},
};
use kube::{
    Api, Client,
    api::{ListParams, PostParams},
    runtime::watcher,
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

fn blue_green(image: &str, strategy: serde_json::Value) -> Rollout {
    let mut s = json!({"activeService": "web-active", "previewService": "web-preview"});
    if let (Some(s), Some(extra)) = (s.as_object_mut(), strategy.as_object()) {
        s.extend(extra.clone());
    }
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"blueGreen": s},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "2s"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

async fn services(client: &Client) {
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    for name in ["web-active", "web-preview"] {
        let svc: Service = serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}))
        .unwrap();
        svcs.create(&PostParams::default(), &svc).await.unwrap();
    }
}

fn stable(r: &Rollout) -> Option<String> {
    r.status.as_ref().and_then(|s| s.stable_revision.clone())
}

async fn selects(client: &Client, svc: &str) -> Option<String> {
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    svcs.get(svc).await.ok()?.spec?.selector?.get("pod-template-hash").cloned()
}

async fn sizes(client: &Client) -> Vec<(String, i32)> {
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let mut v: Vec<(String, i32)> = rss
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|rs| {
            let hash =
                rs.metadata.labels.unwrap_or_default().get("pod-template-hash").cloned().unwrap_or_default();
            (hash, rs.spec.and_then(|s| s.replicas).unwrap_or(0))
        })
        .collect();
    v.sort();
    v
}

/// Waits (in virtual time) until `f` holds of the ReplicaSet sizes.
async fn wait_sizes(client: &Client, what: &str, f: impl Fn(&[(String, i32)]) -> bool) {
    for _ in 0..1200 {
        if f(&sizes(client).await) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never reached: {what}; sizes {:?}", sizes(client).await);
}

/// Every version of the active Service's Endpoints, as the set of revisions of its ready pods
/// (a pod is named `web-<hash>-<suffix>`).
fn record_endpoints(client: &Client) -> Arc<Mutex<Vec<BTreeSet<String>>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let api: Api<Endpoints> = Api::namespaced(client.clone(), "default");
    let out = seen.clone();
    tokio::spawn(async move {
        let mut s = watcher(api, watcher::Config::default()).boxed();
        while let Some(ev) = s.next().await {
            let eps = match ev {
                Ok(watcher::Event::Apply(e) | watcher::Event::InitApply(e)) => e,
                _ => continue,
            };
            if eps.metadata.name.as_deref() != Some("web-active") {
                continue;
            }
            let hashes: BTreeSet<String> = eps
                .subsets
                .unwrap_or_default()
                .iter()
                .flat_map(|s| s.addresses.clone().unwrap_or_default())
                .filter_map(|a| a.target_ref?.name)
                .filter_map(|n| n.split('-').nth(1).map(str::to_string))
                .collect();
            out.lock().unwrap().push(hashes);
        }
    });
    seen
}

/// Successful writes by the controller to the active Service since audit entry `from`.
fn active_writes(server: &hollow::apiserver::ApiServer, from: usize) -> usize {
    let audit = server.audit.lock().unwrap();
    audit
        .iter()
        .skip(from)
        .filter(|e| {
            e.user_agent.contains("ramp-a")
                && e.code < 300
                && e.method != "GET"
                && e.path.ends_with("/services/web-active")
        })
        .count()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_promoted_preview_takes_production_in_one_switch_and_the_old_revision_goes_after_the_delay() {
    let (server, client) = cluster().await;
    services(&client).await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    let strategy = json!({"autoPromotionEnabled": false, "scaleDownDelay": "10s"});
    api.create(&PostParams::default(), &blue_green("web:v1", strategy)).await.unwrap();
    let v1 =
        stable(&wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await).unwrap();
    assert_eq!(selects(&client, "web-active").await, Some(v1.clone()));
    let endpoints = record_endpoints(&client);

    set_image(&api, "web:v2").await;
    let paused = wait_for(&api, "v2 in preview, waiting for promotion", |r| {
        phase(r) == Some(RolloutPhase::Paused)
            && r.status
                .as_ref()
                .is_some_and(|s| s.pause_conditions.iter().any(|p| p.reason == "BlueGreenPause"))
    })
    .await;
    let v2 = paused.status.unwrap().updated_revision.unwrap();
    assert_eq!(selects(&client, "web-preview").await, Some(v2.clone()));
    assert_eq!(selects(&client, "web-active").await, Some(v1.clone()), "production still on v1");
    assert!(
        sizes(&client).await.contains(&(v2.clone(), 4)) && sizes(&client).await.contains(&(v1.clone(), 4))
    );

    let before = server.audit.lock().unwrap().len();
    request(&api, "p1", "promote").await;
    wait_for(&api, "v2 stable and healthy", |r| {
        phase(r) == Some(RolloutPhase::Healthy) && stable(r).as_deref() == Some(v2.as_str())
    })
    .await;
    assert_eq!(selects(&client, "web-active").await, Some(v2.clone()));
    assert_eq!(active_writes(&server, before), 1, "the switch is one write");
    // The old revision is kept for scaleDownDelay, then scaled down.
    assert!(sizes(&client).await.contains(&(v1.clone(), 4)), "kept right after the switch");
    wait_sizes(&client, "v1 scaled down", |s| s.contains(&(v1.clone(), 0))).await;

    // What production saw: always exactly one revision, v1 then v2, never no endpoint.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let seen = endpoints.lock().unwrap().clone();
    assert!(seen.iter().all(|h| h.len() == 1), "every Endpoints version has one revision: {seen:?}");
    let order: Vec<&String> = seen.iter().filter_map(|h| h.iter().next()).collect();
    let first_v2 = order.iter().position(|h| **h == v2).expect("v2 served");
    assert!(
        order[..first_v2].iter().all(|h| **h == v1) && order[first_v2..].iter().all(|h| **h == v2),
        "{order:?}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_abort_after_the_switch_switches_back_to_the_kept_revision_and_lets_the_new_one_go() {
    let (server, client) = cluster().await;
    services(&client).await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    let strategy = json!({"scaleDownDelay": "10m", "abortScaleDownDelay": "5s",
                          "postPromotionAnalysis": {"templates": [{"templateName": "success-rate"}]}});
    api.create(&PostParams::default(), &blue_green("web:v1", strategy)).await.unwrap();
    let v1 =
        stable(&wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await).unwrap();
    set_image(&api, "web:v2").await;
    // Auto-promoted once ready; post-promotion analysis (no verdict yet) keeps v1.
    for _ in 0..600 {
        if selects(&client, "web-active").await.as_deref() != Some(v1.as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = api.get("web").await.unwrap();
    let v2 = r.status.as_ref().and_then(|s| s.updated_revision.clone()).unwrap();
    assert_eq!(selects(&client, "web-active").await, Some(v2.clone()), "switched on its own");
    assert_eq!(stable(&r), Some(v1.clone()), "v1 stays the stable revision until post-promotion analysis");

    let before = server.audit.lock().unwrap().len();
    request(&api, "a1", "abort").await;
    wait_for(&api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    for _ in 0..100 {
        if selects(&client, "web-active").await.as_deref() == Some(v1.as_str()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(selects(&client, "web-active").await, Some(v1.clone()), "switched back");
    assert_eq!(selects(&client, "web-preview").await, Some(v1.clone()));
    assert_eq!(active_writes(&server, before), 1, "the switch back is one write");
    wait_sizes(&client, "v2 scaled down after abortScaleDownDelay", |s| s.contains(&(v2.clone(), 0))).await;
    assert!(sizes(&client).await.contains(&(v1, 4)));
}
