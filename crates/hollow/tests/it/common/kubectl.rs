//! The real `kubectl` against a hollow cluster of its own, with a private kubeconfig and
//! discovery cache per test. Uses `$KUBECTL`, else `kubectl` on PATH.

use std::{
    path::PathBuf,
    process::{Command, Output},
};

use hollow::{clock::Clock, embedded};

/// A hollow cluster (with controllers) and a kubectl set up for it.
pub struct Kubectl {
    /// The cluster kubectl talks to.
    pub running: embedded::Running,
    /// Holds the kubeconfig, the discovery cache and any files a test writes.
    pub dir: PathBuf,
}

impl Kubectl {
    /// Starts a cluster; `name` keeps test directories apart.
    pub async fn start(name: &str) -> Self {
        let running =
            embedded::start_with_controllers("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
        Self::with(running, name)
    }

    /// Starts a cluster served over HTTPS (kubectl sends `--token` only over TLS).
    pub async fn start_tls(name: &str) -> Self {
        let running = embedded::start_tls_with_controllers("127.0.0.1:0".parse().unwrap(), Clock::system())
            .await
            .unwrap();
        Self::with(running, name)
    }

    fn with(running: embedded::Running, name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ramp-kubectl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        embedded::write_kubeconfig(&dir.join("kubeconfig"), &running.url()).unwrap();
        Self { running, dir }
    }

    /// Runs kubectl with this cluster's kubeconfig and a private discovery cache.
    pub async fn run(&self, args: &[&str]) -> Output {
        let bin = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
        let mut cmd = Command::new(&bin);
        cmd.arg("--kubeconfig")
            .arg(self.dir.join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.join("cache"));
        // Paths in tests are relative to the workspace root (crds/, examples/).
        cmd.args(args).current_dir(workspace_root());
        tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("cannot run {bin}: {e} (install kubectl or set $KUBECTL)"))
    }

    /// Runs kubectl and expects success; returns stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args).await;
        assert!(o.status.success(), "kubectl {args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Runs kubectl and expects failure; returns stderr.
    pub async fn fails(&self, args: &[&str]) -> String {
        let o = self.run(args).await;
        assert!(
            !o.status.success(),
            "kubectl {args:?} should have failed: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stderr).into_owned()
    }
}

/// The workspace root: the nearest directory above this package holding `crds/` (this file
/// serves the tests of both packages).
pub fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("crds").is_dir() {
        if !dir.pop() {
            return PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        }
    }
    dir
}
