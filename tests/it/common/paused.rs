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
    crds.create(&PostParams::default(), &ramp::api::crd::rollout_crd().unwrap()).await.unwrap();
    (server, client)
}

/// A client that says who it is (the hollow cluster audits writes by User-Agent) and that
/// can be cut off: once `dead` is set, every request fails before reaching the server.
fn client(server: &Arc<ApiServer>, identity: &str, dead: Arc<AtomicBool>) -> Client {
    let agent = HeaderValue::from_str(&format!("ramp/test ({identity})")).unwrap();
    let router = server.router();
    let service = tower::service_fn(move |req: http::Request<kube::client::Body>| {
        let (dead, agent, router) = (dead.clone(), agent.clone(), router.clone());
        async move {
            if dead.load(Ordering::SeqCst) {
                return Err::<http::Response<axum::body::Body>, Box<dyn std::error::Error + Send + Sync>>(
                    "connection refused (instance killed)".into(),
                );
            }
            let mut req = req.map(axum::body::Body::new);
            req.headers_mut().insert(USER_AGENT, agent);
            tower::ServiceExt::oneshot(router, req).await.map_err(Into::into)
        }
    });
    Client::new(service, "default")
}

/// One controller instance.
pub struct Instance {
    dead: Arc<AtomicBool>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl Instance {
    pub fn start(server: &Arc<ApiServer>, identity: &str) -> Self {
        let dead = Arc::new(AtomicBool::new(false));
        let client = client(server, identity, dead.clone());
        let settings = Settings {
            namespaces: Vec::new(),
            selector: None,
            identity: identity.into(),
            lease_name: "ramp-controller".into(),
            lease_namespace: "default".into(),
            timing: Timing { lease_duration: LEASE, renew_deadline: RENEW_DEADLINE, retry_period: RETRY },
            listen: None,
            concurrency: 4,
            clock: ControllerClock::starting_at(hollow::clock::epoch()),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let _ = controller::run(client, settings, async {
                let _ = rx.await;
            })
            .await;
        });
        Self { dead, stop: Some(tx), done: Some(done) }
    }

    /// Crash: from now on nothing it sends reaches the cluster, and nothing is released.
    pub fn kill(&mut self) {
        self.dead.store(true, Ordering::SeqCst);
        if let Some(d) = self.done.take() {
            d.abort();
        }
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
