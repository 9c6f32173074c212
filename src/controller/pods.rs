//! How stable the pods of Ramp's ReplicaSets are: container restarts and Ready → not Ready
//! transitions, per ReplicaSet. A projection (a few numbers per pod), never the pods
//! themselves, so watching pods costs little memory.
//!
//! Restarts come from the pods (`restartCount`, durable). Flaps are counted here as the
//! watch delivers them, so they are in memory only: a restarted controller counts from zero,
//! and a relist that skips a transition does not count it. Restarts are the dependable signal;
//! flaps catch a readiness probe that fails without the container restarting.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
};

use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher;

/// What is kept of one pod.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PodState {
    name: String,
    namespace: String,
    replica_set: String,
    restarts: i32,
    ready: bool,
    flaps: i32,
}

/// Restarts and flaps per (namespace, ReplicaSet).
#[derive(Debug, Default)]
pub struct PodHealthIndex {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    pods: HashMap<String, PodState>,
    totals: HashMap<(String, String), (i32, i32)>,
    /// Pods listed by the relist in progress.
    relisted: Option<HashSet<String>>,
}

impl Inner {
    fn add(&mut self, s: &PodState, sign: i32) {
        let t = self.totals.entry((s.namespace.clone(), s.replica_set.clone())).or_default();
        t.0 += sign * s.restarts;
        t.1 += sign * s.flaps;
        if *t == (0, 0) && sign < 0 {
            self.totals.remove(&(s.namespace.clone(), s.replica_set.clone()));
        }
    }

    /// Puts a pod's new state; returns its ReplicaSet if its restarts or flaps changed.
    fn put(&mut self, uid: String, mut s: PodState) -> Option<(String, String)> {
        let old = self.pods.remove(&uid);
        if let Some(o) = &old {
            self.add(o, -1);
            // A transition from Ready to not Ready, seen here.
            s.flaps = o.flaps + i32::from(o.ready && !s.ready);
        }
        self.add(&s, 1);
        let changed = old.as_ref().is_none_or(|o| o.restarts != s.restarts || o.flaps != s.flaps);
        let key = (s.namespace.clone(), s.replica_set.clone());
        self.pods.insert(uid, s);
        changed.then_some(key)
    }

    fn remove(&mut self, uid: &str) {
        if let Some(o) = self.pods.remove(uid) {
            self.add(&o, -1);
        }
    }
}

/// Container restarts of a pod, init containers included.
pub fn restarts(pod: &Pod) -> i32 {
    pod.status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten()))
        .map(|c| c.restart_count.max(0))
        .sum()
}

fn project(pod: &Pod) -> Option<(String, PodState)> {
    let uid = pod.metadata.uid.clone()?;
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true) && o.kind == "ReplicaSet")?;
    let status = pod.status.as_ref();
    let restarts = restarts(pod);
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    Some((
        uid,
        PodState {
            name: pod.metadata.name.clone().unwrap_or_default(),
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            replica_set: owner.name.clone(),
            restarts,
            // A pod being deleted going unready is not a flap.
            ready: ready && pod.metadata.deletion_timestamp.is_none(),
            flaps: 0,
        },
    ))
}

impl PodHealthIndex {
    /// Applies one watch event; returns the ReplicaSets whose counts changed.
    pub fn apply(&self, e: &watcher::Event<Pod>) -> Vec<(String, String)> {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match e {
            watcher::Event::Apply(pod) | watcher::Event::InitApply(pod) => {
                let Some((uid, state)) = project(pod) else { return Vec::new() };
                if let (watcher::Event::InitApply(_), Some(seen)) = (e, inner.relisted.as_mut()) {
                    seen.insert(uid.clone());
                }
                inner.put(uid, state).into_iter().collect()
            }
            watcher::Event::Delete(pod) => {
                if let Some(uid) = &pod.metadata.uid {
                    inner.remove(uid);
                }
                Vec::new()
            }
            watcher::Event::Init => {
                inner.relisted = Some(HashSet::new());
                Vec::new()
            }
            watcher::Event::InitDone => {
                // Pods gone while the watch was down.
                if let Some(seen) = inner.relisted.take() {
                    let gone: Vec<String> =
                        inner.pods.keys().filter(|u| !seen.contains(*u)).cloned().collect();
                    for uid in gone {
                        inner.remove(&uid);
                    }
                }
                Vec::new()
            }
        }
    }

    /// Applies a pod as listed or changed (`apply` with `Event::Apply`), without the relist
    /// bookkeeping of `InitApply`; returns the ReplicaSets whose counts changed.
    pub fn apply_pod(&self, pod: &Pod) -> Vec<(String, String)> {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some((uid, state)) = project(pod) else { return Vec::new() };
        if let Some(seen) = inner.relisted.as_mut() {
            seen.insert(uid.clone());
        }
        inner.put(uid, state).into_iter().collect()
    }

    /// Restarts and flaps of the pods of ReplicaSet `name` in `namespace`.
    pub fn of(&self, namespace: &str, name: &str) -> (i32, i32) {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.totals.get(&(namespace.to_string(), name.to_string())).copied().unwrap_or((0, 0))
    }

    /// The pods of ReplicaSet `name` in `namespace` as last seen, by name (the dashboard's
    /// read side; a scan of the index, not of the API).
    pub fn pods_of(&self, namespace: &str, name: &str) -> Vec<PodSummary> {
        let inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut pods: Vec<PodSummary> = inner
            .pods
            .values()
            .filter(|p| p.namespace == namespace && p.replica_set == name)
            .map(|p| PodSummary {
                name: p.name.clone(),
                ready: p.ready,
                restarts: p.restarts,
                flaps: p.flaps,
            })
            .collect();
        pods.sort_by(|a, b| a.name.cmp(&b.name));
        pods
    }
}

/// One pod of a ReplicaSet, as the index keeps it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PodSummary {
    /// Pod name.
    pub name: String,
    /// Ready (and not being deleted).
    pub ready: bool,
    /// Container restarts.
    pub restarts: i32,
    /// Ready → not Ready transitions seen by this controller.
    pub flaps: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(uid: &str, rs: &str, restarts: i32, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": uid, "namespace": "default", "uid": uid,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": "x", "controller": true}]},
            "status": {"conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                       "containerStatuses": [{"name": "c", "image": "i", "imageID": "", "ready": ready, "restartCount": restarts}]}
        }))
        .unwrap()
    }

    #[test]
    fn restarts_add_up_per_replica_set_and_flaps_count_ready_to_not_ready() {
        let idx = PodHealthIndex::default();
        assert_eq!(
            idx.apply(&watcher::Event::Apply(pod("a", "web-1", 0, true))),
            [("default".into(), "web-1".into())]
        );
        assert!(
            idx.apply(&watcher::Event::Apply(pod("a", "web-1", 0, true))).is_empty(),
            "no change, no wake-up"
        );
        idx.apply(&watcher::Event::Apply(pod("b", "web-1", 2, false)));
        assert_eq!(idx.of("default", "web-1"), (2, 0));
        // a goes unready (a flap), then restarts.
        assert!(!idx.apply(&watcher::Event::Apply(pod("a", "web-1", 0, false))).is_empty());
        idx.apply(&watcher::Event::Apply(pod("a", "web-1", 1, true)));
        assert_eq!(idx.of("default", "web-1"), (3, 1));
        let names: Vec<(String, bool, i32)> =
            idx.pods_of("default", "web-1").into_iter().map(|p| (p.name, p.ready, p.restarts)).collect();
        assert_eq!(names, [("a".into(), true, 1), ("b".into(), false, 2)]);
        idx.apply(&watcher::Event::Delete(pod("b", "web-1", 2, false)));
        assert_eq!(idx.of("default", "web-1"), (1, 1));
        // A relist that no longer lists a forgets it.
        idx.apply(&watcher::Event::Init);
        idx.apply(&watcher::Event::InitApply(pod("c", "web-2", 0, true)));
        idx.apply(&watcher::Event::InitDone);
        assert_eq!(idx.of("default", "web-1"), (0, 0));
        assert_eq!(idx.of("default", "web-2"), (0, 0));
    }
}
