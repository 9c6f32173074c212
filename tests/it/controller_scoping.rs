//! Sharding: instances scoped by label selector or namespace, each with its own lease,
//! reconcile only their own Rollouts.

use crate::common;

use std::time::Duration;

use common::harness::{Instance, rollout, setup};
use kube::{
    Api,
    api::{PostParams, ResourceExt},
    runtime::wait::await_condition,
};
use ramp::api::{Rollout, RolloutPhase};

fn labelled(name: &str, shard: &str) -> Rollout {
    let mut r = rollout("web:v1");
    r.metadata.name = Some(name.into());
    r.labels_mut().insert("shard".into(), shard.into());
    r.spec.selector.match_labels = Some([("app".to_string(), name.to_string())].into());
    if let Some(t) = r.spec.template.as_mut() {
        t.metadata.get_or_insert_with(Default::default).labels =
            Some([("app".to_string(), name.to_string())].into());
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_shard_reconciles_only_its_rollouts() {
    let (running, client) = setup().await;
    let url = running.url();
    let _a = Instance::start_with(&url, "shard-a", |s| {
        s.selector = Some("shard=a".into());
        s.lease_name = "ramp-shard-a".into();
    });
    let _b = Instance::start_with(&url, "shard-b", |s| {
        s.selector = Some("shard=b".into());
        s.lease_name = "ramp-shard-b".into();
    });
    let api: Api<Rollout> = Api::namespaced(client, "default");
    for (name, shard) in [("one", "a"), ("two", "b"), ("three", "a")] {
        api.create(&PostParams::default(), &labelled(name, shard)).await.unwrap();
    }
    for name in ["one", "two", "three"] {
        let healthy = |r: Option<&Rollout>| {
            r.and_then(|r| r.status.as_ref()).and_then(|s| s.phase) == Some(RolloutPhase::Healthy)
        };
        tokio::time::timeout(Duration::from_secs(30), await_condition(api.clone(), name, healthy))
            .await
            .unwrap()
            .unwrap();
    }
    let audit = running.server.audit.lock().unwrap().clone();
    for (name, owner) in [("one", "shard-a"), ("two", "shard-b"), ("three", "shard-a")] {
        let writers: Vec<&str> = audit
            .iter()
            .filter(|e| e.path.ends_with(&format!("/rollouts/{name}/status")))
            .filter_map(|e| e.user_agent.strip_prefix("ramp/test (").and_then(|s| s.strip_suffix(')')))
            .collect();
        assert!(
            !writers.is_empty() && writers.iter().all(|w| *w == owner),
            "{name} written by {writers:?}, expected {owner} only"
        );
    }
}
