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

#[tokio::test]
async fn updates_meet_conflicts_at_their_rate_creates_and_reads_never() {
    let (c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
    api.create(&PostParams::default(), &cm).await.unwrap();
    c.server.faults.update(|f| f.conflict_rate = 0.5);
    let (mut conflicts, mut ok) = (0, 0);
    for i in 0..100 {
        let patch = json!({"data": {"n": i.to_string()}});
        match api.patch("x", &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await {
            Ok(_) => ok += 1,
            Err(kube::Error::Api(s)) if s.code == 409 => {
                assert_eq!(s.reason, "Conflict");
                assert_eq!(
                    s.message,
                    "Operation cannot be fulfilled on configmaps \"x\": the object has been modified; \
                     please apply your changes to the latest version and try again"
                );
                conflicts += 1;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!((25..=75).contains(&conflicts), "about half of 100 patches meet a 409: {conflicts}");
    for i in 0..20 {
        let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": format!("y{i}")}})).unwrap();
        api.create(&PostParams::default(), &cm).await.unwrap();
        api.get("x").await.unwrap();
    }
    assert_eq!(c.server.faults.counts().conflicts, conflicts, "every injected 409 is counted");
    assert!(ok > 0);
}

#[tokio::test(start_paused = true)]
async fn every_watch_is_cut_after_the_fault_s_lifetime_and_counted() {
    use futures::StreamExt;
    let server = hollow::apiserver::ApiServer::new(Clock::tokio_at(epoch()));
    let api: Api<ConfigMap> = Api::namespaced(hollow::transport::client(&server), "default");
    let opened = tokio::time::Instant::now();
    let mut events = api.watch(&kube::api::WatchParams::default(), "0").await.unwrap().boxed();
    // Set after the watch opened: it still counts from its opening.
    tokio::time::sleep(Duration::from_secs(1)).await;
    server.faults.update(|f| f.watch_drop_every_ms = 3_000);
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
    api.create(&PostParams::default(), &cm).await.unwrap();
    // Until the stream ends (bookmarks aside: kube asks for them).
    let mut seen = Vec::new();
    while let Some(e) = events.next().await {
        match e.unwrap() {
            kube::api::WatchEvent::Bookmark(_) => {}
            other => seen.push(other),
        }
    }
    assert!(matches!(seen.as_slice(), [kube::api::WatchEvent::Added(_)]), "{seen:?}");
    assert_eq!(opened.elapsed(), Duration::from_secs(3), "exactly when its lifetime is up");
    assert_eq!(server.faults.counts().watch_drops, 1);
    // A watch asking for a shorter timeout than the fault's is not a drop.
    let short = kube::api::WatchParams::default().timeout(1);
    let mut events = api.watch(&short, "0").await.unwrap().boxed();
    while events.next().await.is_some() {}
    assert_eq!(opened.elapsed(), Duration::from_secs(4), "its own timeout ended it");
    // Off again: a watch stays open.
    server.faults.update(|f| f.watch_drop_every_ms = 0);
    let mut events = api.watch(&kube::api::WatchParams::default(), "0").await.unwrap().boxed();
    let open =
        tokio::time::timeout(Duration::from_secs(60), async { while events.next().await.is_some() {} });
    assert!(open.await.is_err(), "still open a minute later");
    assert_eq!(server.faults.counts().watch_drops, 1);
}

#[tokio::test]
async fn a_share_of_the_pods_flap_with_a_failing_probe_and_never_restart() {
    let (c, client) = cluster().await;
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client, "default");
    let controllers = Controllers::new(c.server.clone());
    rss.create(&PostParams::default(), &rs("web", 20)).await.unwrap();
    controllers.settle();
    c.server.clock.advance(Duration::from_secs(2));
    controllers.settle();
    c.server.faults.update(|f| {
        f.readiness_flap_rate = 0.5;
        f.readiness_flap_ms = 1_000;
    });
    let ready = |pods: Vec<k8s_openapi::api::core::v1::Pod>| -> Vec<bool> {
        pods.iter()
            .map(|p| {
                let st = p.status.as_ref().unwrap();
                assert_eq!(
                    st.container_statuses.as_ref().unwrap()[0].restart_count,
                    0,
                    "a probe, not a crash"
                );
                assert!(st.container_statuses.as_ref().unwrap()[0].state.as_ref().unwrap().running.is_some());
                st.conditions.iter().flatten().any(|c| c.type_ == "Ready" && c.status == "True")
            })
            .collect()
    };
    let mut seen = Vec::new();
    for _ in 0..4 {
        controllers.settle();
        let mut list = pods.list(&ListParams::default()).await.unwrap().items;
        list.sort_by_key(|p| p.metadata.name.clone());
        seen.push(ready(list));
        c.server.clock.advance(Duration::from_millis(1_000));
    }
    let flapping: Vec<usize> = (0..20).filter(|&i| seen.iter().any(|s| !s[i])).collect();
    assert!((4..=16).contains(&flapping.len()), "about half flap: {flapping:?}");
    for &i in &flapping {
        let states: Vec<bool> = seen.iter().map(|s| s[i]).collect();
        assert!(states.windows(2).all(|w| w[0] != w[1]), "pod {i} turns every second: {states:?}");
    }
    // Off again: every pod Ready.
    c.server.faults.update(|f| f.readiness_flap_rate = 0.0);
    controllers.settle();
    assert!(ready(pods.list(&ListParams::default()).await.unwrap().items).iter().all(|r| *r));
}
