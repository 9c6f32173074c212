//! The hollow endpoints controller: an Endpoints object per Service with a selector, listing
//! the ready pods' addresses (and the not-ready ones separately).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Controller, Ctx, deleting, namespace, pod_ready};
use crate::apiserver::objects::Part;

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
        let Some(def) = self.ctx.def("", "endpoints") else { return (false, None) };
        let pods = self.ctx.list("", "pods");
        let existing = self.ctx.list("", "endpoints");
        let mut wrote = false;
        for svc in self.ctx.list("", "services") {
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
        (wrote, None)
    }
}
