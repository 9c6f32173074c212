//! The hollow disruption controller: PodDisruptionBudget status computed as
//! `pkg/controller/disruption` does, and the rules the Eviction API applies with it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Value, json};

use super::{Controller, Ctx, controller_of, deleting, namespace, pod_ready};
use crate::apiserver::{objects::Part, selectors::object_selects};

/// A budget's computed numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetNumbers {
    /// Ready pods selected (not being deleted, not recently evicted).
    pub current_healthy: i64,
    /// Ready pods required.
    pub desired_healthy: i64,
    /// Pods the controllers of the selected pods want.
    pub expected_pods: i64,
    /// `max(0, current - desired)`, 0 when nothing is expected.
    pub disruptions_allowed: i64,
}

/// The pods a budget selects.
pub fn selected<'a>(pdb: &Value, pods: &'a [std::sync::Arc<Value>]) -> Vec<&'a Value> {
    let Some(sel) = pdb.pointer("/spec/selector") else { return Vec::new() };
    pods.iter()
        .map(|p| &**p)
        .filter(|p| namespace(p) == namespace(pdb))
        .filter(|p| object_selects(sel, p))
        .collect()
}

/// Computes a budget's status from its pods and the scale of their controllers.
pub fn compute(
    pdb: &Value,
    pods: &[&Value],
    scale_of: impl Fn(&Value) -> Option<(String, i64)>,
) -> BudgetNumbers {
    let disrupted: Vec<&str> = pdb
        .pointer("/status/disruptedPods")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let healthy = pods
        .iter()
        .filter(|p| !deleting(p) && pod_ready(p).0)
        .filter(|p| {
            !disrupted.contains(&p.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default())
        })
        .count() as i64;
    let mut controllers: BTreeMap<String, i64> = BTreeMap::new();
    for p in pods {
        if let Some((id, scale)) = scale_of(p) {
            controllers.insert(id, scale);
        }
    }
    let scale_sum: i64 = controllers.values().sum();
    let int_or = |v: &Value| -> Option<IntOrString> { serde_json::from_value(v.clone()).ok() };
    let to_i32 = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    let (expected, desired) = match (
        pdb.pointer("/spec/maxUnavailable").and_then(int_or),
        pdb.pointer("/spec/minAvailable").and_then(int_or),
    ) {
        (Some(mu), _) => {
            (scale_sum, (scale_sum - i64::from(scaled(Some(&mu), to_i32(scale_sum), true))).max(0))
        }
        (None, Some(IntOrString::Int(n))) => (pods.len() as i64, i64::from(n)),
        (None, Some(pct)) => (scale_sum, i64::from(scaled(Some(&pct), to_i32(scale_sum), true))),
        (None, None) => (pods.len() as i64, 0),
    };
    let allowed = if expected <= 0 { 0 } else { (healthy - desired).max(0) };
    BudgetNumbers {
        current_healthy: healthy,
        desired_healthy: desired,
        expected_pods: expected,
        disruptions_allowed: allowed,
    }
}

/// The hollow disruption controller.
pub struct DisruptionController {
    ctx: Ctx,
}

impl DisruptionController {
    /// A controller.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }
}

/// The scale of a pod's controller: its ReplicaSet's, or the Deployment owning that.
pub fn scale_lookup(ctx: &Ctx) -> impl Fn(&Value) -> Option<(String, i64)> + use<> {
    let rss = ctx.list("apps", "replicasets");
    let deploys = ctx.list("apps", "deployments");
    move |pod: &Value| {
        let (_, _, rs_uid) = controller_of(pod)?;
        let rs = rss.iter().find(|r| super::uid(r) == rs_uid)?;
        if let Some((kind, _, d_uid)) = controller_of(rs)
            && kind == "Deployment"
            && let Some(d) = deploys.iter().find(|d| super::uid(d) == d_uid)
        {
            return Some((
                d_uid.to_string(),
                d.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1),
            ));
        }
        Some((rs_uid.to_string(), rs.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)))
    }
}

impl Controller for DisruptionController {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        let Some(def) = self.ctx.def("policy", "poddisruptionbudgets") else { return (false, None) };
        let budgets = self.ctx.list("policy", "poddisruptionbudgets");
        if budgets.is_empty() {
            return (false, None);
        }
        let pods = self.ctx.list("", "pods");
        let scale = scale_lookup(&self.ctx);
        let mut wrote = false;
        for pdb in budgets {
            let chosen = selected(&pdb, &pods);
            let n = compute(&pdb, &chosen, &scale);
            // Evictions recorded in disruptedPods stay until their pod is gone.
            let names: Vec<&str> =
                chosen.iter().filter_map(|p| p.pointer("/metadata/name").and_then(Value::as_str)).collect();
            let disrupted: serde_json::Map<String, Value> = pdb
                .pointer("/status/disruptedPods")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| names.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            let transition = pdb
                .pointer("/status/conditions/0/lastTransitionTime")
                .cloned()
                .unwrap_or(json!(self.ctx.server.clock.rfc3339()));
            let allowed = n.disruptions_allowed > 0;
            let mut status = json!({
                "currentHealthy": n.current_healthy, "desiredHealthy": n.desired_healthy, "expectedPods": n.expected_pods,
                "disruptionsAllowed": n.disruptions_allowed,
                "observedGeneration": pdb.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
                "conditions": [{"type": "DisruptionAllowed", "status": if allowed { "True" } else { "False" },
                                "reason": if allowed { "SufficientPods" } else { "InsufficientPods" }, "message": "",
                                "observedGeneration": pdb.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
                                "lastTransitionTime": transition}],
            });
            if !disrupted.is_empty() {
                status["disruptedPods"] = Value::Object(disrupted);
            }
            if pdb.pointer("/status/conditions/0/status") != status.pointer("/conditions/0/status") {
                status["conditions"][0]["lastTransitionTime"] = json!(self.ctx.server.clock.rfc3339());
            }
            let mut desired = (*pdb).clone();
            desired["status"] = status;
            if pdb.get("status") != desired.get("status") {
                wrote |= self.ctx.update(&def, &pdb, desired, Part::Status).is_ok();
            }
        }
        (wrote, None)
    }

    fn watches(&self) -> Option<&'static [(&'static str, &'static str)]> {
        Some(&[
            ("", "pods"),
            ("policy", "poddisruptionbudgets"),
            ("apps", "replicasets"),
            ("apps", "deployments"),
        ])
    }
}

/// `GetScaledValueFromIntOrPercent`: an int as is, `p%` of `total` rounded up or down.
fn scaled(value: Option<&IntOrString>, total: i32, round_up: bool) -> i32 {
    let (numerator, percent) = match value {
        None => return 0,
        Some(IntOrString::Int(i)) => (*i, false),
        Some(IntOrString::String(s)) => (s.strip_suffix('%').and_then(|p| p.parse().ok()).unwrap_or(0), true),
    };
    if !percent {
        return numerator.max(0);
    }
    let product = i64::from(numerator.max(0)) * i64::from(total.max(0));
    let scaled = if round_up { (product + 99) / 100 } else { product / 100 };
    i32::try_from(scaled).unwrap_or(i32::MAX)
}
