//! The binaries as a user runs them.

use std::process::{Command, Output};

use serde_json::Value;

fn ramp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ramp"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("ramp runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn plan_prints_a_timeline_that_ends_healthy() {
    let o = ramp(&["plan", "--file", "examples/rolling.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("maxSurge 3, maxUnavailable 2 (at most 13 pods, at least 8 available)"), "{text}");
    assert!(text.contains("create web-"), "{text}");
    assert!(
        text.contains("warning BlockedByDisruptionBudget"),
        "the example's budget paces the rollout: {text}"
    );
    assert!(text.lines().last().unwrap_or_default().starts_with("Result: Healthy after"), "{text}");
}

#[test]
fn plan_json_is_complete_and_within_bounds() {
    let o = ramp(&["plan", "--file", "examples/rolling.yaml", "--output", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["phase"], "Healthy");
    assert_eq!(v["settled"], true);
    let timeline = v["timeline"].as_array().expect("timeline");
    assert!(timeline.len() > 5);
    for entry in timeline {
        let desired: i64 =
            entry["replicaSets"].as_array().unwrap().iter().map(|r| r["desired"].as_i64().unwrap()).sum();
        assert!(desired <= 13, "more than replicas + maxSurge at {}: {desired}", entry["atSeconds"]);
    }
    let finals = v["finalReplicaSets"].as_array().unwrap();
    assert_eq!(finals.iter().filter(|r| r["available"] == 10).count(), 1);
}

#[test]
fn plan_is_reproducible_from_its_seed() {
    let a = ramp(&["plan", "--file", "examples/rolling.yaml", "--seed", "7", "--jitter", "9s"]);
    let b = ramp(&["plan", "--file", "examples/rolling.yaml", "--seed", "7", "--jitter", "9s"]);
    assert!(a.status.success());
    assert_eq!(stdout(&a), stdout(&b));
}

#[test]
fn plan_shows_the_progress_deadline_when_new_pods_never_get_ready() {
    let o = ramp(&["plan", "--file", "examples/rolling.yaml", "--fail-new"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("warning ProgressDeadlineExceeded"), "{text}");
    assert!(text.contains("Result: Degraded after 10m00s"), "{text}");
}

#[test]
fn plan_applies_replica_changes_mid_rollout() {
    let o = ramp(&["plan", "--file", "examples/rolling.yaml", "--scale", "20@15s", "--output", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"]["availableReplicas"], 20);
    assert_eq!(v["phase"], "Healthy");
}

#[test]
fn invalid_manifest_is_refused_with_every_problem_and_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("ramp-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rolling.yaml"))
        .unwrap()
        .replace("maxSurge: 25%", "maxSurge: 0")
        .replace("maxUnavailable: 25%", "maxUnavailable: 0%")
        .replace("progressDeadline: 10m", "progressDeadline: ten minutes");
    std::fs::write(&file, text).unwrap();
    let o = ramp(&["plan", "--file", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("spec.progressDeadline: must be a duration"), "{err}");
    assert!(
        err.contains("spec.strategy.rollingUpdate: maxSurge and maxUnavailable must not both be 0"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());

    let o = ramp(&["plan", "--file", "does/not/exist.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: cannot read does/not/exist.yaml"), "{}", stderr(&o));
}

#[test]
fn crd_command_prints_the_committed_crds_from_both_binaries() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/crds/rollout.yaml")).unwrap();
    let o = ramp(&["crd"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), committed);
    let plugin = Command::new(env!("CARGO_BIN_EXE_kubectl-ramp")).arg("crd").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&plugin.stdout), committed);
}
