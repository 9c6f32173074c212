//! A `ramp controller` child process: started from this very executable against the bench
//! cluster, measured through /proc (resident memory, CPU time) and its own /metrics, stopped
//! with SIGTERM or killed with SIGKILL.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};

use super::cluster::BenchCluster;

/// Lease timing passed to the controllers.
#[derive(Clone, Copy, Debug)]
pub struct LeaseFlags {
    /// `--lease-duration`.
    pub duration: Duration,
    /// `--renew-deadline`.
    pub renew_deadline: Duration,
    /// `--retry-period`.
    pub retry_period: Duration,
}

impl Default for LeaseFlags {
    /// The controller's own defaults (client-go's): 15 s, 10 s, 2 s.
    fn default() -> Self {
        let t = crate::controller::lease::Timing::default();
        Self { duration: t.lease_duration, renew_deadline: t.renew_deadline, retry_period: t.retry_period }
    }
}

/// A running controller process.
pub struct ControllerProcess {
    /// Its identity (lease holder, User-Agent, token user).
    pub identity: String,
    child: Option<Child>,
    metrics_url: String,
    http: reqwest::Client,
}

/// A free loopback port (bound, read and released: the child binds it a moment later).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr().context("finding a free port")?.port())
}

fn secs(d: Duration) -> String {
    format!("{}ms", d.as_millis())
}

impl ControllerProcess {
    /// Starts `ramp controller` as `identity` with these lease flags; its log goes to
    /// `<scratch dir>/<identity>.log`.
    pub fn spawn(cluster: &BenchCluster, identity: &str, lease: LeaseFlags) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding the ramp executable")?;
        let kubeconfig = cluster.kubeconfig_for(identity)?;
        let port = free_port()?;
        let log_path = cluster.dir().join(format!("{identity}.log"));
        let log =
            std::fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
        let err = log.try_clone().context("sharing the log file")?;
        let child = Command::new(exe)
            .arg("controller")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["--identity", identity, "--listen", &format!("127.0.0.1:{port}")])
            .args(["--lease-duration", &secs(lease.duration)])
            .args(["--renew-deadline", &secs(lease.renew_deadline)])
            .args(["--retry-period", &secs(lease.retry_period)])
            .env("RUST_LOG", std::env::var("RAMP_BENCH_LOG").unwrap_or_else(|_| "warn".into()))
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .context("starting ramp controller")?;
        Ok(Self {
            identity: identity.into(),
            child: Some(child),
            metrics_url: format!("http://127.0.0.1:{port}/metrics"),
            http: reqwest::Client::new(),
        })
    }

    /// Its process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Fails if it has exited (with the end of its log, which says why).
    pub fn check_alive(&mut self, log_dir: &Path) -> anyhow::Result<()> {
        if let Some(c) = self.child.as_mut()
            && let Some(status) = c.try_wait().context("checking the controller process")?
        {
            let log =
                std::fs::read_to_string(log_dir.join(format!("{}.log", self.identity))).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!("controller {} exited ({status}): {}", self.identity, tail.join(" | "));
        }
        Ok(())
    }

    /// Resident memory now (VmRSS), in bytes.
    pub fn rss(&self) -> anyhow::Result<u64> {
        self.status_kb("VmRSS:")
    }

    /// The most resident memory it ever had (VmHWM), in bytes.
    pub fn peak_rss(&self) -> anyhow::Result<u64> {
        self.status_kb("VmHWM:")
    }

    fn status_kb(&self, field: &str) -> anyhow::Result<u64> {
        let pid = self.pid().context("the controller is not running")?;
        let status =
            std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc/PID/status")?;
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .with_context(|| format!("no {field} in /proc/PID/status"))?;
        Ok(kb * 1024)
    }

    /// CPU time used so far (user + system).
    pub fn cpu(&self) -> anyhow::Result<Duration> {
        let pid = self.pid().context("the controller is not running")?;
        cpu_of(&format!("/proc/{pid}/stat"))
    }

    /// A counter from its /metrics (`ramp_reconciles_total`, say), summed over label sets.
    pub async fn metric(&self, name: &str) -> anyhow::Result<f64> {
        let text = self
            .http
            .get(&self.metrics_url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("reading {}", self.metrics_url))?
            .text()
            .await
            .context("reading /metrics")?;
        Ok(sum_metric(&text, name))
    }

    /// Waits until its /metrics answers (it is up and has read the CRDs).
    pub async fn wait_serving(&mut self, log_dir: &Path, within: Duration) -> anyhow::Result<()> {
        let deadline = super::wall() + within;
        loop {
            self.check_alive(log_dir)?;
            if self.metric("ramp_reconciles_total").await.is_ok() {
                return Ok(());
            }
            if super::wall() > deadline {
                bail!("controller {} did not serve /metrics within {within:?}", self.identity);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: gone at once, nothing released.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            c.kill().context("killing the controller")?;
            c.wait().context("reaping the controller")?;
        }
        Ok(())
    }

    /// SIGTERM, without waiting for it to exit.
    pub fn terminate(&mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.pid() {
            let status = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .context("running kill -TERM")?;
            if !status.success() {
                bail!("kill -TERM {pid} failed: {status}");
            }
        }
        Ok(())
    }

    /// Waits up to `within` for it to exit after [`terminate`](Self::terminate); kills it
    /// past that. Returns whether it exited on its own.
    pub async fn reap(&mut self, within: Duration) -> anyhow::Result<bool> {
        let deadline = super::wall() + within;
        while let Some(c) = self.child.as_mut() {
            if c.try_wait().context("waiting for the controller")?.is_some() {
                self.child = None;
                return Ok(true);
            }
            if super::wall() > deadline {
                self.kill()?;
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(true)
    }
}

impl Drop for ControllerProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// utime + stime of a `/proc/.../stat` file (USER_HZ is 100 on Linux).
pub fn cpu_of(path: &str) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let after_name =
        stat.rsplit_once(')').map(|(_, rest)| rest).with_context(|| format!("parsing {path}"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields.get(i).and_then(|f| f.parse().ok()).with_context(|| format!("parsing {path}"))
    };
    // Fields 14 and 15 of the file; the state (field 3) is the first after the name.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// The sum of a metric's samples in Prometheus text (every label set).
fn sum_metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (key, value) = l.rsplit_once(' ')?;
            let metric = key.split('{').next()?;
            (metric == name).then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_summed_over_label_sets() {
        let text = "# HELP ramp_writes Writes\n# TYPE ramp_writes counter\n\
                    ramp_writes_total{kind=\"scale\"} 3\nramp_writes_total{kind=\"status\"} 4\n\
                    ramp_reconciles_total 12\nramp_reconciles_total_other 1\n";
        assert_eq!(sum_metric(text, "ramp_writes_total"), 7.0);
        assert_eq!(sum_metric(text, "ramp_reconciles_total"), 12.0);
        assert_eq!(sum_metric(text, "missing"), 0.0);
    }

    #[test]
    fn this_process_has_cpu_time() {
        assert!(cpu_of("/proc/self/stat").is_ok());
    }
}
