//! The controller's health, readiness and metrics endpoints, scraped while it works.

use crate::common;

use std::time::Duration;

use common::harness::{Instance, rollout, setup};
use kube::{Api, api::PostParams, runtime::wait::await_condition};
use ramp::api::{Rollout, RolloutPhase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(addr: std::net::SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    let code = out.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let (running, client) = setup().await;
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let _instance = Instance::start_serving(&running.url(), "ramp-a", Some(addr));
    // Ready once every watch has synced.
    let ready = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some((200, body)) = get(addr, "/readyz").await {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("/readyz turned ready");
    assert_eq!(ready, "ok");
    assert_eq!(get(addr, "/healthz").await.map(|(c, _)| c), Some(200));

    let api: Api<Rollout> = Api::namespaced(client, "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    let healthy = |r: Option<&Rollout>| {
        r.and_then(|r| r.status.as_ref()).and_then(|s| s.phase) == Some(RolloutPhase::Healthy)
    };
    tokio::time::timeout(Duration::from_secs(30), await_condition(api, "web", healthy))
        .await
        .unwrap()
        .unwrap();
    let metrics = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let (_, m) = get(addr, "/metrics").await.unwrap();
            if m.contains(r#"ramp_rollouts{strategy="rollingUpdate",phase="Healthy"} 1"#) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the Healthy rollout is counted");
    for want in [
        "ramp_reconciles_total ",
        r#"ramp_reconcile_duration_seconds_bucket{le="10.0"}"#,
        "ramp_leader 1",
        r#"ramp_writes_total{kind="CreateReplicaSet"} 1"#,
    ] {
        assert!(metrics.contains(want), "no {want:?} in:\n{metrics}");
    }
    assert!(!metrics.contains("web"), "object names never become labels");
}

/// Polls `path` until its status is `code`; returns the body.
/// (Generous: a failed watch counts as recovered 40 s after its last error at the latest.)
async fn until(addr: std::net::SocketAddr, path: &str, code: u16, what: &str) -> String {
    let last = std::sync::Mutex::new(None);
    let found = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let answer = get(addr, path).await;
            if let Some((c, body)) = &answer
                && *c == code
            {
                return body.clone();
            }
            *last.lock().unwrap() = answer;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("{what}; last answer: {:?}", last.lock().unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_watch_fails_readiness_until_it_recovers() {
    let (running, _client) = setup().await;
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let _instance = Instance::start_serving(&running.url(), "ramp-a", Some(addr));
    until(addr, "/readyz", 200, "ready once synced").await;

    // Every request fails and every watch is cut: the watches cannot resume or list again.
    running.server.faults.update(|f| f.error_rate = 1.0);
    running.server.faults.drop_watches();
    let why = until(addr, "/readyz", 503, "/readyz fails while a watch fails").await;
    assert!(why.starts_with("watch failing: "), "names the watch: {why}");
    let metrics = until(addr, "/metrics", 200, "metrics still served").await;
    assert!(metrics.contains("ramp_watch_errors_total{resource="), "counted:\n{metrics}");

    running.server.faults.update(|f| f.error_rate = 0.0);
    assert_eq!(until(addr, "/readyz", 200, "ready again once the watches deliver").await, "ok");
}
