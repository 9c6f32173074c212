//! The operations as users run them: the real `kubectl` finds `kubectl-ramp` on PATH, and
//! `kubectl ramp promote | abort | retry | pause | resume | undo | restart` drive a canary on the hollow
//! cluster through the controller; refusals and a missing Rollout exit non-zero with the
//! reason, and the spec is never edited.

use crate::common;

use common::rollouts::plugin;

use std::{process::Output, time::Duration};

use common::{harness::Instance, kubectl::Kubectl};
use serde_json::json;

const ROLLOUT: &str = r#"
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  strategy:
    canary:
      maxSurge: 1
      maxUnavailable: 0
      steps: [{setWeight: 50}, {pause: {}}]
  template:
    metadata:
      labels: {app: web}
      annotations: {sim.ramp.dev/readiness-delay: 100ms}
    spec:
      containers: [{name: web, image: "web:v1"}]
"#;

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

async fn phase_becomes(k: &Kubectl, phase: &str) {
    let cond = format!("--for=jsonpath={{.status.phase}}={phase}");
    k.ok(&["wait", &cond, "rollout/web", "--timeout=60s"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_ramp_drives_a_canary_and_says_why_when_it_cannot() {
    let k = Kubectl::start("plugin-ops").await;
    k.ok(&["apply", "--server-side", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    let file = k.dir.join("rollout.yaml");
    std::fs::write(&file, ROLLOUT).unwrap();
    let _controller = Instance::start(&k.running.url(), "ramp-a");
    k.ok(&["apply", "--server-side", "-f", file.to_str().unwrap()]).await;
    phase_becomes(&k, "Healthy").await;
    let v1 = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.status.stableRevision}"]).await;

    // Not found: bad input, exit 2.
    let o = plugin(&k, &["promote", "nope"]).await;
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("rollout nope not found in namespace default"), "{:?}", text(&o));

    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}});
    k.ok(&["patch", "rollout", "web", "--type=merge", "-p", &patch.to_string()]).await;
    phase_becomes(&k, "Paused").await;
    let spec_before = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.spec}"]).await;

    // Refused (nothing is aborted): exit 1 with the controller's reason.
    let o = plugin(&k, &["retry", "web"]).await;
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(text(&o).1.contains("refused: the revision is not aborted"), "{:?}", text(&o));

    let o = plugin(&k, &["abort", "web", "-m", "latency is up"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).0.contains("rollout web: abort: traffic and capacity return to stable"),
        "{:?}",
        text(&o)
    );
    phase_becomes(&k, "Aborted").await;
    let by = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.status.lastRequest.by}"]).await;
    assert!(!by.is_empty(), "who asked is recorded");

    let o = plugin(&k, &["retry", "web", "-o", "json"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    let v: serde_json::Value = serde_json::from_str(text(&o).0.trim()).unwrap();
    assert_eq!(v["outcome"], "the revision starts again from step 1");
    phase_becomes(&k, "Paused").await;

    let o = plugin(&k, &["promote", "web"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    phase_becomes(&k, "Healthy").await;
    let spec_after = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.spec}"]).await;
    assert_eq!(spec_before, spec_after, "operations never edit the spec");
    let stable = || k.ok(&["get", "rollout", "web", "-o", "jsonpath={.status.stableRevision}"]);
    let v2 = stable().await;

    // restart: the same pods re-created as a fresh ReplicaSet.
    let o = plugin(&k, &["restart", "web"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    for _ in 0..300 {
        let s = stable().await;
        if s != v2 && !s.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let restarted = stable().await;
    assert!(restarted != v1 && restarted != v2, "a fresh revision: {restarted}");
    phase_becomes(&k, "Healthy").await;

    // undo: back to revision 1 (v1), steps skipped, the spec still says v2.
    let o = plugin(&k, &["undo", "web", "--to-revision", "1"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("running revision 1"), "{:?}", text(&o));
    let cond = format!("--for=jsonpath={{.status.stableRevision}}={v1}");
    k.ok(&["wait", &cond, "rollout/web", "--timeout=60s"]).await;
    phase_becomes(&k, "Healthy").await;
    assert_eq!(k.ok(&["get", "rollout", "web", "-o", "jsonpath={.spec}"]).await, spec_before);
    // A restart during an undo is refused, with the way out.
    let o = plugin(&k, &["restart", "web"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("an undo is in effect"), "{:?}", text(&o));

    // Without a controller the request stays on the Rollout and the command says so.
    drop(_controller);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let o = plugin(&k, &["pause", "web", "--wait", "1s"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("no controller carried it out within 1s"), "{:?}", text(&o));
}
