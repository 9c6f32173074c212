//! Agent mode: the hollow kubelets and controllers serving a separate API server that has
//! none of its own (here a hollow API server started without controllers).

use std::time::Duration;

use hollow::{agent, clock::Clock, embedded};
use k8s_openapi::api::{apps::v1::ReplicaSet, core::v1::Pod, policy::v1::PodDisruptionBudget};
use kube::{
    Api, Client,
    api::{ListParams, PostParams},
    runtime::wait::await_condition,
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_makes_a_bare_control_plane_run_pods() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let remote = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let client = Client::try_from(kube::Config::new(remote.url().parse().unwrap())).unwrap();
    let agent = tokio::spawn(agent::run(client.clone()));
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let rs: ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}
    }))
    .unwrap();
    rss.create(&PostParams::default(), &rs).await.unwrap();
    let pdb: PodDisruptionBudget = serde_json::from_value(json!({
        "metadata": {"name": "web"}, "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}})).unwrap();
    Api::<PodDisruptionBudget>::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &pdb)
        .await
        .unwrap();
    let all_ready = |rs: Option<&ReplicaSet>| {
        rs.and_then(|r| r.status.as_ref()).and_then(|s| s.ready_replicas) == Some(3)
    };
    if tokio::time::timeout(Duration::from_secs(30), await_condition(rss.clone(), "web", all_ready))
        .await
        .is_err()
    {
        let rs = rss.get("web").await.unwrap();
        let pods =
            Api::<Pod>::namespaced(client.clone(), "default").list(&ListParams::default()).await.unwrap();
        let pods: Vec<_> = pods.items.iter().map(|p| (p.metadata.name.clone(), p.status.clone())).collect();
        let audit: Vec<String> = remote
            .server
            .audit
            .lock()
            .unwrap()
            .iter()
            .map(|e| format!("{} {} {} -> {}", e.user_agent, e.method, e.path, e.code))
            .collect();
        panic!(
            "the agent's kubelet did not make the remote pods Ready: rs status {:?}, pods {pods:#?}, writes {audit:#?}",
            rs.status
        );
    }
    let pods = Api::<Pod>::namespaced(client.clone(), "default")
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(pods.items.len(), 3, "the agent's ReplicaSet controller created exactly 3 pods on the remote");
    let allows_one = |p: Option<&PodDisruptionBudget>| {
        p.and_then(|p| p.status.as_ref()).is_some_and(|s| s.disruptions_allowed == 1)
    };
    tokio::time::timeout(
        Duration::from_secs(30),
        await_condition(Api::namespaced(client, "default"), "web", allows_one),
    )
    .await
    .expect("the agent's disruption controller wrote the budget's status")
    .unwrap();
    agent.abort();
}
