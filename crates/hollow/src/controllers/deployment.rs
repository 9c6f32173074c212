//! A minimal hollow Deployment controller: enough to own ReplicaSets for `workloadRef`
//! adoption, `kubectl create deployment` and `kubectl rollout history/undo`. It creates the
//! ReplicaSet of the current template (named `<deployment>-<pod-template-hash>`, with the
//! real revision annotations: see [`super::revisions`]), scales it to `replicas`, scales older
//! ones to zero at once (no rolling arithmetic: that is Ramp's job), and writes status.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{
    Controller, Ctx, controller_of, deleting, namespace,
    revisions::{REVISION, new_rs_annotations, revision},
    uid,
};
use crate::apiserver::objects::Part;

/// The hollow Deployment controller.
pub struct DeploymentController {
    ctx: Ctx,
}

impl DeploymentController {
    /// A controller.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
}

impl Controller for DeploymentController {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        let (Some(d_def), Some(rs_def)) =
            (self.ctx.def("apps", "deployments"), self.ctx.def("apps", "replicasets"))
        else {
            return (false, None);
        };
        let rss = self.ctx.list("apps", "replicasets");
        let mut wrote = false;
        for d in self.ctx.list("apps", "deployments") {
            if deleting(&d) {
                continue;
            }
            let name = d.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            let replicas = d.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let template = d.pointer("/spec/template").cloned().unwrap_or_default();
            let hash = pod_template_hash(&template);
            let owned: Vec<&Value> = rss
                .iter()
                .map(|r| &**r)
                .filter(|r| controller_of(r).is_some_and(|(_, _, u)| u == uid(&d)))
                .collect();
            let is_current = |r: &Value| {
                r.pointer("/metadata/labels/pod-template-hash").and_then(Value::as_str) == Some(hash.as_str())
            };
            let current = owned.iter().find(|r| is_current(r));
            let max_old = owned.iter().filter(|r| !is_current(r)).map(|r| revision(r)).max().unwrap_or(0);
            if current.is_none() && !d.pointer("/spec/paused").and_then(Value::as_bool).unwrap_or(false) {
                let mut t = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
                t["metadata"]["labels"]["pod-template-hash"] = json!(hash);
                let mut sel = d.pointer("/spec/selector").cloned().unwrap_or(json!({}));
                sel["matchLabels"]["pod-template-hash"] = json!(hash);
                let annotations = new_rs_annotations(&d, &json!({}), max_old, replicas);
                let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": format!("{name}-{hash}"), "namespace": namespace(&d), "labels": t["metadata"]["labels"],
                                 "annotations": annotations,
                                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": uid(&d),
                                                      "controller": true, "blockOwnerDeletion": true}]},
                    "spec": {"replicas": replicas, "selector": sel, "template": t,
                             "minReadySeconds": d.pointer("/spec/minReadySeconds").cloned().unwrap_or(json!(0))}});
                wrote |= self.ctx.create(&rs_def, rs).is_ok();
                continue;
            }
            for rs in &owned {
                let mut next = (**rs).clone();
                if is_current(rs) {
                    let have = rs.pointer("/metadata/annotations").cloned().unwrap_or(json!({}));
                    next["metadata"]["annotations"] = new_rs_annotations(&d, &have, max_old, replicas);
                }
                next["spec"]["replicas"] = json!(if is_current(rs) { replicas } else { 0 });
                if next != **rs {
                    wrote |= self.ctx.update(&rs_def, rs, next, Part::Main).is_ok();
                }
            }
            // The Deployment carries its newest ReplicaSet's revision.
            if let Some(rs) = current {
                let rev = revision(rs).to_string();
                if d.pointer("/metadata/annotations").and_then(|a| a.get(REVISION)).and_then(Value::as_str)
                    != Some(rev.as_str())
                {
                    let mut next = (*d).clone();
                    next["metadata"]["annotations"][REVISION] = json!(rev);
                    wrote |= self.ctx.update(&d_def, &d, next, Part::Main).is_ok();
                    continue;
                }
            }
            let sum = |ptr: &str| {
                owned.iter().map(|r| r.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)).sum::<i64>()
            };
            let updated =
                current.and_then(|r| r.pointer("/status/replicas")).and_then(Value::as_i64).unwrap_or(0);
            let available = sum("/status/availableReplicas");
            let available_ok = available >= replicas;
            let mut status = json!({
                "observedGeneration": d.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
                "replicas": sum("/status/replicas"), "updatedReplicas": updated, "readyReplicas": sum("/status/readyReplicas"),
                "availableReplicas": available, "unavailableReplicas": (sum("/spec/replicas") - available).max(0),
                "conditions": [
                    {"type": "Available", "status": if available_ok { "True" } else { "False" },
                     "reason": if available_ok { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" }},
                    {"type": "Progressing", "status": "True",
                     "reason": if available_ok && updated == replicas { "NewReplicaSetAvailable" } else { "ReplicaSetUpdated" }},
                ],
            });
            // Keep condition timestamps stable unless the status changes.
            for (i, c) in status["conditions"].as_array_mut().into_iter().flatten().enumerate() {
                let prior = d.pointer(&format!("/status/conditions/{i}"));
                let same = prior.is_some_and(|p| p["status"] == c["status"] && p["reason"] == c["reason"]);
                let t = if same { prior.and_then(|p| p.get("lastTransitionTime")).cloned() } else { None };
                c["lastTransitionTime"] = t.unwrap_or(json!(self.ctx.server.clock.rfc3339()));
                c["lastUpdateTime"] = c["lastTransitionTime"].clone();
            }
            let mut desired = (*d).clone();
            desired["status"] = status;
            if d.get("status") != desired.get("status") {
                wrote |= self.ctx.update(&d_def, &d, desired, Part::Status).is_ok();
            }
        }
        (wrote, None)
    }
}

fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The `pod-template-hash` label of a template: FNV-1a 32 of its JSON, printed in decimal and
/// mapped onto the alphabet Kubernetes uses for generated names (as `rand.SafeEncodeString`).
pub fn pod_template_hash(template: &Value) -> String {
    const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut t = template.clone();
    if let Some(l) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        l.remove("pod-template-hash");
    }
    // Null is unset (Go writes `creationTimestamp: null` into templates it sends back).
    drop_nulls(&mut t);
    let h = t.to_string().bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    h.to_string().bytes().map(|b| SAFE[usize::from(b) % SAFE.len()] as char).collect()
}
