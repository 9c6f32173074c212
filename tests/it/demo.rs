//! `ramp demo` runs to completion on a compressed timeline, as CI and a newcomer run it, and its
//! output tells both outcomes: the healthy version promoted, the faulty one aborted by analysis.

use std::process::Command;

#[test]
fn the_demo_promotes_the_healthy_version_and_aborts_the_faulty_one() {
    let dir = std::env::temp_dir().join(format!("ramp-demo-test-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_ramp"))
        .args(["demo", "--pace", "0.1", "--kubeconfig"])
        .arg(dir.join("kubeconfig"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stdout}\n{stderr}", out.status);
    let outcome = stdout.split("Outcome").nth(1).unwrap_or_default();
    assert!(outcome.contains("demo:v2           promoted"), "{stdout}");
    assert!(outcome.contains("demo:v3-errors20  aborted by analysis"), "{stdout}");
    assert!(stdout.contains("meets failureCondition"), "the reason names the failed condition: {stdout}");
    // The timeline shows the canary's steps and the measurements, not only the end.
    for want in ["step 2/4: analysis", "analysis success-rate: success rate 1.000 passes", "FAILS"] {
        assert!(stdout.contains(want), "{want:?} missing from\n{stdout}");
    }
    assert!(!stdout.contains('\u{1b}'), "no colour or redraws when stdout is not a terminal");
    assert!(
        stdout.contains("  dashboard:  http://127.0.0.1:"),
        "the dashboard's address is printed: {stdout}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `--keep-running` stays up with the dashboard it printed: the token it printed reads the
/// demo's Rollout; without it, an action is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_keeps_running_with_its_dashboard() {
    use std::io::{BufRead, BufReader};
    let dir = std::env::temp_dir().join(format!("ramp-demo-keep-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ramp"))
        .args(["demo", "--pace", "0.1", "--keep-running", "--kubeconfig"])
        .arg(dir.join("kubeconfig"))
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Read on a thread that keeps draining: a closed pipe would end the demo at its next line.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let lines = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(300)) {
            let done = line.starts_with("Still running");
            seen.push(line);
            if done {
                break;
            }
        }
        seen
    })
    .await
    .unwrap();
    let dashboard = lines.iter().find(|l| l.contains("dashboard:")).unwrap_or_else(|| panic!("{lines:#?}"));
    let url = dashboard.split_whitespace().find(|w| w.starts_with("http://")).unwrap().trim_end_matches('/');
    let token = dashboard.split("token ").nth(1).unwrap().trim_end_matches(')').to_string();
    let http = reqwest::Client::new();
    let list = http.get(format!("{url}/api/v1/rollouts")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let body = list.text().await.unwrap();
    assert!(body.contains("\"demo\""), "{body}");
    let refused =
        http.post(format!("{url}/api/v1/namespaces/default/rollouts/demo/abort")).send().await.unwrap();
    assert_eq!(refused.status(), 401, "no token, no action");
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);
}
