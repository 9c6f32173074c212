//! A kube client talking to the hollow cluster in process, with tokio's clock paused: an hour
//! of cluster time passes in milliseconds and nothing times out spuriously.

use std::time::Duration;

use futures::StreamExt;
use hollow::{apiserver::ApiServer, clock::Clock, clock::epoch, controllers::Controllers, transport};
use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::{
    Api,
    api::PostParams,
    runtime::{WatchStreamExt, watcher},
};
use serde_json::json;

#[tokio::test(start_paused = true)]
async fn in_process_client_under_paused_time() {
    let server = ApiServer::new(Clock::virtual_at(epoch()));
    let client = transport::client(&server);
    let controllers = Controllers::new(server.clone());
    let api: Api<ReplicaSet> = Api::namespaced(client, "default");
    let mut updates = watcher(api.clone(), watcher::Config::default()).applied_objects().boxed();
    let rs: ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "30m"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &rs).await.unwrap();
    controllers.settle();
    // Half an hour of cluster time, a minute at a time.
    for _ in 0..30 {
        server.clock.advance(Duration::from_secs(60));
        controllers.settle();
    }
    let ready = api.get("web").await.unwrap().status.unwrap().ready_replicas;
    assert_eq!(ready, Some(5));
    // The watcher, over the same in-process transport, saw the object reach that state.
    let seen = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let o = updates.next().await.unwrap().unwrap();
            if o.status.and_then(|s| s.ready_replicas) == Some(5) {
                return true;
            }
        }
    })
    .await
    .unwrap();
    assert!(seen);
}
