//! The hollow endpoints controller: an Endpoints object per Service with a selector, listing
//! the ready pods' addresses (and the not-ready ones separately).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Controller, Ctx, deleting, is, namespace, pod_ready};
use crate::apiserver::{
    objects::Part,
    store::{Change, ResourceId},
};

/// The hollow endpoints controller.
pub struct EndpointsController {
    ctx: Ctx,
}

impl EndpointsController {
    /// A controller.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
}

fn address(p: &Value) -> Option<Value> {
    let ip = p.pointer("/status/podIP")?.as_str()?;
    Some(
        json!({"ip": ip, "nodeName": super::kubelet::NODE, "targetRef": {"kind": "Pod", "namespace": namespace(p),
        "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}}),
    )
}

impl Controller for EndpointsController {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        (self.sync_namespace(None), None)
    }

    /// The namespaces where pods, Services or Endpoints changed.
    fn sync_changes(&self, changes: &[Change]) -> (bool, Option<Timestamp>) {
        let namespaces: BTreeSet<&str> = changes
            .iter()
            .filter(|c| is(c, "", "pods") || is(c, "", "services") || is(c, "", "endpoints"))
            .map(|c| c.key.namespace.as_str())
            .collect();
        let mut wrote = false;
        for ns in namespaces {
            wrote |= self.sync_namespace(Some(ns));
        }
        (wrote, None)
    }
}

impl EndpointsController {
    /// Writes the Endpoints of the Services in one namespace (or all). Returns whether it
    /// wrote.
    fn sync_namespace(&self, ns: Option<&str>) -> bool {
        let Some(def) = self.ctx.def("", "endpoints") else { return false };
        let list = |plural: &str| self.ctx.server.store.list(&ResourceId::new("", plural), ns).0;
        let services = list("services");
        if services.is_empty() {
            return false;
        }
        let pods = list("pods");
        let existing = list("endpoints");
        let mut wrote = false;
        for svc in services {
            let Some(sel) =
                svc.pointer("/spec/selector").and_then(Value::as_object).filter(|s| !s.is_empty())
            else {
                continue;
            };
            let matching: Vec<&Value> = pods
                .iter()
                .map(|p| &**p)
                .filter(|p| namespace(p) == namespace(&svc) && !deleting(p))
                .filter(|p| {
                    sel.iter().all(|(k, v)| p.pointer("/metadata/labels").and_then(|l| l.get(k)) == Some(v))
                })
                .collect();
            let ready: Vec<Value> =
                matching.iter().filter(|p| pod_ready(p).0).filter_map(|p| address(p)).collect();
            let not_ready: Vec<Value> =
                matching.iter().filter(|p| !pod_ready(p).0).filter_map(|p| address(p)).collect();
            let ports: Vec<Value> = svc
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    let target = p.get("targetPort").filter(|t| t.is_number()).or(p.get("port")).cloned().unwrap_or(json!(80));
                    json!({"name": p.get("name").cloned().unwrap_or(json!("")), "port": target, "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))})
                })
                .collect();
            let mut subset = json!({"ports": ports});
            if !ready.is_empty() {
                subset["addresses"] = json!(ready);
            }
            if !not_ready.is_empty() {
                subset["notReadyAddresses"] = json!(not_ready);
            }
            let subsets = if ready.is_empty() && not_ready.is_empty() { json!([]) } else { json!([subset]) };
            let name = svc.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            let current = existing.iter().find(|e| {
                namespace(e) == namespace(&svc)
                    && e.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
            });
            match current {
                None => {
                    let obj = json!({"apiVersion": "v1", "kind": "Endpoints",
                        "metadata": {"name": name, "namespace": namespace(&svc), "labels": svc.pointer("/metadata/labels").cloned().unwrap_or(json!({}))},
                        "subsets": subsets});
                    wrote |= self.ctx.create(&def, obj).is_ok();
                }
                Some(e) if e.get("subsets") != Some(&subsets) => {
                    let mut next = (**e).clone();
                    next["subsets"] = subsets;
                    wrote |= self.ctx.update(&def, e, next, Part::Main).is_ok();
                }
                Some(_) => {}
            }
        }
        wrote
    }
}
