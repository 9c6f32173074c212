//! The Gateway API pieces of a routed canary in `default`: the HTTPRoute CRD (waited on until
//! established), Services `web-stable` and `web-canary`, and route `web` whose first rule
//! weights them 100 / 0 (more rules may follow it).

use std::time::Duration;

use k8s_openapi::{
    api::core::v1::Service, apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api, Client,
    api::{ApiResource, DynamicObject, GroupVersionKind, PostParams},
    runtime::wait::{await_condition, conditions},
};
use serde_json::{Value, json};

/// HTTPRoutes in `default`.
pub fn routes(client: &Client) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", "HTTPRoute");
    Api::namespaced_with(client.clone(), "default", &ApiResource::from_gvk(&gvk))
}

/// Installs the CRD, the two Services and route `web` with `more_rules` after the weighted one.
pub async fn install(client: &Client, more_rules: &[Value]) {
    let crd_yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/gateway-api/httproute-crd.yaml"
    ))
    .unwrap();
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&crd_yaml).unwrap();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &crd).await.unwrap();
    let established =
        await_condition(crds, "httproutes.gateway.networking.k8s.io", conditions::is_crd_established());
    tokio::time::timeout(Duration::from_secs(60), established).await.unwrap().unwrap();
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    for name in ["web-stable", "web-canary"] {
        let svc: Service = serde_json::from_value(
            json!({"metadata": {"name": name}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        )
        .unwrap();
        svcs.create(&PostParams::default(), &svc).await.unwrap();
    }
    let mut rules = vec![
        json!({"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": [
        {"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]}),
    ];
    rules.extend(more_rules.iter().cloned());
    let route: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "web"},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": rules}
    }))
    .unwrap();
    routes(client).create(&PostParams::default(), &route).await.unwrap();
}

/// (stable weight, canary weight) of the route's first rule.
pub async fn weights(client: &Client) -> (i64, i64) {
    let r = routes(client).get("web").await.unwrap();
    let refs = r.data.pointer("/spec/rules/0/backendRefs").and_then(Value::as_array).cloned().unwrap();
    let w = |i: usize| refs[i].get("weight").and_then(Value::as_i64).unwrap_or(1);
    (w(0), w(1))
}
