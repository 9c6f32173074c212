//! Faults the hollow cluster injects: each one observed from a real client.

use std::time::Duration;

use hollow::{
    apiserver::faults::FaultSettings, clock::Clock, clock::epoch, controllers::Controllers, embedded,
};
use k8s_openapi::api::{apps::v1::ReplicaSet, core::v1::ConfigMap};
use kube::{
    Api, Client,
    api::{ListParams, PostParams},
};
use serde_json::json;

async fn cluster() -> (embedded::Running, Client) {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::virtual_at(epoch())).await.unwrap();
    let mut config = kube::Config::new(running.url().parse().unwrap());
    config.default_retry = false;
    (running, Client::try_from(config).unwrap())
}

fn rs(name: &str, replicas: i32) -> ReplicaSet {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": {"sim.ramp.dev/readiness-delay": "2s"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}
    }))
    .unwrap()
}

#[tokio::test]
async fn forced_conflicts_hit_the_next_writes_only() {
    let (c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    c.server.faults.update(|f| f.force_conflicts = 1);
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
    let err = api.create(&PostParams::default(), &cm).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 409), "{err:?}");
    api.create(&PostParams::default(), &cm).await.unwrap();
    api.get("x").await.unwrap();
}

#[tokio::test]
async fn error_and_throttle_rates_answer_500_and_429_with_retry_after() {
    let (c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    c.server.faults.set(FaultSettings { throttle_rate: 1.0, retry_after_seconds: 7, ..Default::default() });
    let err = api.list(&ListParams::default()).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 429), "{err:?}");
    let raw = reqwest_like_get(&c.url()).await;
    assert_eq!(raw, (429, Some("7".to_string())));
    c.server.faults.set(FaultSettings { error_rate: 1.0, ..Default::default() });
    let err = api.list(&ListParams::default()).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 500), "{err:?}");
    // A partial rate fails some requests, chosen by the seed.
    c.server.faults.set(FaultSettings { error_rate: 0.5, ..Default::default() });
    let mut failed = 0;
    for _ in 0..200 {
        failed += usize::from(api.list(&ListParams::default()).await.is_err());
    }
    assert!((60..=140).contains(&failed), "about half of 200 requests fail: {failed}");
    c.server.faults.set(FaultSettings::default());
    api.list(&ListParams::default()).await.unwrap();
}

/// A GET with a plain HTTP client: status code and Retry-After header.
async fn reqwest_like_get(base: &str) -> (u16, Option<String>) {
    let addr = base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            format!("GET /api/v1/namespaces HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut buf = String::new();
    stream.read_to_string(&mut buf).await.unwrap();
    let code = buf.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let retry = buf
        .lines()
        .find_map(|l| l.to_lowercase().strip_prefix("retry-after: ").map(|v| v.trim().to_string()));
    (code, retry)
}

#[tokio::test]
async fn killed_pods_are_replaced_and_a_failing_version_loses_readiness() {
    let (c, client) = cluster().await;
    let rss: Api<ReplicaSet> = Api::namespaced(client, "default");
    let controllers = Controllers::new(c.server.clone());
    rss.create(&PostParams::default(), &rs("web", 3)).await.unwrap();
    controllers.settle();
    c.server.clock.advance(Duration::from_secs(2));
    controllers.settle();
    let ready = |rss: Api<ReplicaSet>| async move {
        rss.get("web").await.unwrap().status.unwrap().ready_replicas.unwrap_or(0)
    };
    assert_eq!(ready(rss.clone()).await, 3);
    // Kill the pods: the ReplicaSet replaces them; the new ones are Ready 2 s later.
    assert_eq!(c.server.kill_pods("default", "app=web").unwrap(), 3);
    controllers.settle();
    assert_eq!(ready(rss.clone()).await, 0);
    c.server.clock.advance(Duration::from_secs(2));
    controllers.settle();
    assert_eq!(ready(rss.clone()).await, 3);
    // Make this version fail readiness: every pod goes NotReady at once.
    c.server.faults.update(|f| {
        f.unready_versions.insert("nginx:1.27".into());
    });
    controllers.settle();
    assert_eq!(ready(rss.clone()).await, 0);
    c.server.faults.update(|f| f.unready_versions.clear());
    controllers.settle();
    assert_eq!(ready(rss.clone()).await, 3, "Ready again once the version is healthy");
    // Slow kubelets: pods already Ready stay Ready; new ones take longer.
    c.server.faults.update(|f| f.kubelet_delay_ms = 5_000);
    controllers.settle();
    assert_eq!(ready(rss.clone()).await, 3);
    c.server.kill_pods("default", "app=web").unwrap();
    controllers.settle();
    c.server.clock.advance(Duration::from_secs(2));
    controllers.settle();
    assert_eq!(ready(rss.clone()).await, 0, "2 s + 5 s kubelet delay not yet reached");
    c.server.clock.advance(Duration::from_secs(5));
    controllers.settle();
    assert_eq!(ready(rss).await, 3);
}

#[tokio::test]
async fn admin_endpoint_reads_and_sets_faults() {
    let (c, _client) = cluster().await;
    let settings = FaultSettings { api_latency_ms: 5, force_conflicts: 2, ..Default::default() };
    let body = serde_json::to_string(&settings).unwrap();
    let addr = c.url().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let req = format!(
        "POST /sim/faults HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = String::new();
    stream.read_to_string(&mut buf).await.unwrap();
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
    assert_eq!(c.server.faults.settings(), settings);
}
