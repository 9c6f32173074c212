//! `kubectl ramp status` for CI, through the real kubectl with the controller running: each
//! exit code — 0 Healthy, 1 Degraded or Aborted, 2 Paused, 3 timeout, 4 invalid spec — and
//! `--until paused`; a just-changed spec is not read as the old revision's Healthy.

use crate::common;

use common::{
    harness::Instance,
    kubectl::Kubectl,
    plugin::{exits, ok, phase_becomes},
};
use serde_json::Value;

/// A Rollout named `name` with `strategy` (JSON) and `extra` spec fields (JSON, may be empty).
fn rollout(name: &str, image: &str, strategy: &str, extra: &str) -> String {
    format!(
        r#"{{"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {{"name": "{name}"}},
  "spec": {{"replicas": 2, "selector": {{"matchLabels": {{"app": "{name}"}}}}, "strategy": {strategy}, {extra}
    "template": {{"metadata": {{"labels": {{"app": "{name}"}}, "annotations": {{"sim.ramp.dev/readiness-delay": "100ms"}}}},
                 "spec": {{"containers": [{{"name": "app", "image": "{image}"}}]}}}}}}}}
"#
    )
}

const ROLLING: &str = r#"{"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}"#;
const CANARY: &str =
    r#"{"canary": {"maxSurge": 1, "maxUnavailable": 0, "steps": [{"setWeight": 50}, {"pause": {}}]}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_exit_codes_say_how_a_rollout_settled() {
    let k = Kubectl::start("plugin-status").await;
    k.ok(&["apply", "--server-side", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    let _controller = Instance::start(&k.running.url(), "ramp-a");
    let manifests = [
        rollout("ok", "ok:v1", ROLLING, ""),
        rollout("canary", "canary:v1", CANARY, ""),
        rollout("slow", "slow:v1-unready", ROLLING, ""),
        rollout("stuck", "stuck:v1-unready", ROLLING, r#""progressDeadline": "2s","#),
        rollout("invalid", "invalid:v1", ROLLING, r#""minReadySeconds": 700,"#),
    ];
    for (i, m) in manifests.iter().enumerate() {
        let file = k.dir.join(format!("r{i}.json"));
        std::fs::write(&file, m).unwrap();
        k.ok(&["apply", "--server-side", "-f", file.to_str().unwrap()]).await;
    }

    // 0: Healthy, with a line per change on the way.
    let out = ok(&k, &["status", "ok"]).await;
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("Healthy: revision ") && last.ends_with(": 2/2 replicas available"), "{out}");

    // 2: a new revision pauses at its step; never the old revision's Healthy.
    phase_becomes(&k, "canary", "Healthy").await;
    ok(&k, &["set", "image", "canary", "app=canary:v2"]).await;
    let (out, _) = exits(&k, 2, &["status", "canary"]).await;
    assert!(out.lines().last().unwrap().starts_with("Paused (step 1/2): "), "{out}");
    assert!(!out.contains("Healthy"), "{out}");
    // --until paused: that is what was waited for; progress as JSON lines.
    let out = ok(&k, &["status", "canary", "--until", "paused", "-o", "json"]).await;
    let last: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!((last["phase"].as_str(), last["step"].as_str()), (Some("Paused"), Some("1/2")), "{out}");

    // 1: Aborted.
    ok(&k, &["abort", "canary"]).await;
    let (out, _) = exits(&k, 1, &["status", "canary"]).await;
    assert!(out.lines().last().unwrap().starts_with("Aborted"), "{out}");

    // 3: still progressing when the timeout runs out.
    let (out, err) = exits(&k, 3, &["status", "slow", "--timeout", "2s"]).await;
    assert!(out.lines().last().unwrap().starts_with("Progressing"), "{out}");
    assert!(err.contains("timed out after 2s: rollout slow is Progressing"), "{err}");

    // 1: Degraded (its progress deadline passed).
    let (out, _) = exits(&k, 1, &["status", "stuck", "--timeout", "60s"]).await;
    assert!(out.lines().last().unwrap().starts_with("Degraded"), "{out}");

    // 4: invalid spec.
    let (out, _) = exits(&k, 4, &["status", "invalid"]).await;
    assert!(out.contains("spec.progressDeadline: must be greater than minReadySeconds"), "{out}");

    // 1: no such Rollout, said on stderr.
    let (_, err) = exits(&k, 1, &["status", "nope", "--timeout", "10s"]).await;
    assert!(err.contains("rollout nope not found in namespace default"), "{err}");

    // The codes are in the help.
    let help = ok(&k, &["status", "--help"]).await;
    assert!(help.contains("3  timeout") && help.contains("4  invalid spec"), "{help}");
}
