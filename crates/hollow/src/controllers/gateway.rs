//! The hollow Gateway API implementation's status: for every HTTPRoute and GRPCRoute, one
//! `status.parents` entry per parentRef, `Accepted` and `ResolvedRefs` True at the route's
//! current generation, as a conforming implementation reports once it has programmed the
//! route (the hollow data plane, `traffic`, reads the spec directly). A route without
//! parentRefs gets no status, as on a real cluster.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Controller, Ctx, changed_objects, deleting};
use crate::apiserver::{objects::Part, store::Change};

/// The controllerName the hollow gateway reports.
pub const CONTROLLER_NAME: &str = "hollow.ramp.dev/gateway";
const GROUP: &str = "gateway.networking.k8s.io";
const KINDS: [&str; 2] = ["httproutes", "grpcroutes"];

/// The route status writer.
pub struct GatewayController {
    ctx: Ctx,
}

impl GatewayController {
    /// A controller.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    /// The status parents a route should report now.
    fn parents(route: &Value, now: &str) -> Vec<Value> {
        let generation = route.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
        let refs = route.pointer("/spec/parentRefs").and_then(Value::as_array).cloned().unwrap_or_default();
        let prior = route.pointer("/status/parents").and_then(Value::as_array).cloned().unwrap_or_default();
        refs.into_iter()
            .map(|parent| {
                // A condition keeps its lastTransitionTime while its status stays.
                let since = |t: &str| {
                    prior
                        .iter()
                        .find(|p| p.get("parentRef") == Some(&parent))
                        .and_then(|p| p.get("conditions"))
                        .and_then(Value::as_array)
                        .and_then(|cs| cs.iter().find(|c| c["type"] == t && c["status"] == "True"))
                        .and_then(|c| c.get("lastTransitionTime").cloned())
                        .unwrap_or_else(|| json!(now))
                };
                json!({
                    "parentRef": parent,
                    "controllerName": CONTROLLER_NAME,
                    "conditions": [
                        {"type": "Accepted", "status": "True", "reason": "Accepted", "message": "accepted by the hollow gateway",
                         "observedGeneration": generation, "lastTransitionTime": since("Accepted")},
                        {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs", "message": "all references resolved",
                         "observedGeneration": generation, "lastTransitionTime": since("ResolvedRefs")},
                    ],
                })
            })
            .collect()
    }

    fn sync_route(&self, plural: &str, route: &Value) -> bool {
        if deleting(route)
            || route.pointer("/spec/parentRefs").and_then(Value::as_array).is_none_or(Vec::is_empty)
        {
            return false;
        }
        let Some(def) = self.ctx.def(GROUP, plural) else { return false };
        let now = self.ctx.now().to_string();
        let parents = Self::parents(route, &now);
        if route.pointer("/status/parents") == Some(&json!(parents)) {
            return false;
        }
        let mut next = route.clone();
        next["status"] = json!({"parents": parents});
        self.ctx.update(&def, route, next, Part::Status).is_ok()
    }
}

impl Controller for GatewayController {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        let mut wrote = false;
        for plural in KINDS {
            for route in self.ctx.list(GROUP, plural) {
                wrote |= self.sync_route(plural, &route);
            }
        }
        (wrote, None)
    }

    fn watches(&self) -> Option<&'static [(&'static str, &'static str)]> {
        Some(&[(GROUP, "httproutes"), (GROUP, "grpcroutes")])
    }

    /// Only the routes that changed.
    fn sync_changes(&self, changes: &[Change]) -> (bool, Option<Timestamp>) {
        let mut wrote = false;
        for plural in KINDS {
            for c in changed_objects(changes, GROUP, plural) {
                // The route as it is now (later changes in the batch may have moved it on).
                if let Some(route) = self.ctx.server.store.get(&c.key) {
                    wrote |= self.sync_route(plural, &route);
                }
            }
        }
        (wrote, None)
    }
}
