//! The `kubectl ramp` commands that need no cluster, run through the real kubectl: `lint` on
//! good and bad manifests (every problem with its field path, exit 0 or 2, stdin), and
//! `completion bash` sourced by bash.

use std::process::{Command, Output, Stdio};

use crate::common::{
    kubectl::workspace_root,
    plugin::{path_with_plugin, text},
};

/// `kubectl ramp ARGS` with `stdin`, from the workspace root.
fn plugin(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let mut child = Command::new(kubectl)
        .arg("ramp")
        .args(args)
        .env("PATH", path_with_plugin())
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

const BAD: &str = r#"
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy:
    canary:
      steps: [{setWeight: 120}, {pause: {duration: soon}}, {setWeight: 10, pause: {}}]
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: web, image: "web:v2"}]
      colour: blue
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: ramp.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: errors}
spec:
  metrics:
  - name: error-rate
    provider: {prometheus: {address: "http://prom:9090", query: "x"}}
    judge: {threshold: {failureCondition: "result >"}}
"#;

#[test]
fn lint_passes_the_examples_and_names_every_problem_with_its_path() {
    let files: Vec<String> = ["examples", "examples/analysis", "examples/gateway-api"]
        .iter()
        .flat_map(|d| std::fs::read_dir(workspace_root().join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(files.len() > 8, "{files:?}");
    let mut args = vec!["lint"];
    args.extend(files.iter().map(String::as_str));
    let o = plugin(&args, "");
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(text(&o).0, "", "a clean run prints nothing");

    let o = plugin(&["lint", "-"], BAD);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let (out, _) = text(&o);
    let lines: Vec<&str> = out.lines().collect();
    let want = [
        "<stdin>: Rollout/web: spec.template.spec.colour: unknown field (a strict API server refuses it; others drop it)",
        "<stdin>: Rollout/web: spec.strategy.canary.steps[0].setWeight: Invalid value: 120: spec.strategy.canary.steps[0].setWeight in body should be less than or equal to 100",
        "<stdin>: Rollout/web: spec.strategy.canary.steps[1].pause.duration: Invalid value: \"string\": must be a duration such as 30s, 5m or 1h30m (units ms, s, m, h, d)",
        "<stdin>: Rollout/web: spec.template.metadata.labels: must match spec.selector",
        "<stdin>: AnalysisTemplate/errors: spec.metrics[0].judge.threshold: failureCondition: at 8: expected a value",
    ];
    for w in want {
        assert!(lines.contains(&w), "missing {w:?} in\n{out}");
    }
    assert!(
        lines.iter().any(|l| l.starts_with("<stdin>: Rollout/web: spec.strategy.canary.steps[2]")),
        "{out}"
    );
    assert!(!out.contains("Service/"), "kinds that are not Ramp's are skipped:\n{out}");

    let o = plugin(&["lint", "-", "-o", "json"], BAD);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["file"], "<stdin>");
    assert_eq!(v.as_array().unwrap().len(), lines.len());

    let o = plugin(&["lint", "does/not/exist.yaml"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("cannot read does/not/exist.yaml"), "{:?}", text(&o));
}

#[test]
fn completion_scripts_load_in_their_shells() {
    let o = plugin(&["completion", "bash"], "");
    assert!(o.status.success(), "{:?}", text(&o));
    let script = text(&o).0;
    assert!(script.contains("kubectl-ramp"), "completes the binary kubectl runs");
    let check = Command::new("bash")
        .arg("-c")
        .arg("source /dev/stdin && complete -p kubectl-ramp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut check = check;
    {
        use std::io::Write;
        check.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    }
    let done = check.wait_with_output().unwrap();
    assert!(done.status.success(), "bash could not load it: {:?}", text(&done));
    assert!(text(&done).0.contains("kubectl-ramp"), "{:?}", text(&done));
    for shell in ["zsh", "fish", "powershell"] {
        let o = plugin(&["completion", shell], "");
        assert!(o.status.success() && !o.stdout.is_empty(), "{shell}: {:?}", text(&o));
    }
}
