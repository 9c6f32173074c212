//! `kubectl ramp list | get | history | set image | plan` through the real kubectl against
//! the hollow cluster with the controller running: aligned tables (with `-A`), the tree and
//! its JSON/YAML forms, `get --watch` frames, no colour on a pipe, the live plan read only,
//! and completion of Rollout names through kubectl's plugin completion.

use crate::common;

use std::time::Duration;

use common::{
    harness::Instance,
    kubectl::Kubectl,
    plugin::{Streaming, exits, ok, path_with_plugin, phase_becomes},
};
use serde_json::Value;

const CANARY: &str = r#"
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
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

const ROLLING_IN_QA: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: qa}
---
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: api, namespace: qa}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "api:v1"}]
"#;

async fn setup(name: &str) -> (Kubectl, Instance) {
    let k = Kubectl::start(name).await;
    k.ok(&["apply", "--server-side", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/analysisruns.ramp.dev", "--timeout=10s"]).await;
    let controller = Instance::start(&k.running.url(), "ramp-a");
    (k, controller)
}

async fn apply(k: &Kubectl, file: &str, text: &str) {
    let path = k.dir.join(file);
    std::fs::write(&path, text).unwrap();
    k.ok(&["apply", "--server-side", "-f", path.to_str().unwrap()]).await;
}

/// The column each header starts at, and that every row has a cell starting there.
fn assert_aligned(table: &str) {
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    let starts: Vec<usize> = header
        .char_indices()
        .filter(|(i, c)| *c != ' ' && (*i == 0 || header.as_bytes()[i - 1] == b' '))
        .map(|(i, _)| i)
        .collect();
    for line in lines {
        for s in &starts {
            let at = line.as_bytes().get(*s).copied();
            let before = if *s == 0 { b' ' } else { line.as_bytes()[s - 1] };
            assert!(at.is_some_and(|c| c != b' ') && before == b' ', "cell not at column {s}:\n{table}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_ramp_lists_shows_and_changes_rollouts() {
    let (k, _controller) = setup("plugin-view").await;
    apply(&k, "web.yaml", CANARY).await;
    apply(&k, "qa.yaml", ROLLING_IN_QA).await;
    phase_becomes(&k, "web", "Healthy").await;
    let cond = "--for=jsonpath={.status.phase}=Healthy";
    k.ok(&["wait", cond, "rollout/api", "-n", "qa", "--timeout=60s"]).await;

    // list: this namespace, then every namespace; aligned, no colour on a pipe.
    let table = ok(&k, &["list"]).await;
    assert!(table.starts_with("NAME   STRATEGY   PHASE     STEP   WEIGHT    READY   AGE\n"), "{table}");
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&row[..6], ["web", "canary", "Healthy", "2/2", "100/100", "2/2"], "{table}");
    assert_eq!(table.lines().count(), 2, "only the namespace's Rollouts: {table}");
    let all = ok(&k, &["ls", "-A"]).await;
    assert!(all.starts_with("NAMESPACE   NAME   STRATEGY"), "{all}");
    assert_aligned(&all);
    let rows: Vec<Vec<&str>> = all.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0][..4], ["default", "web", "canary", "Healthy"], "{all}");
    assert_eq!(rows[1][..5], ["qa", "api", "rollingUpdate", "Healthy", "-"], "{all}");
    let json: Value = serde_json::from_str(&ok(&k, &["list", "-A", "-o", "json"]).await).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[1]["namespace"], "qa");
    assert_eq!(json[0]["weight"], 100);
    let yaml: Value = serde_saphyr::from_str(&ok(&k, &["list", "-n", "qa", "-o", "yaml"]).await).unwrap();
    assert_eq!(yaml[0]["name"], "api");
    assert_eq!(yaml[0]["strategy"], "rollingUpdate");

    // set image: a new revision; a container that does not exist is bad input.
    let (_, err) = exits(&k, 2, &["set", "image", "web", "nope=web:v2"]).await;
    assert!(err.contains("no container named nope (the template has: web)"), "{err}");
    let said = ok(&k, &["set", "image", "web", "web=web:v2"]).await;
    assert_eq!(said, "rollout web: image updated: web=web:v2\n");
    phase_becomes(&k, "web", "Paused").await;

    // get: the tree.
    let tree = ok(&k, &["get", "web"]).await;
    for want in [
        "Name:        web",
        "Strategy:    canary",
        "Phase:       Paused",
        "Step:        1/2",
        "Weight:      50 set, 50 achieved",
        "  ✔  0  setWeight 50",
        "  ▶  1  pause until promoted",
        "├─ revision 2 [canary]",
        "└─ revision 1 [stable]",
        "web:v2",
        "Ready",
        "CanaryPauseStep",
        "Conditions:",
    ] {
        assert!(tree.contains(want), "missing {want:?} in\n{tree}");
    }
    assert!(tree.matches("pod web-").count() >= 2, "{tree}");
    let tree_json: Value = serde_json::from_str(&ok(&k, &["get", "web", "-o", "json"]).await).unwrap();
    assert_eq!(tree_json["phase"], "Paused");
    assert_eq!(tree_json["steps"]["current"], 1);
    assert_eq!(tree_json["weight"]["set"], 50);
    let revisions = tree_json["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["revision"], 2);
    assert_eq!(revisions[0]["marks"], serde_json::json!(["canary"]));
    assert_eq!(revisions[0]["images"], serde_json::json!(["web:v2"]));
    let pods = revisions[0]["replicaSet"]["pods"].as_array().unwrap();
    assert!(!pods.is_empty() && pods.iter().all(|p| p["ready"] == true && p["restarts"] == 0), "{pods:?}");
    let tree_yaml: Value = serde_saphyr::from_str(&ok(&k, &["get", "web", "-o", "yaml"]).await).unwrap();
    assert_eq!(tree_yaml, tree_json, "the YAML and JSON forms are the same tree");

    // history: both revisions, which is stable and which current.
    let history = ok(&k, &["history", "web"]).await;
    assert!(history.starts_with("REVISION   HASH"), "{history}");
    let lines: Vec<Vec<&str>> = history.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!((lines[0][0], lines[0][2], *lines[0].last().unwrap()), ("1", "web:v1", "stable"), "{history}");
    assert_eq!(
        (lines[1][0], lines[1][2], *lines[1].last().unwrap()),
        ("2", "web:v2", "current"),
        "{history}"
    );
    let h: Value = serde_json::from_str(&ok(&k, &["history", "web", "-o", "json"]).await).unwrap();
    assert_eq!(h[1]["marks"], serde_json::json!(["current"]));

    // plan: read only; a paused canary has nothing to do but wait.
    let rv = || k.ok(&["get", "rollout", "web", "-o", "jsonpath={.metadata.resourceVersion}"]);
    let before = rv().await;
    let plan = ok(&k, &["plan", "web"]).await;
    assert!(plan.contains("Actions:\n  none: the cluster is as the controller wants it"), "{plan}");
    assert!(plan.contains("phase:   Paused"), "{plan}");
    let plan_json: Value = serde_json::from_str(&ok(&k, &["plan", "web", "-o", "json"]).await).unwrap();
    assert_eq!(plan_json["status"]["phase"], "Paused");
    let live = k.ok(&["get", "rollout", "web", "-o", "jsonpath={.status}"]).await;
    assert_ne!(plan_json["statusChange"], "meaning", "{plan_json:#}\n{live}");
    assert_eq!(rv().await, before, "plan writes nothing");
    let (_, err) = exits(&k, 2, &["plan", "nope"]).await;
    assert!(err.contains("rollout nope not found in namespace default"), "{err}");

    // get --watch on a pipe: a frame now, another when the promotion lands.
    let mut watch = Streaming::start(&k, &["get", "web", "--watch"]);
    watch.until(Duration::from_secs(30), |s| s.contains("Phase:       Paused")).await;
    ok(&k, &["promote", "web"]).await;
    watch.until(Duration::from_secs(60), |s| s.contains("Phase:       Healthy")).await;
    assert!(
        watch.seen.contains("\n\nName:        web"),
        "frames are separated by a blank line:\n{}",
        watch.seen
    );
    assert!(!watch.seen.contains('\x1b'), "no cursor movement or colour on a pipe");

    // Completion through kubectl's plugin completion (kubectl_complete-ramp on PATH).
    let path = format!("{}/contrib:{}", common::kubectl::workspace_root().display(), path_with_plugin());
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let complete = |args: &[&str]| {
        std::process::Command::new(&kubectl)
            .arg("__complete")
            .args(args)
            .env("PATH", &path)
            .env("KUBECONFIG", k.dir.join("kubeconfig"))
            .output()
            .unwrap()
    };
    let subs = String::from_utf8_lossy(&complete(&["ramp", "st"]).stdout).into_owned();
    assert!(subs.lines().any(|l| l.starts_with("status")), "{subs}");
    let names = String::from_utf8_lossy(&complete(&["ramp", "get", "w"]).stdout).into_owned();
    assert!(names.lines().any(|l| l == "web"), "{names}");
}
