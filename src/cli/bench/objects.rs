//! Manifests and reads shared by the benchmarks: Rollouts in `default`, read straight from the
//! hollow cluster's store (reads that cost the API nothing and are not counted).

use std::{sync::Arc, time::Duration};

use anyhow::{Context, bail};
use hollow::apiserver::{
    ApiServer,
    store::{ObjectKey, ResourceId},
};
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
};
use serde_json::{Value, json};

use crate::api::Rollout;

/// The namespace everything runs in.
pub const NAMESPACE: &str = "default";

/// A rolling-update Rollout `name` (`replicas` pods, surge 1, no unavailable, pods Ready at
/// once unless `readiness` is given).
pub fn rolling(name: &str, replicas: u32, image: &str, readiness: Option<&str>) -> Value {
    with_strategy(
        name,
        replicas,
        image,
        readiness,
        json!({"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}),
    )
}

/// A Rollout `name` with `strategy` (the `spec.strategy` object).
pub fn with_strategy(
    name: &str,
    replicas: u32,
    image: &str,
    readiness: Option<&str>,
    strategy: Value,
) -> Value {
    let annotations = readiness.map_or_else(|| json!({}), |d| json!({"sim.ramp.dev/readiness-delay": d}));
    json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "strategy": strategy,
                 "template": {"metadata": {"labels": {"app": name}, "annotations": annotations},
                              "spec": {"containers": [{"name": "app", "image": image}]}}}
    })
}

/// Creates a Rollout from its JSON.
pub async fn create(client: &Client, rollout: &Value) -> anyhow::Result<()> {
    let r: Rollout = serde_json::from_value(rollout.clone()).context("a benchmark Rollout does not parse")?;
    let api: Api<Rollout> = Api::namespaced(client.clone(), NAMESPACE);
    api.create(&PostParams::default(), &r).await.context("creating a Rollout")?;
    Ok(())
}

/// Sets the image of a Rollout's first container (a new revision).
pub async fn set_image(client: &Client, name: &str, image: &str) -> anyhow::Result<()> {
    let api: Api<Rollout> = Api::namespaced(client.clone(), NAMESPACE);
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .with_context(|| format!("setting the image of {name}"))?;
    Ok(())
}

/// Sets `spec.replicas` of a Rollout.
pub async fn set_replicas(client: &Client, name: &str, replicas: u32) -> anyhow::Result<()> {
    let api: Api<Rollout> = Api::namespaced(client.clone(), NAMESPACE);
    api.patch(name, &PatchParams::default(), &Patch::Merge(&json!({"spec": {"replicas": replicas}})))
        .await
        .with_context(|| format!("scaling {name}"))?;
    Ok(())
}

/// The Rollout as stored.
pub fn rollout(server: &ApiServer, name: &str) -> Option<Arc<Value>> {
    server.store.get(&ObjectKey {
        resource: ResourceId::new("ramp.dev", "rollouts"),
        namespace: NAMESPACE.into(),
        name: name.into(),
    })
}

/// Whether the stored Rollout's status describes its current spec and says `phase`.
pub fn settled_in(r: &Value, phase: &str) -> bool {
    r.pointer("/status/observedGeneration") == r.pointer("/metadata/generation")
        && r.pointer("/status/phase").and_then(Value::as_str) == Some(phase)
}

/// How many Rollouts in the namespace are Healthy for their current spec.
pub fn healthy_count(server: &ApiServer) -> usize {
    let (items, _) = server.store.list(&ResourceId::new("ramp.dev", "rollouts"), Some(NAMESPACE));
    items.iter().filter(|r| settled_in(r, "Healthy")).count()
}

/// Objects of a resource in the namespace.
pub fn count(server: &ApiServer, group: &str, plural: &str) -> usize {
    server.store.list(&ResourceId::new(group, plural), Some(NAMESPACE)).0.len()
}

/// Polls `f` every `every` until it holds; fails with `what` after `within`.
pub async fn wait_until(
    what: &str,
    within: Duration,
    every: Duration,
    mut f: impl FnMut() -> anyhow::Result<bool>,
) -> anyhow::Result<Duration> {
    let start = super::wall();
    loop {
        if f()? {
            return Ok(start.elapsed());
        }
        if start.elapsed() > within {
            bail!("{what}: not within {within:?}");
        }
        tokio::time::sleep(every).await;
    }
}
