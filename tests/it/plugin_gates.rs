//! `kubectl ramp get` of what waits and what judged, and `set image` of a Rollout that runs a
//! Deployment, through the real kubectl with the controller running: a pending approval with
//! its gate's message and groups, approvers as the API server authenticated them (a
//! SelfSubjectReview: user and groups), so only a member of the gate's group opens it; an
//! analysis verdict with its metric's reason; and the Deployment patched for a `workloadRef`.

use crate::common;

use common::{
    harness::Instance,
    kubectl::Kubectl,
    plugin::{ok, ok_as, phase_becomes},
};
use serde_json::Value;

const MANIFESTS: &str = r#"
apiVersion: ramp.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: smoke}
spec:
  metrics:
  - name: smoke
    provider:
      job:
        spec:
          backoffLimit: 0
          template:
            metadata: {annotations: {sim.ramp.dev/run-duration: 200ms}}
            spec:
              restartPolicy: Never
              containers: [{name: smoke, image: "smoke:v1-exit1"}]
---
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: gate}
spec:
  replicas: 2
  selector: {matchLabels: {app: gate}}
  strategy:
    canary:
      maxSurge: 1
      maxUnavailable: 0
      steps: [{setWeight: 50}, {approval: {message: check the dashboards, groups: [sre]}}]
  template:
    metadata: {labels: {app: gate}, annotations: {sim.ramp.dev/readiness-delay: 100ms}}
    spec: {containers: [{name: app, image: "gate:v1"}]}
---
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: checked}
spec:
  replicas: 2
  selector: {matchLabels: {app: checked}}
  strategy:
    canary:
      maxSurge: 1
      maxUnavailable: 0
      steps: [{setWeight: 50}, {analysis: {templates: [{templateName: smoke}]}}]
  template:
    metadata: {labels: {app: checked}, annotations: {sim.ramp.dev/readiness-delay: 100ms}}
    spec: {containers: [{name: app, image: "checked:v1"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}, annotations: {sim.ramp.dev/readiness-delay: 100ms}}
    spec: {containers: [{name: web, image: "legacy:v1"}]}
---
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: adopted}
spec:
  replicas: 2
  selector: {matchLabels: {app: legacy}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: legacy}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_shows_gates_and_verdicts_and_set_image_follows_a_workload_ref() {
    let k = Kubectl::start("plugin-gates").await;
    k.ok(&["apply", "--server-side", "-f", "crds/rollout.yaml"]).await;
    for crd in ["rollouts", "analysistemplates", "analysisruns"] {
        let name = format!("crd/{crd}.ramp.dev");
        k.ok(&["wait", "--for=condition=established", &name, "--timeout=10s"]).await;
    }
    let _controller = Instance::start(&k.running.url(), "ramp-a");
    let file = k.dir.join("gates.yaml");
    std::fs::write(&file, MANIFESTS).unwrap();
    k.ok(&["apply", "--server-side", "-f", file.to_str().unwrap()]).await;
    for name in ["gate", "checked", "adopted"] {
        phase_becomes(&k, name, "Healthy").await;
    }

    // An approval step waits, with its message; approving records who asked.
    ok(&k, &["set", "image", "gate", "app=gate:v2"]).await;
    phase_becomes(&k, "gate", "Paused").await;
    let tree = ok(&k, &["get", "gate"]).await;
    assert!(tree.contains("Approval pending (step 1): check the dashboards"), "{tree}");
    let json: Value = serde_json::from_str(&ok(&k, &["get", "gate", "-o", "json"]).await).unwrap();
    assert_eq!(json["approvals"]["waiting"]["message"], "check the dashboards");
    assert_eq!(json["approvals"]["waiting"]["step"], 1);
    assert_eq!(json["approvals"]["waiting"]["groups"], serde_json::json!(["sre"]));

    // The default kubeconfig has no credentials: the hollow cluster's admin, not in sre. Its
    // approval is recorded with who it was and does not count.
    let said = ok(&k, &["approve", "gate", "-m", "from the admin"]).await;
    assert!(
        said.contains("recorded, but it does not count: kubernetes-admin is in none of the groups sre"),
        "{said}"
    );
    let json: Value = serde_json::from_str(&ok(&k, &["get", "gate", "-o", "json"]).await).unwrap();
    assert_eq!(json["phase"], "Paused");
    assert_eq!(json["approvals"]["waiting"]["approvedBy"], serde_json::json!([]));
    let admin = &json["approvals"]["records"][0];
    assert_eq!(admin["by"], "kubernetes-admin", "{json:#}");
    assert!(admin["groups"].as_array().unwrap().contains(&"system:masters".into()), "{json:#}");

    // Alice, in sre, by her token: the server says who she is, and her approval opens the gate.
    k.running.server.auth().add_token("alice-token", "alice", "u-alice", &["system:masters", "sre"]);
    let alice = k.dir.join("alice.kubeconfig");
    std::fs::write(&alice, hollow::embedded::kubeconfig_with_token(&k.running.url(), "alice-token")).unwrap();
    let said = ok_as(&alice, &["approve", "gate", "-m", "looks good"]).await;
    assert!(said.contains("approved (1 of 1)"), "{said}");
    phase_becomes(&k, "gate", "Healthy").await;
    let request =
        k.ok(&["get", "rollout", "gate", "-o", "jsonpath={.metadata.annotations.ramp\\.dev/request}"]).await;
    let request: Value = serde_json::from_str(&request).unwrap();
    assert_eq!(request["by"], "alice", "{request}");
    assert_eq!(request["message"], "looks good");
    let groups = request["groups"].as_array().unwrap();
    assert!(groups.contains(&"sre".into()) && groups.contains(&"system:authenticated".into()), "{request}");
    let by = k.ok(&["get", "rollout", "gate", "-o", "jsonpath={.status.lastRequest.by}"]).await;
    assert_eq!(by, "alice");

    // A failed analysis: the run, its metric and the reason under the canary's revision.
    ok(&k, &["set", "image", "checked", "app=checked:v2"]).await;
    phase_becomes(&k, "checked", "Aborted").await;
    let json: Value = serde_json::from_str(&ok(&k, &["get", "checked", "-o", "json"]).await).unwrap();
    let canary = json["revisions"].as_array().unwrap().iter().find(|r| r["revision"] == 2).unwrap().clone();
    assert!(canary["marks"].as_array().unwrap().contains(&Value::from("aborted")), "{canary:#}");
    let run = &canary["analysisRuns"][0];
    assert_eq!(run["point"], "step-1", "{canary:#}");
    assert_eq!(run["phase"], "Failed", "{canary:#}");
    assert_eq!(run["metrics"][0]["name"], "smoke");
    assert_eq!(run["metrics"][0]["phase"], "Failed");
    assert!(run["metrics"][0]["last"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{run:#}");
    let tree = ok(&k, &["get", "checked"]).await;
    assert!(tree.contains("AnalysisRun checked-") && tree.contains("[step-1] Failed"), "{tree}");
    assert!(tree.contains("metric smoke Failed"), "{tree}");

    // set image on a workloadRef Rollout patches the Deployment, and says so.
    let said = ok(&k, &["set", "image", "adopted", "web=legacy:v2"]).await;
    assert_eq!(said, "deployment legacy (workloadRef of rollout adopted): image updated: web=legacy:v2\n");
    let image = k
        .ok(&["get", "deployment", "legacy", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
        .await;
    assert_eq!(image, "legacy:v2");
    // The controller takes the Deployment's new template as a new revision, then settles.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let history = loop {
        let h: Value = serde_json::from_str(&ok(&k, &["history", "adopted", "-o", "json"]).await).unwrap();
        let moved = h.as_array().unwrap().iter().any(|e| {
            e["marks"].as_array().unwrap().contains(&"current".into()) && e["images"][0] == "legacy:v2"
        });
        if moved || tokio::time::Instant::now() > deadline {
            break h;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let current = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["marks"].as_array().unwrap().contains(&"current".into()));
    assert!(
        current.is_some_and(|c| c["images"][0] == "legacy:v2"),
        "the Rollout runs the new template: {history:#}"
    );
}
