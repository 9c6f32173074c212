//! The dashboard in a real browser: headless Chromium driven by `tests/browser/dashboard.mjs`
//! (playwright-core). A person logs in with a token, watches the canary progress on the list
//! without reloading (server-sent events), promotes it from the detail page and sees the step
//! advance; a read-only user sees every button disabled and a forced POST refused; a phone's
//! viewport stacks the layout. Needs `scripts/ensure-chromium` (Debian's chromium and the
//! script's npm packages). `RAMP_DASHBOARD_SCREENSHOTS=docs/img` saves the screenshots the
//! docs show.

use crate::common;

use std::{
    io::BufRead,
    path::Path,
    process::{Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use common::{
    dashboard::{OPERATOR, VIEWER, World, healthy_canary, request_annotation, with_users},
    rollouts::set_image,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Kills the browser script if the test fails first.
struct Script(std::process::Child);

impl Drop for Script {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn check_installed() {
    let modules = Path::new(ROOT).join("tests/browser/node_modules/playwright-core");
    assert!(
        Path::new("/usr/bin/chromium").exists() && modules.exists(),
        "the browser tests need Chromium and playwright-core: run scripts/ensure-chromium"
    );
}

/// Runs the script against `w`; `on_ready` is called (and awaited) at each `READY <name>`.
/// Returns its stdout lines.
pub async fn run_script(w: &World, args: &[&str], mut on_ready: impl AsyncFnMut(&str)) -> Vec<String> {
    check_installed();
    let shots = std::env::var("RAMP_DASHBOARD_SCREENSHOTS").map_or_else(
        |_| std::env::temp_dir().join(format!("ramp-dashboard-shots-{}", std::process::id())),
        |d| Path::new(ROOT).join(d),
    );
    let mut child = Script(
        Command::new("node")
            .arg(Path::new(ROOT).join("tests/browser/dashboard.mjs"))
            .args(["--url", &w.base, "--screenshots", shots.to_str().unwrap()])
            .args(args)
            .current_dir(ROOT)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node (Node.js 20) on PATH"),
    );
    let (tx, rx) = mpsc::channel::<String>();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let mut lines = Vec::new();
    loop {
        let rx = rx.clone();
        // The script's own waits are a minute each; this bounds a hung browser.
        let next =
            tokio::task::spawn_blocking(move || rx.lock().unwrap().recv_timeout(Duration::from_secs(180)))
                .await
                .unwrap();
        match next {
            Ok(line) => {
                if let Some(name) = line.strip_prefix("READY ") {
                    on_ready(name).await;
                }
                lines.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the browser script is stuck; so far: {lines:#?}"),
        }
    }
    let out = tokio::task::spawn_blocking(move || {
        let status = child.0.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(child.0.stderr.as_mut().unwrap(), &mut err).unwrap();
        (status, err)
    })
    .await
    .unwrap();
    assert!(
        out.0.success(),
        "the browser script failed ({}):\n{}\nstdout:\n{}",
        out.0,
        out.1,
        lines.join("\n")
    );
    lines
}

/// The scenarios the script reported passed.
fn passed(lines: &[String]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["ok"] == true)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_logs_in_watches_and_promotes_in_a_browser() {
    // Real TokenReviews and RBAC: an operator (every verb) and a viewer (get, list, watch).
    let w = World::start(|_| {}).await;
    with_users(&w).await;
    healthy_canary(&w).await;
    let api = w.rollouts();
    let lines = run_script(&w, &["--token", OPERATOR, "--readonly-token", VIEWER], async |name| {
        assert_eq!(name, "progress");
        set_image(&api, "web:v2").await;
    })
    .await;
    let scenarios: Vec<String> =
        passed(&lines).iter().map(|v| v["scenario"].as_str().unwrap().to_string()).collect();
    assert_eq!(scenarios, ["login", "live-list", "promote", "read-only", "mobile", "mobile"], "{lines:#?}");
    // The promote is the last request: the read-only user's forced abort wrote nothing.
    let request: serde_json::Value = serde_json::from_str(&request_annotation(&w).await.unwrap()).unwrap();
    assert_eq!((request["op"].as_str(), request["by"].as_str()), (Some("promote"), Some("oscar")));
    assert_eq!(request["message"], "canary looks good");
    assert_ne!(
        common::rollouts::phase(&api.get("web").await.unwrap()),
        Some(ramp::api::RolloutPhase::Aborted)
    );
}
