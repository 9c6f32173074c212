//! Hollow controllers and kubelets: they act on the hollow API server's objects through the
//! same write path as API clients (so every API rule applies to them too).
//!
//! Each controller is a `sync` pass over the objects it owns that returns when it next needs
//! to run (a pod turning Ready, a minReadySeconds boundary). Tests call [`Controllers::settle`]
//! to run them to quiescence at a given (possibly virtual) time; `ramp sim` runs them in real
//! time with [`Controllers::run`].

pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod kubelet;
pub mod replicaset;
pub mod revisions;
pub mod traffic;

use std::{sync::Arc, time::Duration};

use jiff::Timestamp;
use serde_json::Value;

use super::apiserver::{
    ApiServer,
    errors::ApiError,
    objects::{Part, Writer},
    registry::ResourceDef,
};

/// How long the runner sleeps at most between passes.
const IDLE: Duration = Duration::from_millis(200);

/// What every controller gets.
#[derive(Clone)]
pub struct Ctx {
    /// The API server.
    pub server: Arc<ApiServer>,
    writer: Writer,
}

impl Ctx {
    /// A context writing as `manager`.
    pub fn new(server: Arc<ApiServer>, manager: &str) -> Self {
        Self { server, writer: Writer { manager: manager.into(), dry_run: false, strict: false } }
    }

    /// The resource type `group/plural`.
    pub fn def(&self, group: &str, plural: &str) -> Option<Arc<ResourceDef>> {
        self.server.registry.get(&super::apiserver::store::ResourceId::new(group, plural))
    }

    /// Every object of a resource.
    pub fn list(&self, group: &str, plural: &str) -> Vec<Arc<Value>> {
        self.server.store.list(&super::apiserver::store::ResourceId::new(group, plural), None).0
    }

    /// Creates an object.
    pub fn create(&self, def: &ResourceDef, obj: Value) -> Result<Arc<Value>, ApiError> {
        let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_string);
        let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
        self.server.commit(def, ns.as_deref(), &name, None, obj, Part::Main, &self.writer, true)
    }

    /// Writes the next state of an object (spec or status part).
    pub fn update(
        &self,
        def: &ResourceDef,
        old: &Value,
        new: Value,
        part: Part,
    ) -> Result<Arc<Value>, ApiError> {
        let ns = old.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_string);
        let name = old.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
        self.server.commit(def, ns.as_deref(), &name, Some(old), new, part, &self.writer, true)
    }

    /// Deletes an object (finalizers still apply).
    pub fn delete(&self, def: &ResourceDef, obj: &Value) -> Result<(), ApiError> {
        let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
        let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        let key = super::apiserver::objects::object_key(def, ns, name);
        self.server.finish_delete(def, &key).map(|_| ())
    }

    /// Now, by the cluster's clock.
    pub fn now(&self) -> Timestamp {
        self.server.clock.now()
    }
}

/// One hollow controller.
pub trait Controller: Send + Sync {
    /// One pass. Returns whether it wrote anything, and when it next needs to run.
    fn sync(&self) -> (bool, Option<Timestamp>);
}

/// The set of hollow controllers of a cluster.
pub struct Controllers {
    all: Vec<Box<dyn Controller>>,
    server: Arc<ApiServer>,
}

impl Controllers {
    /// Every hollow controller: kubelet, ReplicaSet, Deployment, disruption, endpoints.
    pub fn new(server: Arc<ApiServer>) -> Self {
        let all: Vec<Box<dyn Controller>> = vec![
            Box::new(deployment::DeploymentController::new(Ctx::new(
                server.clone(),
                "deployment-controller",
            ))),
            Box::new(replicaset::ReplicaSetController::new(Ctx::new(
                server.clone(),
                "replicaset-controller",
            ))),
            Box::new(kubelet::Kubelet::new(Ctx::new(server.clone(), "kubelet"))),
            Box::new(disruption::DisruptionController::new(Ctx::new(
                server.clone(),
                "disruption-controller",
            ))),
            Box::new(endpoints::EndpointsController::new(Ctx::new(server.clone(), "endpoint-controller"))),
            Box::new(traffic::TrafficController::new(Ctx::new(server.clone(), "traffic"))),
        ];
        Self { all, server }
    }

    /// Runs every controller (and the garbage collector) until nothing changes. Returns the
    /// earliest time one of them asked to run again.
    pub fn settle(&self) -> Option<Timestamp> {
        let mut next = None;
        for _ in 0..1000 {
            let mut wrote = self.server.collect_garbage() > 0;
            next = None;
            for c in &self.all {
                let (w, n) = c.sync();
                wrote |= w;
                next = match (next, n) {
                    (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
                    (a, b) => a.or(b),
                };
            }
            if !wrote {
                break;
            }
        }
        next
    }

    /// Runs the controllers in real time until the task is dropped: after every change, and
    /// when one of them asked to.
    pub async fn run(self) {
        let Ok((_, mut rx)) = self.server.store.watch_from(self.server.store.current_rv()) else { return };
        loop {
            let next = self.settle();
            let wait = next
                .map(|t| {
                    Duration::try_from(t.duration_since(self.server.clock.now())).unwrap_or(Duration::ZERO)
                })
                .unwrap_or(IDLE)
                .min(IDLE);
            tokio::select! {
                _ = rx.recv() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// The controller owner reference of an object, if any: (kind, name, uid).
pub fn controller_of(obj: &Value) -> Option<(&str, &str, &str)> {
    obj.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r["controller"] == true)
        .and_then(|r| Some((r["kind"].as_str()?, r["name"].as_str()?, r["uid"].as_str()?)))
}

/// `metadata.uid`.
pub fn uid(obj: &Value) -> &str {
    obj.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default()
}

/// `metadata.namespace`.
pub fn namespace(obj: &Value) -> &str {
    obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default()
}

/// Whether the object is being deleted.
pub fn deleting(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionTimestamp").is_some()
}

/// A pod's Ready condition: (is ready, since when).
pub fn pod_ready(pod: &Value) -> (bool, Option<Timestamp>) {
    let cond = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| c.iter().find(|c| c["type"] == "Ready"));
    match cond {
        Some(c) => (c["status"] == "True", c["lastTransitionTime"].as_str().and_then(|t| t.parse().ok())),
        None => (false, None),
    }
}

/// Whether a pod counts as available: Ready for at least `min_ready` seconds at `now`.
pub fn pod_available(pod: &Value, min_ready: i64, now: Timestamp) -> bool {
    match pod_ready(pod) {
        (true, Some(since)) => since + jiff::SignedDuration::from_secs(min_ready) <= now,
        (true, None) => min_ready == 0,
        _ => false,
    }
}

/// A 5-character name suffix in the alphabet Kubernetes uses for generated names.
pub fn name_suffix(n: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    // Scrambled so consecutive serials give unrelated-looking suffixes.
    let z = crate::rng::Rng::new(n).next_u64();
    (0..5).map(|i| ALPHABET[((z >> (i * 12)) % ALPHABET.len() as u64) as usize] as char).collect()
}
