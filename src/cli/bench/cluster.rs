//! The hollow cluster the process benchmarks run against: served on a loopback port from this
//! process (so the benchmark reads its store, audit log and change feed directly), with a
//! layer that counts every request by the client's identity, and one bearer token per
//! controller instance so the audit log names each writer by the user it authenticated as.
//!
//! ```text
//!  ramp controller (child process, token T1) ─┐
//!  ramp controller (child process, token T2) ─┼─► TCP ─► counting layer ─► hollow API server
//!  the benchmark (in process, no token)  ─────┘                         └─► store, audit log
//! ```

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context;
use axum::{extract::Request, middleware::Next};
use hollow::{apiserver::ApiServer, clock::Clock, controllers::Controllers, embedded};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::{
    Api, Client,
    api::PostParams,
    runtime::wait::{await_condition, conditions},
};
use tokio::{sync::oneshot, task::JoinHandle};

/// The Gateway API HTTPRoute CRD (the compact one the examples use).
const HTTPROUTE_CRD: &str = include_str!("../../../examples/gateway-api/httproute-crd.yaml");

/// The user every controller token belongs to is `PREFIX` + its identity.
pub const USER_PREFIX: &str = "system:serviceaccount:ramp:";

/// Requests one client made, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Lease reads and writes (leader election).
    pub lease: u64,
    /// Watch requests started (each stays open until the server or the client ends it).
    pub watches: u64,
    /// Other reads (get, list).
    pub reads: u64,
    /// Event writes.
    pub events: u64,
    /// Other writes (create, update, patch, delete).
    pub writes: u64,
}

impl Counts {
    /// Every request.
    pub fn total(&self) -> u64 {
        self.lease + self.watches + self.reads + self.events + self.writes
    }

    /// Requests beyond leader election.
    pub fn beyond_lease(&self) -> u64 {
        self.total() - self.lease
    }

    /// What was made since `before`.
    pub fn since(&self, before: &Self) -> Self {
        Self {
            lease: self.lease - before.lease,
            watches: self.watches - before.watches,
            reads: self.reads - before.reads,
            events: self.events - before.events,
            writes: self.writes - before.writes,
        }
    }
}

/// Request counts by client identity: the text between parentheses in the User-Agent
/// (`ramp/0.1.0 (ramp-1)` is `ramp-1`), or `other`.
#[derive(Default)]
pub struct RequestLog {
    by_client: Mutex<HashMap<String, Counts>>,
}

impl RequestLog {
    fn count(&self, req: &Request) {
        let agent = req.headers().get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        let who = identity_of(agent).unwrap_or("other").to_string();
        let path = req.uri().path();
        let query = req.uri().query().unwrap_or("");
        let mut all = self.by_client.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = all.entry(who).or_default();
        let is_read = req.method() == http::Method::GET;
        if path.contains("/leases") {
            c.lease += 1;
        } else if is_read && query.split('&').any(|kv| kv == "watch=true" || kv == "watch=1") {
            c.watches += 1;
        } else if is_read {
            c.reads += 1;
        } else if path.contains("/events") {
            c.events += 1;
        } else {
            c.writes += 1;
        }
    }

    /// The counts of one client so far.
    pub fn of(&self, identity: &str) -> Counts {
        self.by_client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(identity)
            .copied()
            .unwrap_or_default()
    }
}

/// The identity in a User-Agent such as `ramp/0.1.0 (ramp-1)`.
pub fn identity_of(agent: &str) -> Option<&str> {
    let (_, rest) = agent.split_once('(')?;
    rest.split_once(')').map(|(id, _)| id)
}

/// A hollow cluster served from this process, with a scratch directory for kubeconfigs and
/// controller logs (removed on drop).
pub struct BenchCluster {
    /// The server state.
    pub server: Arc<ApiServer>,
    /// Requests by client.
    pub requests: Arc<RequestLog>,
    /// A client for the benchmark itself (User-Agent `ramp-bench (bench)`).
    pub client: Client,
    url: String,
    dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl BenchCluster {
    /// Starts the API server, the hollow controllers and the garbage collector on a loopback
    /// port, and installs Ramp's CRDs (and, with `routes`, the Gateway API HTTPRoute CRD).
    pub async fn start(routes: bool) -> anyhow::Result<Self> {
        let server = ApiServer::new(Clock::system());
        let requests = Arc::new(RequestLog::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the hollow cluster's port")?;
        let url = format!("http://{}", listener.local_addr().context("reading the bound address")?);
        let counting = requests.clone();
        let app = server.router().layer(axum::middleware::from_fn(move |req: Request, next: Next| {
            counting.count(&req);
            next.run(req)
        }));
        let (stop, stopped) = oneshot::channel::<()>();
        let mut tasks = vec![
            tokio::spawn(Controllers::new(server.clone()).run()),
            tokio::spawn(server.clone().run_garbage_collector()),
        ];
        tasks.push(tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                tracing::warn!(error = %e, "the hollow cluster stopped serving");
            }
        }));
        let dir =
            std::env::temp_dir().join(format!("ramp-bench-{}-{}", std::process::id(), server.next_serial()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut config = kube::Config::new(url.parse().context("parsing the cluster URL")?);
        config.headers.push((http::header::USER_AGENT, http::HeaderValue::from_static("ramp-bench (bench)")));
        let client = Client::try_from(config).context("building the benchmark's client")?;
        let cluster = Self { server, requests, client, url, dir, stop: Some(stop), tasks };
        cluster.install_crds(routes).await?;
        Ok(cluster)
    }

    async fn install_crds(&self, routes: bool) -> anyhow::Result<()> {
        let crds: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        let mut all = crate::api::crd::all_crds().context("generating the CRDs")?;
        if routes {
            let route: CustomResourceDefinition =
                serde_saphyr::from_str(HTTPROUTE_CRD).context("the HTTPRoute CRD does not parse")?;
            all.push(route);
        }
        for crd in all {
            let name = crd.metadata.name.clone().unwrap_or_default();
            crds.create(&PostParams::default(), &crd).await.with_context(|| format!("installing {name}"))?;
            tokio::time::timeout(
                Duration::from_secs(30),
                await_condition(crds.clone(), &name, conditions::is_crd_established()),
            )
            .await
            .with_context(|| format!("{name} not established within 30 s"))?
            .with_context(|| format!("waiting for {name}"))?;
        }
        Ok(())
    }

    /// The scratch directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a kubeconfig whose user is `system:serviceaccount:ramp:<identity>` (a cluster
    /// admin, by a bearer token this cluster accepts); returns its path.
    pub fn kubeconfig_for(&self, identity: &str) -> anyhow::Result<PathBuf> {
        let token = format!("bench-token-{identity}-{}", self.server.next_serial());
        let user = format!("{USER_PREFIX}{identity}");
        self.server.auth().add_token(&token, &user, identity, &["system:masters"]);
        let path = self.dir.join(format!("{identity}.kubeconfig"));
        std::fs::write(&path, embedded::kubeconfig_with_token(&self.url, &token))
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Stops serving.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        for t in self.tasks.drain(..) {
            t.abort();
            let _ = t.await;
        }
    }
}

impl Drop for BenchCluster {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_is_between_the_parentheses() {
        assert_eq!(identity_of("ramp/0.1.0 (ramp-2)"), Some("ramp-2"));
        assert_eq!(identity_of("kubectl/v1.32.0 (linux/amd64) kubernetes/abc"), Some("linux/amd64"));
        assert_eq!(identity_of("curl/8"), None);
    }

    #[test]
    fn counts_subtract_and_sum() {
        let a = Counts { lease: 4, watches: 2, reads: 1, events: 3, writes: 5 };
        let b = Counts { lease: 1, watches: 2, reads: 0, events: 1, writes: 2 };
        assert_eq!(a.since(&b), Counts { lease: 3, watches: 0, reads: 1, events: 2, writes: 3 });
        assert_eq!((a.total(), a.beyond_lease()), (15, 11));
    }
}
