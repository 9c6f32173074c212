//! Controller instances and a hollow cluster on tokio's paused clock, in one runtime, over the
//! in-process transport: lease timing, readiness delays and every wait run on virtual time, so
//! a test can assert exact bounds and never races the wall clock.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use hollow::{apiserver::ApiServer, clock::Clock, controllers::Controllers};
use http::{HeaderValue, header::USER_AGENT};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::{Api, Client, api::PostParams};
use ramp::controller::{self, Settings, clock::Clock as ControllerClock, lease::Timing};
use tokio::sync::oneshot;

use super::harness::{LEASE, RENEW_DEADLINE};

/// Retry period of the test instances.
pub const RETRY: std::time::Duration = std::time::Duration::from_millis(200);

/// The hollow cluster with its controllers running and the Rollout CRD installed.
pub async fn cluster() -> (Arc<ApiServer>, Client) {
    let origin = hollow::clock::epoch();
    let server = ApiServer::new(Clock::tokio_at(origin));
    tokio::spawn(Controllers::new(server.clone()).run());
    let client = hollow::transport::client(&server);
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in ramp::api::crd::all_crds().unwrap() {
        crds.create(&PostParams::default(), &crd).await.unwrap();
    }
    (server, client)
}

/// What an instance's connection to the cluster does.
#[derive(Default)]
struct Switches {
    /// Every request fails before reaching the server (a crash).
    dead: AtomicBool,
    /// Every new request waits forever for an answer (an API server that accepts connections
    /// and never answers).
    hang: AtomicBool,
    /// ReplicaSet creates are refused 403, as RBAC would.
    forbid_creates: AtomicBool,
    /// Called right after each write the cluster accepted (lease renewals aside), before the
    /// answer reaches the instance: nothing the instance does next has happened yet.
    after_write: std::sync::Mutex<Option<AfterWrite>>,
}

/// A hook run after each accepted write.
pub type AfterWrite = Arc<dyn Fn() + Send + Sync>;

fn forbidden() -> http::Response<axum::body::Body> {
    let status = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
        "message": "replicasets.apps is forbidden: User \"system:serviceaccount:ramp:ramp\" cannot create resource \"replicasets\" in API group \"apps\" in the namespace \"default\"",
        "details": {"group": "apps", "kind": "replicasets"}});
    http::Response::builder()
        .status(403)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(status.to_string()))
        .unwrap()
}

/// A client that says who it is (the hollow cluster audits writes by User-Agent) and whose
/// connection the test controls through `switches`.
fn client(server: &Arc<ApiServer>, identity: &str, switches: Arc<Switches>) -> Client {
    let agent = HeaderValue::from_str(&format!("ramp/test ({identity})")).unwrap();
    let router = server.router();
    let service = tower::service_fn(move |req: http::Request<kube::client::Body>| {
        let (switches, agent, router) = (switches.clone(), agent.clone(), router.clone());
        async move {
            if switches.dead.load(Ordering::SeqCst) {
                return Err::<http::Response<axum::body::Body>, Box<dyn std::error::Error + Send + Sync>>(
                    "connection refused (instance killed)".into(),
                );
            }
            if switches.hang.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            if switches.forbid_creates.load(Ordering::SeqCst)
                && req.method() == http::Method::POST
                && req.uri().path().ends_with("/replicasets")
            {
                return Ok(forbidden());
            }
            let write = !matches!(*req.method(), http::Method::GET | http::Method::HEAD)
                && !req.uri().path().contains("/leases");
            let mut req = req.map(axum::body::Body::new);
            req.headers_mut().insert(USER_AGENT, agent);
            let resp = tower::ServiceExt::oneshot(router, req).await?;
            if write && resp.status().is_success() {
                let hook = switches.after_write.lock().unwrap().clone();
                if let Some(hook) = hook {
                    hook();
                }
            }
            Ok(resp)
        }
    });
    Client::new(service, "default")
}

/// One controller instance.
pub struct Instance {
    switches: Arc<Switches>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl Instance {
    pub fn start(server: &Arc<ApiServer>, identity: &str) -> Self {
        let switches = Arc::new(Switches::default());
        let client = client(server, identity, switches.clone());
        let settings = Settings {
            namespaces: Vec::new(),
            selector: None,
            identity: identity.into(),
            lease_name: "ramp-controller".into(),
            lease_namespace: "default".into(),
            timing: Timing { lease_duration: LEASE, renew_deadline: RENEW_DEADLINE, retry_period: RETRY },
            listen: None,
            concurrency: 4,
            // The cluster's time now (a fork of a cluster starts later than the epoch).
            clock: ControllerClock::starting_at(server.clock.now()),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let _ = controller::run(client, settings, async {
                let _ = rx.await;
            })
            .await;
        });
        Self { switches, stop: Some(tx), done: Some(done) }
    }

    /// Crash: from now on nothing it sends reaches the cluster, and nothing is released.
    pub fn kill(&mut self) {
        self.switches.dead.store(true, Ordering::SeqCst);
        if let Some(d) = self.done.take() {
            d.abort();
        }
    }

    /// From now on no request it sends is answered (those already answered stay so); `false`
    /// lets new requests through again.
    pub fn hang(&self, on: bool) {
        self.switches.hang.store(on, Ordering::SeqCst);
    }

    /// Whether its ReplicaSet creates are refused (403 Forbidden).
    pub fn forbid_creates(&self, on: bool) {
        self.switches.forbid_creates.store(on, Ordering::SeqCst);
    }

    /// Runs `hook` right after each write of this instance the cluster accepts (lease
    /// renewals aside), before the instance sees the answer.
    pub fn on_write(&self, hook: Option<AfterWrite>) {
        *self.switches.after_write.lock().unwrap() = hook;
    }

    /// SIGTERM: finish in-flight work, release the lease.
    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            let _ = d.await;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}
