//! The world one cell plays in: a hollow cluster on tokio's clock (virtual under
//! `tokio::time::pause`), its hollow controllers, and one `ramp controller` instance talking to
//! it in process. The scenario's own reads and writes go straight into the API server
//! ([`ApiServer::call`]), past the injected faults, so only the controller meets them.

use std::sync::{
    Arc, Mutex, OnceLock,
    atomic::{AtomicU64, Ordering},
};

use hollow::{
    apiserver::{ApiServer, store::ResourceId},
    clock::Clock,
    controllers::Controllers,
};
use http::{HeaderValue, header::USER_AGENT};
use serde_json::{Value, json};
use tokio::{sync::oneshot, task::JoinHandle};

use super::MatrixError;
use crate::{
    api::crd,
    controller::{self, Settings, clock::Clock as ControllerClock, lease::Timing},
};

/// Namespace of every cell.
pub const NAMESPACE: &str = "default";
/// The controller's identity (its User-Agent names it).
pub const IDENTITY: &str = "ramp-fault-matrix";

const HTTPROUTE_CRD: &str = include_str!("../../examples/gateway-api/httproute-crd.yaml");

/// The cluster every cell starts from, built once per process: the CRDs are installed through
/// the API (validation schemas, managed fields), which costs more than a short cell.
fn template() -> Result<Arc<ApiServer>, MatrixError> {
    static TEMPLATE: OnceLock<Result<Arc<ApiServer>, String>> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let server = ApiServer::new(Clock::virtual_at(hollow::clock::epoch()));
            let mut crds: Vec<Value> = Vec::new();
            for c in crd::all_crds().map_err(|e| e.to_string())? {
                crds.push(serde_json::to_value(c).map_err(|e| e.to_string())?);
            }
            crds.push(serde_saphyr::from_str(HTTPROUTE_CRD).map_err(|e| e.to_string())?);
            for c in &crds {
                call(
                    &server,
                    http::Method::POST,
                    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                    c,
                )
                .map_err(|e| e.to_string())?;
            }
            Ok(server)
        })
        .clone()
        .map_err(MatrixError::Setup)
}

/// One request straight into the server (no faults, no audit); the answer's body, or why not.
pub fn call(
    server: &Arc<ApiServer>,
    method: http::Method,
    path: &str,
    body: &Value,
) -> Result<Value, MatrixError> {
    let content_type = match method {
        http::Method::PATCH => "application/merge-patch+json",
        _ => "application/json",
    };
    let bytes = serde_json::to_vec(body).map_err(|e| MatrixError::Setup(e.to_string()))?;
    let req = http::Request::builder()
        .method(method.clone())
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(bytes)
        .map_err(|e| MatrixError::Setup(e.to_string()))?;
    let answer = server.call(&req);
    if answer.code.is_success() {
        Ok(answer.body)
    } else {
        Err(MatrixError::Refused {
            what: format!("{method} {path}"),
            code: answer.code.as_u16(),
            message: answer.body["message"].as_str().unwrap_or_default().to_string(),
        })
    }
}

/// Requests the controller sent, as its connection counted them.
#[derive(Clone, Default)]
pub struct Traffic {
    requests: Arc<AtomicU64>,
    writes: Arc<AtomicU64>,
}

impl Traffic {
    /// (requests, writes) so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.requests.load(Ordering::Relaxed), self.writes.load(Ordering::Relaxed))
    }
}

/// A cell's cluster and controller.
pub struct World {
    /// The hollow API server.
    pub server: Arc<ApiServer>,
    /// What the controller sent.
    pub traffic: Traffic,
    controllers: JoinHandle<()>,
    controller: Mutex<Option<(oneshot::Sender<()>, JoinHandle<()>)>>,
}

impl World {
    /// A fresh cluster at the epoch of virtual time, with the CRDs installed and its hollow
    /// controllers running (call inside the cell's runtime).
    pub fn new() -> Result<Self, MatrixError> {
        let server = template()?.fork(Clock::tokio_at(hollow::clock::epoch()));
        let controllers = tokio::spawn(Controllers::new(server.clone()).run());
        Ok(Self { server, traffic: Traffic::default(), controllers, controller: Mutex::new(None) })
    }

    /// Starts the controller: a kube client into this server's router that names itself by
    /// User-Agent and counts what it sends.
    pub fn start_controller(&self) {
        let agent = HeaderValue::from_static("ramp/fault-matrix (ramp-fault-matrix)");
        let router = self.server.router();
        let traffic = self.traffic.clone();
        let service = tower::service_fn(move |req: http::Request<kube::client::Body>| {
            let (agent, router, traffic) = (agent.clone(), router.clone(), traffic.clone());
            async move {
                traffic.requests.fetch_add(1, Ordering::Relaxed);
                if !matches!(*req.method(), http::Method::GET | http::Method::HEAD) {
                    traffic.writes.fetch_add(1, Ordering::Relaxed);
                }
                let mut req = req.map(axum::body::Body::new);
                req.headers_mut().insert(USER_AGENT, agent);
                tower::ServiceExt::oneshot(router, req).await
            }
        });
        let client = kube::Client::new(service, NAMESPACE);
        let settings = Settings {
            namespaces: Vec::new(),
            selector: None,
            identity: IDENTITY.into(),
            lease_name: "ramp-controller".into(),
            lease_namespace: NAMESPACE.into(),
            timing: Timing::default(),
            listen: None,
            concurrency: 4,
            clock: ControllerClock::starting_at(hollow::clock::epoch()),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            if let Err(e) = controller::run(client, settings, async {
                let _ = rx.await;
            })
            .await
            {
                tracing::warn!(error = %e, "the controller under test stopped");
            }
        });
        *self.controller.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((tx, done));
    }

    /// Stops the controller (as SIGTERM would, bounded) and the hollow controllers.
    pub async fn stop(&self) {
        let running = self.controller.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some((tx, done)) = running {
            let _ = tx.send(());
            let abort = done.abort_handle();
            if tokio::time::timeout(controller::SHUTDOWN_BOUND * 2, done).await.is_err() {
                abort.abort();
            }
        }
        self.controllers.abort();
    }

    /// Every object of a resource in the namespace, as stored.
    pub fn objects(&self, group: &str, plural: &str) -> Vec<Arc<Value>> {
        self.server.store.list(&ResourceId::new(group, plural), Some(NAMESPACE)).0
    }

    /// One object by name, as stored.
    pub fn object(&self, group: &str, plural: &str, name: &str) -> Option<Arc<Value>> {
        self.objects(group, plural)
            .into_iter()
            .find(|o| o.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
    }

    /// Creates an object at its collection path (`/api/v1/namespaces/default/services`).
    pub fn create(&self, collection: &str, obj: &Value) -> Result<(), MatrixError> {
        call(&self.server, http::Method::POST, collection, obj).map(|_| ())
    }

    /// Merge-patches an object.
    pub fn patch(&self, path: &str, patch: &Value) -> Result<(), MatrixError> {
        call(&self.server, http::Method::PATCH, path, patch).map(|_| ())
    }

    /// Deletes a pod at once (a node failure), as the fault injector does.
    pub fn kill_pod(&self, name: &str) -> Result<(), MatrixError> {
        let path = format!("/api/v1/namespaces/{NAMESPACE}/pods/{name}");
        call(&self.server, http::Method::DELETE, &path, &json!({}))?;
        self.server.faults.count(|c| c.pods_killed += 1);
        Ok(())
    }
}
