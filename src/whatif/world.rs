//! The world a what-if run plays in: the hollow cluster's API server and its hollow
//! controllers, kubelets and disruption controller, in process, on a virtual clock. The
//! planner's writes reach it as the exact requests the controller's `act` sends
//! ([`render`]); what the planner sees is read back from it, as the controller would.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use hollow::{
    apiserver::{ApiServer, faults::FaultSettings, store::ResourceId},
    clock::Clock,
    controllers::{self, Controllers},
};
use jiff::Timestamp;
use k8s_openapi::api::{apps::v1::ReplicaSet, policy::v1::PodDisruptionBudget};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::{
    api::{Rollout, crd},
    controller::render::Write,
};

/// Namespace of every what-if run.
pub const NAMESPACE: &str = "default";

/// The compact HTTPRoute CRD (also the examples' and the tests').
const HTTPROUTE_CRD: &str = include_str!("../../examples/gateway-api/httproute-crd.yaml");

/// A request the hollow cluster refused, or an object it holds that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The Rollout CRD could not be built.
    #[error("cannot build the Rollout CRD: {0}")]
    Crd(String),
    /// A request could not be built.
    #[error("cannot build the request")]
    Render(#[source] crate::controller::render::RenderError),
    /// The API server answered with an error.
    #[error("{method} {path} was refused with {code}: {message}")]
    Refused {
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// HTTP status.
        code: u16,
        /// `Status.message`.
        message: String,
    },
    /// An object read back does not parse as its type.
    #[error("cannot read {what} from the hollow cluster")]
    Decode {
        /// What.
        what: &'static str,
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
}

/// The hollow cluster of one run.
pub struct World {
    server: Arc<ApiServer>,
    controllers: Controllers,
}

/// The Rollout CRD as JSON, generated once per process (generating it costs more than a
/// short what-if run).
fn rollout_crd() -> Result<&'static Value, WorldError> {
    static CRD: OnceLock<Result<Value, String>> = OnceLock::new();
    let generated = CRD.get_or_init(|| {
        crd::rollout_crd()
            .map_err(|e| e.to_string())
            .and_then(|c| serde_json::to_value(c).map_err(|e| e.to_string()))
    });
    generated.as_ref().map_err(|e| WorldError::Crd(e.clone()))
}

/// The freshly built cluster for `start`, made once per process.
fn template(start: Timestamp) -> Result<Arc<ApiServer>, WorldError> {
    static TEMPLATES: Mutex<BTreeMap<Timestamp, Arc<ApiServer>>> = Mutex::new(BTreeMap::new());
    let mut templates = TEMPLATES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(t) = templates.get(&start) {
        return Ok(t.clone());
    }
    let server = World::build(start)?.server;
    templates.insert(start, server.clone());
    Ok(server)
}

fn decode<T: DeserializeOwned>(what: &'static str, v: Value) -> Result<T, WorldError> {
    serde_json::from_value(v).map_err(|source| WorldError::Decode { what, source })
}

impl World {
    /// An empty cluster at `start` with the Rollout CRD installed: a fork of one built once
    /// per start time in this process (installing the CRD costs more than a short run).
    pub fn new(start: Timestamp) -> Result<Self, WorldError> {
        let server = template(start)?.fork(Clock::virtual_at(start));
        let controllers = Controllers::new(server.clone());
        Ok(Self { server, controllers })
    }

    /// An empty cluster at `start` with the Rollout CRD installed through the API.
    fn build(start: Timestamp) -> Result<Self, WorldError> {
        let server = ApiServer::new(Clock::virtual_at(start));
        let controllers = Controllers::new(server.clone());
        let world = Self { server, controllers };
        world.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", rollout_crd()?)?;
        Ok(world)
    }

    /// The hollow API server.
    pub fn server(&self) -> &Arc<ApiServer> {
        &self.server
    }

    /// The virtual time now.
    pub fn now(&self) -> Timestamp {
        self.server.clock.now()
    }

    /// Moves the clock to `t` (never backwards).
    pub fn advance_to(&self, t: Timestamp) {
        let by = Duration::try_from(t.duration_since(self.now())).unwrap_or(Duration::ZERO);
        self.server.clock.advance(by);
    }

    /// Changes the fault settings (readiness delays, unready versions).
    pub fn faults(&self, f: impl FnOnce(&mut FaultSettings)) {
        self.server.faults.update(f);
    }

    /// Sends a rendered write; returns the answer's body.
    pub fn send(&self, w: &Write) -> Result<Value, WorldError> {
        self.call(&w.to_http().map_err(WorldError::Render)?)
    }

    fn call(&self, req: &http::Request<Vec<u8>>) -> Result<Value, WorldError> {
        let answer = self.server.call(req);
        if answer.code.is_success() {
            return Ok(answer.body);
        }
        Err(WorldError::Refused {
            method: req.method().to_string(),
            path: req.uri().path().to_string(),
            code: answer.code.as_u16(),
            message: answer.body["message"].as_str().unwrap_or_default().to_string(),
        })
    }

    fn request(
        &self,
        method: http::Method,
        path: &str,
        content_type: &str,
        body: &Value,
    ) -> Result<Value, WorldError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|source| WorldError::Decode { what: "a request body", source })?;
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(bytes)
            .map_err(|e| WorldError::Render(crate::controller::render::RenderError::Http(e)))?;
        self.call(&req)
    }

    /// POSTs an object to a collection path.
    pub fn post(&self, path: &str, obj: &Value) -> Result<Value, WorldError> {
        self.request(http::Method::POST, path, "application/json", obj)
    }

    /// Creates the Rollout (metadata other than name, namespace, labels and annotations and
    /// any status are dropped, as `kubectl apply` of a manifest would).
    pub fn create_rollout(&self, rollout: &Rollout) -> Result<Rollout, WorldError> {
        let mut obj = serde_json::to_value(rollout)
            .map_err(|source| WorldError::Decode { what: "the Rollout", source })?;
        let meta = &rollout.metadata;
        obj["metadata"] = json!({"name": meta.name, "namespace": NAMESPACE, "labels": meta.labels, "annotations": meta.annotations});
        if let Some(m) = obj.as_object_mut() {
            m.remove("status");
        }
        let created = self.post(&format!("/apis/ramp.dev/v1alpha1/namespaces/{NAMESPACE}/rollouts"), &obj)?;
        decode("the Rollout", created)
    }

    /// Replaces the Rollout's spec (a user's edit: the server bumps the generation).
    pub fn set_rollout_spec(&self, name: &str, spec: &Value) -> Result<(), WorldError> {
        let patch = json!([{"op": "replace", "path": "/spec", "value": spec}]);
        let path = format!("/apis/ramp.dev/v1alpha1/namespaces/{NAMESPACE}/rollouts/{name}");
        self.request(http::Method::PATCH, &path, "application/json-patch+json", &patch).map(|_| ())
    }

    /// Sets one annotation on the Rollout (a client's operation request).
    pub fn set_rollout_annotation(&self, name: &str, key: &str, value: &str) -> Result<(), WorldError> {
        let patch = json!({"metadata": {"annotations": {key: value}}});
        let path = format!("/apis/ramp.dev/v1alpha1/namespaces/{NAMESPACE}/rollouts/{name}");
        self.request(http::Method::PATCH, &path, "application/merge-patch+json", &patch).map(|_| ())
    }

    /// Creates a PodDisruptionBudget in the run's namespace.
    pub fn create_budget(&self, pdb: &PodDisruptionBudget) -> Result<(), WorldError> {
        let mut obj =
            serde_json::to_value(pdb).map_err(|source| WorldError::Decode { what: "a budget", source })?;
        obj["apiVersion"] = json!("policy/v1");
        obj["kind"] = json!("PodDisruptionBudget");
        obj["metadata"]["namespace"] = json!(NAMESPACE);
        if let Some(m) = obj.as_object_mut() {
            m.remove("status");
        }
        self.post(&format!("/apis/policy/v1/namespaces/{NAMESPACE}/poddisruptionbudgets"), &obj).map(|_| ())
    }

    fn list(&self, group: &str, plural: &str) -> Vec<Arc<Value>> {
        self.server.store.list(&ResourceId::new(group, plural), Some(NAMESPACE)).0
    }

    /// The Rollout as stored.
    pub fn rollout(&self, name: &str) -> Result<Rollout, WorldError> {
        let found = self
            .list("ramp.dev", "rollouts")
            .into_iter()
            .find(|r| r.pointer("/metadata/name").and_then(Value::as_str) == Some(name));
        decode("the Rollout", found.map(|r| (*r).clone()).unwrap_or(Value::Null))
    }

    /// Every ReplicaSet.
    pub fn replica_sets(&self) -> Result<Vec<ReplicaSet>, WorldError> {
        self.list("apps", "replicasets").into_iter().map(|r| decode("a ReplicaSet", (*r).clone())).collect()
    }

    /// Every ReplicaSet as stored (for reads that need a field or two, not the typed object).
    pub fn replica_sets_raw(&self) -> Vec<Arc<Value>> {
        self.list("apps", "replicasets")
    }

    /// Every PodDisruptionBudget.
    pub fn budgets(&self) -> Result<Vec<PodDisruptionBudget>, WorldError> {
        self.list("policy", "poddisruptionbudgets")
            .into_iter()
            .map(|p| decode("a budget", (*p).clone()))
            .collect()
    }

    /// Every pod that is not being deleted, as stored.
    pub fn pods(&self) -> Vec<Arc<Value>> {
        self.list("", "pods").into_iter().filter(|p| !controllers::deleting(p)).collect()
    }

    /// Creates an object of any kind at its collection path (a Service, a route).
    pub fn create(&self, collection: &str, obj: &Value) -> Result<(), WorldError> {
        let mut obj = obj.clone();
        obj["metadata"]["namespace"] = json!(NAMESPACE);
        self.post(collection, &obj).map(|_| ())
    }

    /// Installs the compact HTTPRoute CRD the hollow cluster serves routes with.
    pub fn install_route_crd(&self) -> Result<(), WorldError> {
        let crd: Value = serde_saphyr::from_str(HTTPROUTE_CRD)
            .map_err(|e| WorldError::Crd(format!("the HTTPRoute CRD does not parse: {e}")))?;
        self.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", &crd).map(|_| ())
    }

    /// The Services and routes `rollout`'s strategy names, as the controller's caches would
    /// hold them.
    pub fn traffic(&self, rollout: &Rollout) -> crate::plan::TrafficView {
        use crate::plan::{RouteView, ServiceView, traffic};
        let named = |v: &Value, name: &str| v.pointer("/metadata/name").and_then(Value::as_str) == Some(name);
        let services = traffic::services_named(&rollout.spec)
            .into_iter()
            .filter_map(|n| self.list("", "services").into_iter().find(|s| named(s, n)))
            .filter_map(|s| serde_json::from_value::<k8s_openapi::api::core::v1::Service>((*s).clone()).ok())
            .filter_map(|s| ServiceView::from_service(&s).ok())
            .collect();
        let routes = traffic::routes_named(&rollout.spec)
            .into_iter()
            .filter_map(|(kind, n)| {
                let found = self
                    .list("gateway.networking.k8s.io", kind.plural())
                    .into_iter()
                    .find(|r| named(r, n))?;
                RouteView::from_json(kind, &found).ok()
            })
            .collect();
        crate::plan::TrafficView { services, routes }
    }

    /// Every object of a resource in the run's namespace, as stored.
    pub fn objects(&self, group: &str, plural: &str) -> Vec<Arc<Value>> {
        self.list(group, plural)
    }

    /// Runs the hollow controllers, kubelets and garbage collector to quiescence at the current
    /// time; returns when one of them next needs to run.
    pub fn settle(&self) -> Option<Timestamp> {
        self.controllers.settle()
    }
}
