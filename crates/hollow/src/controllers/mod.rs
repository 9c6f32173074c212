//! Hollow controllers and kubelets: they act on the hollow API server's objects through the
//! same write path as API clients (so every API rule applies to them too).
//!
//! Each controller is a `sync` pass over the objects it owns that returns when it next needs
//! to run (a pod turning Ready, a minReadySeconds boundary). Tests call [`Controllers::settle`]
//! to run them to quiescence at a given (possibly virtual) time; `ramp sim` runs them in real
//! time with [`Controllers::run`].
//!
//! A pass is driven by what changed: [`Controllers::settle`] reads the store's change log
//! since its last pass and hands each controller those changes ([`Controller::sync_changes`]),
//! which looks only at the objects they can affect. A controller runs a full pass when its
//! scheduled time comes, when the fault settings change, and when the log no longer reaches
//! back to the last pass. So an idle cluster costs nothing and a change costs in proportion
//! to what it touches.

pub mod completion;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod gateway;
pub mod job;
mod job_status;
pub mod kubelet;
pub mod replicaset;
pub mod revisions;
pub mod traffic;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::Timestamp;
use serde_json::Value;

use super::apiserver::{
    ApiServer,
    errors::ApiError,
    faults::FaultSettings,
    objects::{Part, Writer},
    registry::ResourceDef,
    store::{Change, ChangeKind},
};

/// How often the runner looks at a virtual clock (someone else moves it; a real clock is
/// waited on exactly).
const VIRTUAL_POLL: Duration = Duration::from_millis(200);

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

    /// Deletes an object as a plain DELETE does: marked while finalizers are pending. Returns
    /// whether it is gone.
    pub fn delete_gracefully(&self, def: &ResourceDef, obj: &Value) -> Result<bool, ApiError> {
        self.server.delete_gracefully(def, obj)
    }

    /// Now, by the cluster's clock.
    pub fn now(&self) -> Timestamp {
        self.server.clock.now()
    }
}

/// One hollow controller.
pub trait Controller: Send + Sync {
    /// One full pass. Returns whether it wrote anything, and when it next needs to run.
    fn sync(&self) -> (bool, Option<Timestamp>);

    /// A pass at a time it asked to run again, after [`sync_changes`](Self::sync_changes) of
    /// the same pass. Returns as [`sync`](Self::sync), the time being the complete next one.
    /// By default a full pass; a controller that remembers which objects asked for which time
    /// looks only at those that are due.
    fn sync_due(&self, _now: Timestamp) -> (bool, Option<Timestamp>) {
        self.sync()
    }

    /// Whether [`sync_due`](Self::sync_due) looks only at what is due (so the changes still
    /// need their own pass); false when it is the full pass, which covers them.
    fn timers_per_object(&self) -> bool {
        false
    }

    /// The resources (group, plural) whose changes can give it work; None for any.
    fn watches(&self) -> Option<&'static [(&'static str, &'static str)]> {
        None
    }

    /// A pass over what `changes` (possibly none) can affect. Returns as [`sync`](Self::sync);
    /// the time is merged with the ones asked for before. By default a full pass when a
    /// watched resource changed.
    fn sync_changes(&self, changes: &[Change]) -> (bool, Option<Timestamp>) {
        let relevant = |c: &Change| {
            self.watches().is_none_or(|w| {
                w.iter().any(|(g, p)| c.key.resource.group == *g && c.key.resource.plural == *p)
            })
        };
        if changes.iter().any(relevant) { self.sync() } else { (false, None) }
    }
}

/// Whether a change is to the resource `group/plural`.
pub fn is(c: &Change, group: &str, plural: &str) -> bool {
    c.key.resource.group == group && c.key.resource.plural == plural
}

/// The objects after each change, skipping removals.
pub fn changed_objects<'a>(
    changes: &'a [Change],
    group: &'a str,
    plural: &'a str,
) -> impl Iterator<Item = &'a Change> {
    changes.iter().filter(move |c| is(c, group, plural) && c.kind != ChangeKind::Deleted)
}

/// Where the controllers are: the change log position and what each asked for.
#[derive(Default)]
struct Progress {
    /// resourceVersion seen up to; None before the first pass.
    cursor: Option<u64>,
    /// Per controller, the earliest time it asked to run again.
    next: Vec<Option<Timestamp>>,
    /// Fault settings of the last pass (the kubelets act on them).
    faults: Option<FaultSettings>,
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The set of hollow controllers of a cluster.
pub struct Controllers {
    all: Vec<Box<dyn Controller>>,
    server: Arc<ApiServer>,
    progress: Mutex<Progress>,
}

impl Controllers {
    /// Every hollow controller: kubelet, ReplicaSet, Deployment, Job, disruption, endpoints.
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
            Box::new(job::JobController::new(Ctx::new(server.clone(), "job-controller"))),
            Box::new(kubelet::Kubelet::new(Ctx::new(server.clone(), "kubelet"))),
            Box::new(disruption::DisruptionController::new(Ctx::new(
                server.clone(),
                "disruption-controller",
            ))),
            Box::new(endpoints::EndpointsController::new(Ctx::new(server.clone(), "endpoint-controller"))),
            Box::new(gateway::GatewayController::new(Ctx::new(server.clone(), "hollow-gateway"))),
            Box::new(traffic::TrafficController::new(Ctx::new(server.clone(), "traffic"))),
        ];
        let progress = Mutex::new(Progress { next: vec![None; all.len()], ..Progress::default() });
        Self { all, server, progress }
    }

    /// Runs every controller (and the garbage collector) until nothing changes. Returns the
    /// earliest time one of them asked to run again.
    pub fn settle(&self) -> Option<Timestamp> {
        let mut progress = self.progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for _ in 0..1000 {
            if !self.pass(&mut progress) {
                break;
            }
        }
        progress.next.iter().copied().fold(None, earliest)
    }

    /// One pass of the collector and every controller over what changed since the last.
    /// Returns whether anything was written.
    fn pass(&self, progress: &mut Progress) -> bool {
        let mut wrote = self.server.collect_garbage() > 0;
        let now = self.server.clock.now();
        let faults = self.server.faults.settings();
        let faults_moved = progress.faults.as_ref() != Some(&faults);
        progress.faults = Some(faults);
        let changes = progress.cursor.and_then(|rv| self.server.store.changes_since(rv));
        let full = changes.is_none() || faults_moved;
        let changes = match changes {
            Some(c) if !full => c,
            _ => {
                // Whatever changes after this rv is seen by the next pass.
                progress.cursor = Some(self.server.store.current_rv());
                Vec::new()
            }
        };
        if let Some(last) = changes.last() {
            progress.cursor = Some(last.rv);
        }
        for (c, next) in self.all.iter().zip(progress.next.iter_mut()) {
            if full {
                let (w, n) = c.sync();
                wrote |= w;
                *next = n;
                continue;
            }
            let due = next.is_some_and(|t| t <= now);
            if due && !c.timers_per_object() {
                let (w, n) = c.sync();
                wrote |= w;
                *next = n;
                continue;
            }
            let (w, n) = c.sync_changes(&changes);
            wrote |= w;
            if due {
                let (w, due) = c.sync_due(now);
                wrote |= w;
                *next = earliest(n, due);
            } else {
                *next = earliest(*next, n);
            }
        }
        wrote
    }

    /// Runs the controllers in real time until the task is dropped: after every change, when
    /// the fault settings change, and when one of them asked to; asleep otherwise.
    pub async fn run(self) {
        let Ok((_, mut rx)) = self.server.store.watch_from(self.server.store.current_rv()) else { return };
        let mut settings = self.server.faults.changes();
        loop {
            let next = self.settle();
            let wait = next.map(|t| {
                Duration::try_from(t.duration_since(self.server.clock.now())).unwrap_or(Duration::ZERO)
            });
            let wait = if self.server.clock.is_virtual() {
                Some(wait.map_or(VIRTUAL_POLL, |w| w.min(VIRTUAL_POLL)))
            } else {
                wait
            };
            let sleep = async {
                match wait {
                    Some(w) => tokio::time::sleep(w).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                got = rx.recv() => {
                    if let Err(tokio::sync::broadcast::error::RecvError::Closed) = got {
                        return;
                    }
                    // One pass covers every change queued so far.
                    while rx.try_recv().is_ok() {}
                }
                _ = settings.changed() => {}
                () = sleep => {}
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
