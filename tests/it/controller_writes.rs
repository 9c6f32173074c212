//! What a rolling update costs the API server: every write the controller makes for a
//! 10-replica update, by kind, against the fewest that rollout needs. On tokio's paused clock,
//! so the count does not depend on how fast the machine is.

use crate::common;

use std::{collections::BTreeMap, time::Duration};

use common::paused::{Instance, cluster};
use hollow::apiserver::AuditEntry;
use kube::{
    Api,
    api::{Patch, PatchParams, PostParams},
    runtime::wait::await_condition,
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

fn rollout() -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 10, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}}
    }))
    .unwrap()
}

/// What a write was, from its method and path.
fn kind(e: &AuditEntry) -> Option<&'static str> {
    let write = matches!(e.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
    if !write || e.code >= 300 || !e.user_agent.starts_with("ramp/test (") || e.path.contains("/leases") {
        return None;
    }
    Some(match (e.method.as_str(), e.path.as_str()) {
        (_, p) if p.contains("/events") => "event",
        ("POST", p) if p.ends_with("/replicasets") => "create ReplicaSet",
        ("PATCH", p) if p.contains("/replicasets/") => "change ReplicaSet",
        ("DELETE", _) => "delete ReplicaSet",
        (_, p) if p.ends_with("/status") => "status",
        _ => "other",
    })
}

async fn healthy_on(api: &Api<Rollout>, image: &'static str) {
    let done =
        move |r: Option<&Rollout>| {
            r.is_some_and(|r| {
                let on_image =
                    r.spec.template.as_ref().and_then(|t| t.spec.as_ref()).is_some_and(|s| {
                        s.containers.first().and_then(|c| c.image.as_deref()) == Some(image)
                    });
                on_image
                    && r.status.as_ref().is_some_and(|s| {
                        s.observed_generation == r.metadata.generation
                            && s.phase == Some(RolloutPhase::Healthy)
                            && s.available_replicas == 10
                            && s.replicas == 10
                    })
            })
        };
    tokio::time::timeout(Duration::from_secs(3600), await_condition(api.clone(), "web", done))
        .await
        .expect("healthy within an hour of virtual time")
        .unwrap();
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_ten_replica_rolling_update_writes_little_more_than_its_scales() {
    let (server, client) = cluster().await;
    let _a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout()).await.unwrap();
    healthy_on(&api, "web:v1").await;
    // The first revision's own writes (its completion Event is published by a task of its
    // own, after the status that says Healthy) land before the count starts.
    tokio::time::sleep(Duration::from_secs(30)).await;
    // New pods take 2 s of virtual time to turn Ready, one after another within a wave.
    server.faults.update(|f| f.readiness_delay_ms = Some(2_000));
    let from = server.audit.lock().unwrap().len();
    let image = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&image)).await.unwrap();
    healthy_on(&api, "web:v2").await;
    // Writes that follow Healthy at once (none are expected) would be counted too.
    tokio::time::sleep(Duration::from_secs(30)).await;

    let audit: Vec<AuditEntry> = server.audit.lock().unwrap().iter().skip(from).cloned().collect();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for k in audit.iter().filter_map(kind) {
        *by_kind.entry(k).or_default() += 1;
    }
    let total: usize = by_kind.values().sum();
    println!("a 10-replica rolling update (surge 25%, unavailable 25%): {total} writes {by_kind:?}");
    let n = |k: &str| by_kind.get(k).copied().unwrap_or(0);
    assert_eq!(n("create ReplicaSet"), 1);
    assert_eq!(n("other"), 0, "{by_kind:?}");
    // Scales are the work itself; everything else is reporting, and must stay small beside it.
    let scales = n("change ReplicaSet");
    assert!(scales >= 4, "the update moved in waves ({scales} scales)");
    assert!(n("event") <= 2, "events only for transitions (started, completed): {by_kind:?}");
    assert!(n("status") <= 3, "status only when its meaning changes: {by_kind:?}");
}
