//! The hollow ReplicaSet controller: creates and deletes pods to match `spec.replicas` and
//! writes the status counts, like `pkg/controller/replicaset`.
//!
//! Pods are created from the template with the ReplicaSet as controller owner. When shrinking,
//! pods go in Kubernetes' order: not Ready first, then Ready for the shortest time, then more
//! restarts, then newest. `availableReplicas` counts pods Ready for `minReadySeconds`.

use std::{collections::BTreeSet, sync::Arc};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{Controller, Ctx, controller_of, deleting, is, namespace, pod_available, pod_ready, uid};
use crate::apiserver::{objects::Part, registry::ResourceDef, store::Change};

/// The hollow ReplicaSet controller.
pub struct ReplicaSetController {
    ctx: Ctx,
}

fn restarts(pod: &Value) -> i64 {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map_or(0, |s| s.iter().map(|c| c["restartCount"].as_i64().unwrap_or(0)).sum())
}

fn created(pod: &Value) -> String {
    pod.pointer("/metadata/creationTimestamp").and_then(Value::as_str).unwrap_or_default().to_string()
}

impl ReplicaSetController {
    /// A controller.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    fn new_pod(&self, rs: &Value) -> Value {
        let name = rs.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        let template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let suffix = super::name_suffix(self.ctx.server.next_serial());
        let mut meta = template.get("metadata").cloned().unwrap_or(json!({}));
        meta["name"] = json!(format!("{name}-{suffix}"));
        meta["generateName"] = json!(format!("{name}-"));
        meta["namespace"] = json!(namespace(rs));
        meta["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": name, "uid": uid(rs),
                                          "controller": true, "blockOwnerDeletion": true}]);
        let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
        spec["nodeName"] = json!(super::kubelet::NODE);
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
    }
}

impl ReplicaSetController {
    /// Brings one ReplicaSet's pods and status in line. Returns whether it wrote, and when
    /// it next needs to run.
    fn sync_one(&self, rs: &Value, rs_def: &ResourceDef, pod_def: &ResourceDef) -> (bool, Option<Timestamp>) {
        if deleting(rs) {
            return (false, None);
        }
        let now = self.ctx.now();
        let rs_uid = uid(rs);
        let pods: Vec<Arc<Value>> = self
            .ctx
            .server
            .store
            .dependents(rs_uid)
            .into_iter()
            .filter(|(k, p)| {
                k.resource.plural == "pods"
                    && k.resource.group.is_empty()
                    && controller_of(p).is_some_and(|(_, _, u)| u == rs_uid)
            })
            .map(|(_, p)| p)
            .collect();
        let mut owned: Vec<&Value> = pods.iter().map(|p| &**p).collect();
        let active: Vec<&Value> = owned.iter().copied().filter(|p| !deleting(p)).collect();
        let want = rs.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1).max(0) as usize;
        let mut wrote = false;
        if active.len() < want {
            for _ in active.len()..want {
                wrote |= self.ctx.create(pod_def, self.new_pod(rs)).is_ok();
            }
        } else if active.len() > want {
            let mut ranked = active.clone();
            // First to go first.
            ranked.sort_by(|a, b| {
                let (ra, sa) = pod_ready(a);
                let (rb, sb) = pod_ready(b);
                ra.cmp(&rb)
                    .then_with(|| sb.cmp(&sa))
                    .then_with(|| restarts(b).cmp(&restarts(a)))
                    .then_with(|| created(b).cmp(&created(a)))
                    // Same second: the later uid is the newer pod.
                    .then_with(|| uid(b).cmp(uid(a)))
            });
            for p in ranked.iter().take(active.len() - want) {
                wrote |= self.ctx.delete(pod_def, p).is_ok();
            }
        }
        if wrote {
            // Recount from the store on the next pass.
            return (true, None);
        }
        owned.retain(|p| !deleting(p));
        let min_ready = rs.pointer("/spec/minReadySeconds").and_then(Value::as_i64).unwrap_or(0);
        let ready = owned.iter().filter(|p| pod_ready(p).0).count();
        let available = owned.iter().filter(|p| pod_available(p, min_ready, now)).count();
        let mut next = None::<Timestamp>;
        for p in &owned {
            if let (true, Some(since)) = pod_ready(p) {
                let at = since + SignedDuration::from_secs(min_ready);
                if at > now {
                    next = Some(next.map_or(at, |n| n.min(at)));
                }
            }
        }
        let labels = rs.pointer("/spec/template/metadata/labels").and_then(Value::as_object);
        let fully_labeled = owned
            .iter()
            .filter(|p| {
                labels.is_none_or(|l| {
                    l.iter().all(|(k, v)| p.pointer("/metadata/labels").and_then(|pl| pl.get(k)) == Some(v))
                })
            })
            .count();
        // ReplicaSetStatus has no selector (the scale subresource derives it from the spec).
        let status = json!({
            "replicas": owned.len(), "fullyLabeledReplicas": fully_labeled, "readyReplicas": ready,
            "availableReplicas": available, "observedGeneration": rs.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
        });
        if rs.get("status") != Some(&status) {
            let mut desired = rs.clone();
            desired["status"] = status;
            wrote |= self.ctx.update(rs_def, rs, desired, Part::Status).is_ok();
        }
        (wrote, next)
    }

    fn defs(&self) -> Option<(Arc<ResourceDef>, Arc<ResourceDef>)> {
        Some((self.ctx.def("apps", "replicasets")?, self.ctx.def("", "pods")?))
    }
}

impl Controller for ReplicaSetController {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        let Some((rs_def, pod_def)) = self.defs() else { return (false, None) };
        let (mut wrote, mut next) = (false, None::<Timestamp>);
        for rs in self.ctx.list("apps", "replicasets") {
            let (w, n) = self.sync_one(&rs, &rs_def, &pod_def);
            wrote |= w;
            next = super::earliest(next, n);
        }
        (wrote, next)
    }

    /// The ReplicaSets that changed, and those whose pods changed.
    fn sync_changes(&self, changes: &[Change]) -> (bool, Option<Timestamp>) {
        let Some((rs_def, pod_def)) = self.defs() else { return (false, None) };
        let mut dirty: BTreeSet<String> = BTreeSet::new();
        for c in changes {
            if is(c, "apps", "replicasets") {
                dirty.insert(uid(&c.object).to_string());
            } else if is(c, "", "pods") {
                for p in std::iter::once(&c.object).chain(c.previous.as_ref()) {
                    if let Some(("ReplicaSet", _, u)) = controller_of(p) {
                        dirty.insert(u.to_string());
                    }
                }
            }
        }
        let (mut wrote, mut next) = (false, None::<Timestamp>);
        for u in &dirty {
            let Some((key, rs)) = self.ctx.server.store.get_by_uid(u) else { continue };
            if key.resource != rs_def.id() {
                continue;
            }
            let (w, n) = self.sync_one(&rs, &rs_def, &pod_def);
            wrote |= w;
            next = super::earliest(next, n);
        }
        (wrote, next)
    }
}
