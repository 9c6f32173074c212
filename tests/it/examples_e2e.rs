//! The manifests in `examples/`, as a user applies them: the real `kubectl` against the hollow
//! cluster with the controller running. Each rolls out its first revision, takes a new image,
//! stops where its strategy waits for a person, and is promoted with `kubectl ramp promote
//! --full` to Healthy on the new revision.

use crate::common;

use common::rollouts::plugin;

use common::{harness::Instance, kubectl::Kubectl};
use serde_json::json;

async fn wait_phase(k: &Kubectl, phase: &str) {
    let cond = format!("--for=jsonpath={{.status.phase}}={phase}");
    k.ok(&["wait", &cond, "rollout/web", "--timeout=90s"]).await;
}

async fn run_example(file: &str, gateway: bool) {
    let k = Kubectl::start(&file.replace(['/', '.'], "-")).await;
    k.ok(&["apply", "--server-side", "-f", "crds/rollout.yaml"]).await;
    if gateway {
        k.ok(&["apply", "--server-side", "-f", "examples/gateway-api/httproute-crd.yaml"]).await;
        k.ok(&[
            "wait",
            "--for=condition=established",
            "crd/httproutes.gateway.networking.k8s.io",
            "--timeout=10s",
        ])
        .await;
    }
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    let _controller = Instance::start(&k.running.url(), "ramp-a");
    k.ok(&["apply", "--server-side", "-f", file]).await;
    wait_phase(&k, "Healthy").await;
    let first = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.status.stableRevision}"]).await;

    let patch =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}});
    k.ok(&["patch", "rollout", "web", "--type=merge", "-p", &patch.to_string()]).await;
    wait_phase(&k, "Paused").await;
    let o = plugin(&k, &["promote", "web", "--full"]).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    wait_phase(&k, "Healthy").await;
    let stable = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.status.stableRevision}"]).await;
    let updated = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.status.updatedRevision}"]).await;
    assert_eq!(stable, updated, "{file}: the new revision is stable");
    assert_ne!(stable, first, "{file}: a new revision");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blue_green_example_is_promoted_by_a_person() {
    run_example("examples/blue-green.yaml", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_ratio_canary_example_is_promoted() {
    run_example("examples/canary-ratio.yaml", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_httproute_canary_example_is_promoted() {
    run_example("examples/canary-httproute.yaml", true).await;
}
