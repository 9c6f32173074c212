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
