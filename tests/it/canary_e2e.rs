//! A canary end to end on the hollow cluster, through the controller: the route's weights
//! follow the steps, a promote request moves past an untimed pause, the promotion moves the
//! stable Service and then the weight, and an abort returns traffic to stable before the
//! canary's pods go. On tokio's paused clock.

use crate::common;

use common::rollouts::{phase, request, set_image, wait_for};

use std::time::Duration;

use common::{
    gateway::{routes, weights as route_weights},
    paused::{Instance, cluster},
};
use k8s_openapi::{
    api::{apps::v1::ReplicaSet, core::v1::Service},
    apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api, Client,
    api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, PostParams},
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::{Value, json};

fn canary(image: &str, routed: bool) -> Rollout {
    let mut strategy = json!({"stableService": "web-stable", "canaryService": "web-canary",
        "maxSurge": "25%", "maxUnavailable": 0,
        "steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "30s"}}]});
    if routed {
        strategy["trafficRouting"] = json!({"gatewayApi": {"httpRoute": "web"}});
    }
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 10, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"canary": strategy},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "2s"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

/// The route with a second rule (`/admin`) that Ramp must leave alone.
async fn install_traffic(client: &Client) {
    let admin = json!({"matches": [{"path": {"type": "PathPrefix", "value": "/admin"}}],
                       "backendRefs": [{"name": "admin", "port": 80}]});
    common::gateway::install(client, &[admin]).await;
}

fn step(r: &Rollout) -> Option<i32> {
    r.status.as_ref().and_then(|s| s.current_step)
}

fn stable_selects(svc: &Service) -> Option<String> {
    svc.spec.as_ref()?.selector.as_ref()?.get("pod-template-hash").cloned()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_routed_canary_follows_its_steps_and_is_promoted() {
    let (server, client) = cluster().await;
    install_traffic(&client).await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &canary("web:v1", true)).await.unwrap();
    let v1 = wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    let v1_hash = v1.status.unwrap().stable_revision.unwrap();
    assert_eq!(route_weights(&client).await, (100, 0));

    set_image(&api, "web:v2").await;
    let paused =
        wait_for(&api, "paused at step 2", |r| phase(r) == Some(RolloutPhase::Paused) && step(r) == Some(1))
            .await;
    let st = paused.status.unwrap();
    assert_eq!((st.weight, st.achieved_weight), (Some(20), Some(20)));
    assert_eq!(route_weights(&client).await, (80, 20), "the route carries the step's weight");
    // Only the weights changed: the other rule is untouched.
    let route = routes(&client).get("web").await.unwrap();
    assert_eq!(route.data.pointer("/spec/rules/1/backendRefs/0/name"), Some(&json!("admin")));
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    assert_eq!(stable_selects(&svcs.get("web-stable").await.unwrap()), Some(v1_hash.clone()));
    let v2_hash = st.updated_revision.unwrap();
    assert_eq!(stable_selects(&svcs.get("web-canary").await.unwrap()), Some(v2_hash.clone()));

    request(&api, "p1", "promote").await;
    let done = wait_for(&api, "v2 promoted and healthy", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status.as_ref().and_then(|s| s.stable_revision.as_deref()) == Some(v2_hash.as_str())
    })
    .await;
    let st = done.status.unwrap();
    assert_eq!(st.last_request.map(|l| l.id), Some("p1".into()));
    assert_eq!(route_weights(&client).await, (100, 0), "all traffic on the stable Service, which is v2");
    assert_eq!(stable_selects(&svcs.get("web-stable").await.unwrap()), Some(v2_hash.clone()));
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let sizes: Vec<(String, i32)> = rss
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
    assert!(sizes.contains(&(v2_hash, 10)) && sizes.contains(&(v1_hash, 0)), "{sizes:?}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_aborted_canary_returns_traffic_to_stable_before_its_pods_go() {
    let (server, client) = cluster().await;
    install_traffic(&client).await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &canary("web:v1", true)).await.unwrap();
    wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    set_image(&api, "web:v2").await;
    let paused =
        wait_for(&api, "paused at step 2", |r| phase(r) == Some(RolloutPhase::Paused) && step(r) == Some(1))
            .await;
    let canary_rs = format!("/replicasets/web-{}", paused.status.unwrap().updated_revision.unwrap());
    let abort_at = server.audit.lock().unwrap().len();
    request(&api, "a1", "abort").await;
    let aborted = wait_for(&api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
    assert_eq!(
        aborted.status.unwrap().last_request.map(|l| l.outcome),
        Some("traffic and capacity return to stable".into())
    );
    // Eventually the canary is gone and the route all on stable.
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let canary_gone = || async {
        rss.list(&ListParams::default()).await.unwrap().items.iter().all(|rs| {
            let image = rs
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .and_then(|t| t.spec.as_ref())
                .and_then(|s| s.containers[0].image.clone());
            image.as_deref() != Some("web:v2") || rs.spec.as_ref().and_then(|s| s.replicas) == Some(0)
        })
    };
    for _ in 0..600 {
        if canary_gone().await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(canary_gone().await, "the canary was scaled down");
    assert_eq!(route_weights(&client).await, (100, 0));
    // The order: the route was back on stable before the canary's ReplicaSet was scaled down.
    let audit: Vec<_> = server.audit.lock().unwrap().iter().skip(abort_at).cloned().collect();
    let after: Vec<&hollow::apiserver::AuditEntry> =
        audit.iter().filter(|e| e.user_agent.contains("ramp-a") && e.code < 300).collect();
    let weight_back = after.iter().position(|e| e.path.contains("/httproutes/web"));
    let canary_down = after.iter().position(|e| e.method == "PATCH" && e.path.ends_with(&canary_rs));
    assert!(weight_back.is_some() && canary_down.is_some(), "{after:?}");
    assert!(weight_back < canary_down, "traffic left the canary before its pods did");

    // Retry starts the revision again from its first step.
    request(&api, "r1", "retry").await;
    wait_for(&api, "retried, paused at step 2 again", |r| {
        phase(r) == Some(RolloutPhase::Paused) && step(r) == Some(1)
    })
    .await;
    assert_eq!(route_weights(&client).await, (80, 20));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_canary_without_a_router_is_sized_by_replica_ratio() {
    let (server, client) = cluster().await;
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    for name in ["web-stable", "web-canary"] {
        let svc: Service = serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}))
        .unwrap();
        svcs.create(&PostParams::default(), &svc).await.unwrap();
    }
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &canary("web:v1", false)).await.unwrap();
    wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    set_image(&api, "web:v2").await;
    let paused =
        wait_for(&api, "paused at step 2", |r| phase(r) == Some(RolloutPhase::Paused) && step(r) == Some(1))
            .await;
    let st = paused.status.unwrap();
    assert_eq!((st.weight, st.achieved_weight), (Some(20), Some(20)), "2 of 10 pods");
    assert_eq!((st.replicas, st.updated_replicas, st.available_replicas), (10, 2, 10));
    request(&api, "p1", "promoteFull").await;
    wait_for(&api, "healthy on v2", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status
                .as_ref()
                .is_some_and(|s| s.stable_revision == s.updated_revision && s.updated_replicas == 10)
    })
    .await;
}

/// Where `n` requests to web-stable (with the header or without) are served, by the hollow
/// traffic model over the cluster's objects as they are now: (canary share, stable share).
async fn served(client: &Client, header: bool) -> (u64, u64) {
    use hollow::traffic::{Target, Traffic, World};
    let list = |plural: &'static str| {
        let client = client.clone();
        async move {
            let (group, version, kind) = match plural {
                "httproutes" => ("gateway.networking.k8s.io", "v1", "HTTPRoute"),
                "services" => ("", "v1", "Service"),
                "endpoints" => ("", "v1", "Endpoints"),
                _ => ("", "v1", "Pod"),
            };
            let ar = ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, kind));
            let api: Api<DynamicObject> = Api::namespaced_with(client, "default", &ar);
            api.list(&ListParams::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|o| {
                    let mut v = serde_json::to_value(&o).unwrap();
                    v["apiVersion"] = json!(ar.api_version);
                    v["kind"] = json!(kind);
                    v
                })
                .collect::<Vec<Value>>()
        }
    };
    let (services, endpoints, pods, routes) =
        (list("services").await, list("endpoints").await, list("pods").await, list("httproutes").await);
    let mut target = Target::new("default", "web-stable", 100.0);
    if header {
        target = target.with_header("X-Canary", "always");
    }
    let mut t = Traffic::new(7, vec![target]);
    t.tick(
        Duration::from_secs(1),
        &World { services: &services, endpoints: &endpoints, pods: &pods, routes: &routes },
    );
    let by = |svc: &str| t.counts().iter().filter(|((s, _, _), _)| s == svc).map(|(_, n)| n).sum::<u64>();
    (by("web-canary"), by("web-stable"))
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_header_route_sends_matching_requests_to_the_canary_until_promotion() {
    let (server, client) = cluster().await;
    install_traffic(&client).await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    let mut r = canary("web:v1", true);
    if let Some(c) = r.spec.strategy.canary.as_mut() {
        c.steps = serde_json::from_value(json!([
            {"setWeight": 10},
            {"setHeaderRoute": {"name": "beta", "match": [{"headerName": "x-canary", "headerValue": "always"}]}},
            {"pause": {}}
        ]))
        .unwrap();
    }
    api.create(&PostParams::default(), &r).await.unwrap();
    wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    set_image(&api, "web:v2").await;
    wait_for(&api, "paused after the header route", |r| {
        phase(r) == Some(RolloutPhase::Paused) && step(r) == Some(2)
    })
    .await;
    let route = routes(&client).get("web").await.unwrap();
    let rules = route.data.pointer("/spec/rules").and_then(Value::as_array).cloned().unwrap();
    assert_eq!(rules.len(), 3, "the user's two rules and Ramp's header rule");
    assert_eq!(rules[2]["name"], "web-canary-hdr-beta");
    assert_eq!(route_weights(&client).await, (90, 10), "the weighted rule is unchanged by it");
    // The data plane: every request with the header reaches the canary; 10% of the others.
    let (canary, stable) = served(&client, true).await;
    assert_eq!((canary, stable), (100, 0));
    let (canary, stable) = served(&client, false).await;
    assert!(canary > 0 && canary < 30 && stable > 70, "{canary} {stable}");

    request(&api, "p", "promoteFull").await;
    wait_for(&api, "promoted", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status.as_ref().is_some_and(|s| s.stable_revision == s.updated_revision)
    })
    .await;
    let route = routes(&client).get("web").await.unwrap();
    assert_eq!(route.data.pointer("/spec/rules").and_then(Value::as_array).map(Vec::len), Some(2), "removed");
    let header_writes = server
        .audit
        .lock()
        .unwrap()
        .iter()
        .filter(|e| {
            e.user_agent.contains("ramp-a") && e.method == "PATCH" && e.path.ends_with("/httproutes/web")
        })
        .count();
    assert!(header_writes <= 8, "no write loop on the route: {header_writes}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_grpc_route_carries_the_weights_too() {
    let (server, client) = cluster().await;
    let crd_yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/gateway-api/grpcroute-crd.yaml"
    ))
    .unwrap();
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&crd_yaml).unwrap();
    Api::<CustomResourceDefinition>::all(client.clone()).create(&PostParams::default(), &crd).await.unwrap();
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    for name in ["web-stable", "web-canary"] {
        let svc: Service = serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}))
        .unwrap();
        svcs.create(&PostParams::default(), &svc).await.unwrap();
    }
    let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", "GRPCRoute");
    let grpc: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &ApiResource::from_gvk(&gvk));
    let route: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute", "metadata": {"name": "web"},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]}]}
    }))
    .unwrap();
    grpc.create(&PostParams::default(), &route).await.unwrap();
    // Route kinds are discovered at start: the CRD is in place first.
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    let mut r = canary("web:v1", false);
    if let Some(c) = r.spec.strategy.canary.as_mut() {
        c.traffic_routing = serde_json::from_value(json!({"gatewayApi": {"grpcRoute": "web"}})).unwrap();
    }
    api.create(&PostParams::default(), &r).await.unwrap();
    wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;
    set_image(&api, "web:v2").await;
    let paused =
        wait_for(&api, "paused at step 2", |r| phase(r) == Some(RolloutPhase::Paused) && step(r) == Some(1))
            .await;
    assert_eq!(paused.status.unwrap().achieved_weight, Some(20));
    let got = grpc.get("web").await.unwrap();
    let refs = got.data.pointer("/spec/rules/0/backendRefs").and_then(Value::as_array).cloned().unwrap();
    assert_eq!((refs[0]["weight"].as_i64(), refs[1]["weight"].as_i64()), (Some(80), Some(20)));
}
