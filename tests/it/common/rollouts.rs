//! Helpers for end-to-end tests of one Rollout named `web` in `default`: wait for a state,
//! send an operation request, change the image, and run `kubectl ramp` as a user would.

use std::{path::PathBuf, process::Output, time::Duration};

use kube::{
    Api,
    api::{Patch, PatchParams},
    runtime::wait::await_condition,
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

/// Waits (up to an hour of tokio time) until `f` holds of Rollout `web`.
pub async fn wait_for(api: &Api<Rollout>, what: &str, f: impl Fn(&Rollout) -> bool) -> Rollout {
    let cond = move |r: Option<&Rollout>| r.is_some_and(&f);
    match tokio::time::timeout(Duration::from_secs(3600), await_condition(api.clone(), "web", cond)).await {
        Ok(Ok(Some(r))) => r,
        _ => panic!("never reached: {what}; status: {:?}", api.get("web").await.ok().and_then(|r| r.status)),
    }
}

/// `status.phase`.
pub fn phase(r: &Rollout) -> Option<RolloutPhase> {
    r.status.as_ref().and_then(|s| s.phase)
}

/// Writes an operation request on Rollout `web`.
pub async fn request(api: &Api<Rollout>, id: &str, op: &str) {
    let body = json!({"metadata": {"annotations": {"ramp.dev/request":
        json!({"id": id, "op": op, "by": "test"}).to_string()}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&body)).await.unwrap();
}

/// Sets the image of container `web` of Rollout `web`: a new revision.
pub async fn set_image(api: &Api<Rollout>, image: &str) {
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
}

/// Runs `kubectl ramp ARGS` against `k`'s cluster, with the plugin binary first on PATH.
pub async fn plugin(k: &super::kubectl::Kubectl, args: &[&str]) -> Output {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_kubectl-ramp")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let mut cmd = std::process::Command::new(kubectl);
    // kubectl hands every argument after the plugin's name to the plugin.
    cmd.arg("ramp").args(args).arg("--kubeconfig").arg(k.dir.join("kubeconfig")).env("PATH", path);
    tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap()
}
