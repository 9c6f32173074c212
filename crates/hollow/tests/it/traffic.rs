//! Synthetic traffic through the hollow cluster, measured the way Prometheus would: by
//! scraping `/metrics`.

use std::{collections::BTreeMap, time::Duration};

use hollow::{clock::Clock, clock::epoch, controllers::Controllers, embedded, traffic::Target};
use k8s_openapi::{
    api::{apps::v1::ReplicaSet, core::v1::Service},
    apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api, Client,
    api::{DynamicObject, PostParams},
    core::{ApiResource, GroupVersionKind},
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn rs(name: &str, replicas: i32, version: &str, image: &str) -> ReplicaSet {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web", "track": name}},
                 "template": {"metadata": {"labels": {"app": "web", "track": name, "app.kubernetes.io/version": version}},
                              "spec": {"containers": [{"name": "c", "image": image}]}}}
    }))
    .unwrap()
}

fn service(name: &str) -> Service {
    serde_json::from_value(
        json!({"metadata": {"name": name}, "spec": {"selector": {"track": name}, "ports": [{"port": 80}]}}),
    )
    .unwrap()
}

async fn scrape(url: &str) -> String {
    let addr = url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()
}

/// `http_requests_total` summed by (service, code).
fn totals(metrics: &str) -> BTreeMap<(String, String), f64> {
    let mut out = BTreeMap::new();
    for line in metrics.lines().filter(|l| l.starts_with("http_requests_total{")) {
        let (labels, value) = line.rsplit_once(' ').unwrap();
        let label = |k: &str| {
            labels.split(&format!("{k}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap().to_string()
        };
        *out.entry((label("service"), label("code"))).or_insert(0.0) += value.parse::<f64>().unwrap();
    }
    out
}

#[tokio::test]
async fn weighted_route_splits_traffic_and_versions_keep_their_error_rates() {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::virtual_at(epoch())).await.unwrap();
    let client = Client::try_from(kube::Config::new(running.url().parse().unwrap())).unwrap();
    let controllers = Controllers::new(running.server.clone());
    let crd_yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/gateway-api/httproute-crd.yaml"
    ))
    .unwrap();
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&crd_yaml).unwrap();
    Api::<CustomResourceDefinition>::all(client.clone()).create(&PostParams::default(), &crd).await.unwrap();
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    rss.create(&PostParams::default(), &rs("web-stable", 3, "v1", "web:v1")).await.unwrap();
    rss.create(&PostParams::default(), &rs("web-canary", 1, "v2", "web:v2-errors10")).await.unwrap();
    let svcs: Api<Service> = Api::namespaced(client.clone(), "default");
    svcs.create(&PostParams::default(), &service("web-stable")).await.unwrap();
    svcs.create(&PostParams::default(), &service("web-canary")).await.unwrap();
    let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", "HTTPRoute");
    let routes: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), "default", &ApiResource::from_gvk(&gvk));
    let route: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "web"},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 80}, {"name": "web-canary", "port": 80, "weight": 20}]}]}
    }))
    .unwrap();
    routes.create(&PostParams::default(), &route).await.unwrap();
    controllers.settle();
    running.server.traffic.lock().unwrap().set_targets(vec![Target::new("default", "web-stable", 100.0)]);
    controllers.settle();
    for _ in 0..100 {
        running.server.clock.advance(Duration::from_secs(1));
        controllers.settle();
    }
    let t = totals(&scrape(&running.url()).await);
    let n = |svc: &str, code: &str| t.get(&(svc.to_string(), code.to_string())).copied().unwrap_or(0.0);
    let canary = n("web-canary", "200") + n("web-canary", "500");
    let total = canary + n("web-stable", "200") + n("web-stable", "500");
    assert_eq!(total, 10_000.0, "100 requests a second for 100 s: {t:?}");
    // Tolerance: 3 standard deviations of a binomial(10000, 0.2) = 3 * 40 = 120 requests.
    assert!((canary - 2_000.0).abs() <= 120.0, "canary share {canary} of {total} is not 20% ± 1.2%");
    assert_eq!(n("web-stable", "500"), 0.0, "stable has no errors");
    // The canary's image says 10% errors: binomial(canary, 0.1), 3 sd.
    let sd = (canary * 0.1 * 0.9).sqrt();
    assert!(
        (n("web-canary", "500") - canary * 0.1).abs() <= 3.0 * sd,
        "canary errors {}",
        n("web-canary", "500")
    );
}
