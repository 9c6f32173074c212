//! Running `kubectl ramp` as a user does (the real kubectl finds the plugin on PATH) and
//! reading what it says.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

use super::{kubectl::Kubectl, rollouts::plugin};

/// stdout and stderr as text.
pub fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// `kubectl ramp ARGS`, expecting success and no colour codes (stdout is a pipe); stdout.
pub async fn ok(k: &Kubectl, args: &[&str]) -> String {
    let o = plugin(k, args).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "kubectl ramp {args:?} failed ({:?}): {err}\n{out}", o.status.code());
    assert!(!out.contains('\x1b'), "colour codes on a pipe from {args:?}: {out:?}");
    out
}

/// `kubectl ramp ARGS`, expecting exit `code`; (stdout, stderr).
pub async fn exits(k: &Kubectl, code: i32, args: &[&str]) -> (String, String) {
    let o = plugin(k, args).await;
    let t = text(&o);
    assert_eq!(o.status.code(), Some(code), "kubectl ramp {args:?}: {t:?}");
    t
}

/// `kubectl ramp ARGS` with another kubeconfig (another user), expecting success; stdout.
pub async fn ok_as(kubeconfig: &std::path::Path, args: &[&str]) -> String {
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let mut cmd = Command::new(kubectl);
    cmd.arg("ramp").args(args).arg("--kubeconfig").arg(kubeconfig).env("PATH", path_with_plugin());
    let o = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "kubectl ramp {args:?} failed ({:?}): {err}\n{out}", o.status.code());
    out
}

/// Waits (kubectl wait) until Rollout `name` is in `phase`.
pub async fn phase_becomes(k: &Kubectl, name: &str, phase: &str) {
    let cond = format!("--for=jsonpath={{.status.phase}}={phase}");
    let target = format!("rollout/{name}");
    k.ok(&["wait", &cond, &target, "--timeout=60s"]).await;
}

/// PATH with the plugin's directory first.
pub fn path_with_plugin() -> String {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_kubectl-ramp")).parent().unwrap().to_path_buf();
    format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default())
}

/// A running `kubectl ramp ARGS` whose stdout is read line by line.
pub struct Streaming {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Everything read so far.
    pub seen: String,
}

impl Streaming {
    /// Starts `kubectl ramp ARGS` against `k`'s cluster.
    pub fn start(k: &Kubectl, args: &[&str]) -> Self {
        let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
        let mut child = Command::new(kubectl)
            .arg("ramp")
            .args(args)
            .arg("--kubeconfig")
            .arg(k.dir.join("kubeconfig"))
            .env("PATH", path_with_plugin())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines, seen: String::new() }
    }

    /// Reads until `done` holds of what was read (or panics after `limit`).
    pub async fn until(&mut self, limit: Duration, done: impl Fn(&str) -> bool) {
        // tokio's clock: this is a wall-clock test, and the shell's clocks are tokio's.
        let deadline = tokio::time::Instant::now() + limit;
        while !done(&self.seen) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(!left.is_zero(), "never saw what was waited for; output so far:\n{}", self.seen);
            let rx = &self.lines;
            match tokio::task::block_in_place(|| rx.recv_timeout(left.min(Duration::from_millis(200)))) {
                Ok(line) => {
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!("the command ended; output:\n{}", self.seen)
                }
            }
        }
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
