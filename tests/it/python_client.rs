//! The official Python client (PyPI `kubernetes`) against the hollow cluster: each script under
//! `tests/python/` drives one area the way operators use the client, on a cluster of its own with
//! the Rollout CRD installed, and exits non-zero on the first call that does not behave as on a
//! real API server. The client comes from `$RAMP_PYTHON`, else `scripts/ensure-python-client`.

use crate::common;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
    time::Duration,
};

/// A script that hangs is killed after this long (its own waits are bounded well below it).
const SCRIPT_LIMIT: Duration = Duration::from_secs(300);

/// The python with the client installed, resolved once per test binary.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(p) = std::env::var_os("RAMP_PYTHON").filter(|p| !p.is_empty()) {
            return p.into();
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ensure-python-client");
        let out = Command::new(script).stderr(Stdio::inherit()).output().unwrap();
        assert!(out.status.success(), "{script} failed");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// Runs `tests/python/<name>.py` against a fresh hollow cluster and asserts it exits 0.
async fn run(name: &str) {
    let python = tokio::task::spawn_blocking(python).await.unwrap();
    let (running, _client) = common::harness::setup().await;
    let dir = std::env::temp_dir().join(format!("ramp-python-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let kubeconfig = dir.join("kubeconfig");
    hollow::embedded::write_kubeconfig(&kubeconfig, &running.url()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(format!("{name}.py"));
    // Output goes to files, not pipes: a pipe nobody reads would block a chatty script.
    let (stdout, stderr) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Command::new(python)
        .arg(&script)
        .env("KUBECONFIG", &kubeconfig)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let deadline = tokio::time::Instant::now() + SCRIPT_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let output = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        std::fs::read_to_string(&stdout).unwrap_or_default(),
        std::fs::read_to_string(&stderr).unwrap_or_default()
    );
    match status {
        Some(s) if s.success() => {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Some(s) => panic!("{} exited with {s}\n{output}", script.display()),
        None => panic!("{} still ran after {SCRIPT_LIMIT:?}\n{output}", script.display()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_watch_and_resume() {
    run("list_watch").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_replace_patch_and_apply() {
    run("writes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_on_stale_writes() {
    run("conflicts").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_status_and_scale_subresources() {
    run("rollout_subresources").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_with_each_propagation_policy() {
    run("delete_propagation").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_and_leader_election() {
    run("leader_election").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_and_events_v1_events() {
    run("events").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eviction_allowed_and_refused_by_a_budget() {
    run("eviction").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_rbac_and_access_reviews() {
    run("auth").await;
}
