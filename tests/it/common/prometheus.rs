//! A real Prometheus server (Debian's package; `scripts/ensure-prometheus` installs it, and
//! `scripts/test` passes its path in `RAMP_PROMETHEUS`) on a loopback port, scraping one
//! target's `/metrics` every second, with its own configuration and storage directory.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

/// A running Prometheus; killed when dropped.
pub struct Prometheus {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    dir: PathBuf,
}

fn binary() -> String {
    std::env::var("RAMP_PROMETHEUS").unwrap_or_else(|_| {
        let default = "/usr/bin/prometheus";
        assert!(
            std::path::Path::new(default).exists(),
            "no Prometheus: run scripts/ensure-prometheus (Debian's package) or set RAMP_PROMETHEUS"
        );
        default.into()
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Prometheus {
    /// Starts scraping `target` (`host:port`) every second and waits until it is ready.
    pub async fn start(target: &str) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("ramp-prom-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: hollow\n    \
             scrape_interval: 1s\n    scrape_timeout: 900ms\n    static_configs:\n      - targets: ['{target}']\n"
        );
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let child = Command::new(binary())
            .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        let p = Prometheus { child: Some(child), url: format!("http://127.0.0.1:{port}"), dir };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http.get(format!("{}/-/ready", p.url)).send().await.is_ok_and(|r| r.status().is_success()) {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Prometheus did not become ready at {}", p.url);
    }

    /// Waits until the target has been scraped with `metric` present (so queries have data).
    pub async fn wait_for_series(&self, metric: &str) {
        let http = reqwest::Client::new();
        for _ in 0..600 {
            let url = format!("{}/api/v1/query?query={metric}", self.url);
            if let Ok(r) = http.get(url).send().await
                && let Ok(v) = r.json::<serde_json::Value>().await
                && v.pointer("/data/result").and_then(|x| x.as_array()).is_some_and(|a| !a.is_empty())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Prometheus never saw {metric}");
    }

    /// Stops the server (as an outage would).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
