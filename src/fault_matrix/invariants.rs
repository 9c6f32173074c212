//! The safety checks of a cell, run on every change the hollow cluster makes, in order, from
//! its change log: a mirror of the namespace's pods, Services, routes, ReplicaSets, budgets
//! and the Rollout, and after each change the rules below.
//!
//! - **Traffic only to ready pods**: whenever a Service's selector or a route's weights change,
//!   every Service that then carries traffic (an entry Service, or a backend with weight > 0)
//!   selects at least one Ready pod. A route or selector pointed at a version with no Ready pod
//!   is a violation; pods that stop being Ready under a Service that was already pointed at
//!   them (a killed or flapping pod) are the cluster's doing, not a routing decision.
//! - **Budgets honoured**: whenever a ReplicaSet is scaled down, the Ready pods the scale-down
//!   removes (the ReplicaSet controller deletes not-Ready pods first) must not take the pods
//!   the budget selects below its `minAvailable`. Pods the fault injector kills, or that stop
//!   being Ready, are not disruptions Ramp made: only scale-downs are checked.
//! - **Status loses nothing**: from one Rollout status to the next, within a revision, the
//!   current step never goes back, a recorded request (`lastRequest`) is never forgotten or
//!   replaced by an older one, and no approval record disappears.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use hollow::apiserver::store::{Change, ChangeKind};
use serde_json::Value;

/// What a cell's checks look at.
#[derive(Clone, Debug, Default)]
pub struct CheckSpec {
    /// Services that carry traffic whatever any route says (what clients call).
    pub entry_services: Vec<String>,
    /// The route whose weighted backends carry traffic.
    pub route: Option<String>,
    /// Labels of the pods the budget selects, and its `minAvailable`.
    pub budget: Option<(BTreeMap<String, String>, i32)>,
    /// No pod is killed or flaps: then only the controller's scale-downs take Ready pods away,
    /// and the budget's floor must hold at every change, not only at scale-downs.
    pub floor_always: bool,
    /// The Rollout.
    pub rollout: String,
    /// Request ids in the order they are sent (a later one may replace an earlier one).
    pub requests: Vec<String>,
}

/// How many times each rule was checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Changes of routing (selectors, weights) checked against Ready pods.
    pub routing: u64,
    /// Scale-downs checked against the budget.
    pub scale_downs: u64,
    /// Rollout status changes checked for losses.
    pub statuses: u64,
    /// Pods that stopped being Ready while they stayed (a failing probe), not deleted.
    pub flaps: u64,
    /// The longest a pod took from its creation to Ready, in seconds.
    pub slowest_ready_secs: i64,
    /// The highest `status.currentStep` the new revision reached.
    pub max_step: Option<i64>,
    /// The longest a Service carrying traffic selected no Ready pod (its pods killed or
    /// flapping under it) before routing moved off it or a pod was Ready again, in ms.
    pub longest_exposure_ms: i64,
}

/// The mirror and the rules.
#[derive(Debug, Default)]
pub struct Checker {
    spec: CheckSpec,
    pods: BTreeMap<String, Arc<Value>>,
    services: BTreeMap<String, Arc<Value>>,
    routes: BTreeMap<String, Arc<Value>>,
    replica_sets: BTreeMap<String, Arc<Value>>,
    rollout: Option<Arc<Value>>,
    /// Since when a Service carrying traffic has selected no Ready pod.
    exposed_since: Option<jiff::Timestamp>,
    /// What went wrong, in words, in order.
    pub violations: Vec<String>,
    /// How often each rule ran.
    pub checked: Checked,
}

fn name(v: &Value) -> String {
    v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string()
}

fn labels(v: &Value) -> BTreeMap<String, String> {
    v.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// A pod that counts as Ready: condition Ready True, not being deleted.
pub fn ready(pod: &Value) -> bool {
    pod.pointer("/metadata/deletionTimestamp").is_none()
        && pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// Seconds from a pod's creation to its Ready condition's last transition.
fn ready_after(pod: &Value) -> i64 {
    let at = |p: &str| pod.pointer(p).and_then(Value::as_str).and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let since = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
        .and_then(|c| c["lastTransitionTime"].as_str())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    match (at("/metadata/creationTimestamp"), since) {
        (Some(created), Some(ready)) => ready.duration_since(created).as_secs(),
        _ => 0,
    }
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

fn selector_of(svc: &Value) -> BTreeMap<String, String> {
    svc.pointer("/spec/selector")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// (backend Service, weight) of every rule of a route (weight 1 when unset, as Gateway API).
fn backends(route: &Value) -> Vec<(String, i64)> {
    route
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|r| r["backendRefs"].as_array().cloned().unwrap_or_default())
        .map(|b| (b["name"].as_str().unwrap_or_default().to_string(), b["weight"].as_i64().unwrap_or(1)))
        .collect()
}

fn replicas(rs: &Value) -> i64 {
    rs.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)
}

fn controller_of(pod: &Value) -> Option<String> {
    pod.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|o| o["controller"] == true)
        .and_then(|o| o["name"].as_str())
        .map(str::to_string)
}

impl Checker {
    /// A checker for `spec` with an empty mirror.
    pub fn new(spec: CheckSpec) -> Self {
        Self { spec, ..Self::default() }
    }

    fn map_for(&mut self, group: &str, plural: &str) -> Option<&mut BTreeMap<String, Arc<Value>>> {
        match (group, plural) {
            ("", "pods") => Some(&mut self.pods),
            ("", "services") => Some(&mut self.services),
            ("gateway.networking.k8s.io", "httproutes") => Some(&mut self.routes),
            ("apps", "replicasets") => Some(&mut self.replica_sets),
            _ => None,
        }
    }

    /// Loads an object as it is now, without checking anything (the state the checks start
    /// from).
    pub fn seed(&mut self, group: &str, plural: &str, obj: Arc<Value>) {
        if (group, plural) == ("ramp.dev", "rollouts") {
            if name(&obj) == self.spec.rollout {
                self.rollout = Some(obj);
            }
            return;
        }
        let n = name(&obj);
        if let Some(m) = self.map_for(group, plural) {
            m.insert(n, obj);
        }
    }

    /// Applies one change, made at `now`, to the mirror and checks the rules it can break.
    pub fn apply(&mut self, c: &Change, now: jiff::Timestamp) {
        self.apply_change(c);
        if matches!(c.key.resource.plural.as_str(), "pods" | "services" | "httproutes") {
            self.track_exposure(now);
        }
    }

    /// Measures how long traffic reaches a Service without a Ready pod.
    fn track_exposure(&mut self, now: jiff::Timestamp) {
        let exposed = self.carrying().iter().any(|(svc, _)| {
            self.services.get(svc).is_some_and(|service| {
                let selector = selector_of(service);
                !self.pods.values().any(|p| ready(p) && selects(&selector, &labels(p)))
            })
        });
        match (exposed, self.exposed_since) {
            (true, None) => self.exposed_since = Some(now),
            (false, Some(since)) => {
                let ms = i64::try_from(now.duration_since(since).as_millis()).unwrap_or(i64::MAX);
                self.checked.longest_exposure_ms = self.checked.longest_exposure_ms.max(ms);
                self.exposed_since = None;
            }
            _ => {}
        }
    }

    fn apply_change(&mut self, c: &Change) {
        let (group, plural) = (c.key.resource.group.as_str(), c.key.resource.plural.as_str());
        let obj = c.object.clone();
        let n = c.key.name.clone();
        match (group, plural) {
            ("ramp.dev", "rollouts") if n == self.spec.rollout => {
                let before = self.rollout.take();
                if c.kind != ChangeKind::Deleted {
                    self.check_status(before.as_deref(), &obj);
                    self.rollout = Some(obj);
                }
            }
            ("", "pods") => {
                let before = self.pods.get(&n).cloned();
                let staying =
                    c.kind != ChangeKind::Deleted && obj.pointer("/metadata/deletionTimestamp").is_none();
                if before.as_deref().is_some_and(ready) && staying && !ready(&obj) {
                    self.checked.flaps += 1;
                }
                if !before.as_deref().is_some_and(ready) && staying && ready(&obj) {
                    let secs = ready_after(&obj);
                    self.checked.slowest_ready_secs = self.checked.slowest_ready_secs.max(secs);
                }
                if c.kind == ChangeKind::Deleted {
                    self.pods.remove(&n);
                } else {
                    self.pods.insert(n, obj);
                }
                self.check_floor();
            }
            ("apps", "replicasets") => {
                let before = self.replica_sets.get(&n).cloned();
                if let Some(b) = &before
                    && c.kind != ChangeKind::Deleted
                    && replicas(&obj) < replicas(b)
                {
                    self.check_scale_down(&n, replicas(&obj));
                }
                if c.kind == ChangeKind::Deleted {
                    self.replica_sets.remove(&n);
                } else {
                    self.replica_sets.insert(n, obj);
                }
            }
            ("", "services") | ("gateway.networking.k8s.io", "httproutes") => {
                let before = self.map_for(group, plural).and_then(|m| m.get(&n).cloned());
                let moved = match plural {
                    "services" => before.as_deref().map(selector_of) != Some(selector_of(&obj)),
                    _ => before.as_deref().map(backends) != Some(backends(&obj)),
                };
                if let Some(m) = self.map_for(group, plural) {
                    if c.kind == ChangeKind::Deleted {
                        m.remove(&n);
                    } else {
                        m.insert(n.clone(), obj);
                    }
                }
                if moved && c.kind != ChangeKind::Deleted {
                    self.check_routing(&format!("{} {n}", &plural[..plural.len() - 1]));
                }
            }
            _ => {}
        }
    }

    /// Services that carry traffic now.
    fn carrying(&self) -> Vec<(String, Option<i64>)> {
        let mut out: Vec<(String, Option<i64>)> =
            self.spec.entry_services.iter().map(|s| (s.clone(), None)).collect();
        if let Some(route) = self.spec.route.as_ref().and_then(|r| self.routes.get(r)) {
            out.extend(backends(route).into_iter().filter(|(_, w)| *w > 0).map(|(s, w)| (s, Some(w))));
        }
        out
    }

    fn check_routing(&mut self, what: &str) {
        self.checked.routing += 1;
        for (svc, weight) in self.carrying() {
            let Some(service) = self.services.get(&svc) else { continue };
            let selector = selector_of(service);
            let ready_pods =
                self.pods.values().filter(|p| ready(p) && selects(&selector, &labels(p))).count();
            if ready_pods == 0 {
                let share = weight.map_or_else(String::new, |w| format!(" (weight {w})"));
                self.violations.push(format!(
                    "after a change of {what}: Service {svc}{share} carries traffic but selects no Ready pod ({selector:?})"
                ));
            }
        }
    }

    /// With no pod fault, the Ready pods the budget selects never fall below its floor.
    fn check_floor(&mut self) {
        let Some((budget_labels, min_available)) =
            self.spec.budget.as_ref().filter(|_| self.spec.floor_always)
        else {
            return;
        };
        let healthy = self.pods.values().filter(|p| ready(p) && selects(budget_labels, &labels(p))).count();
        if i64::try_from(healthy).unwrap_or(i64::MAX) < i64::from(*min_available) {
            let msg =
                format!("only {healthy} Ready pods under the budget: below its minAvailable {min_available}");
            if self.violations.last() != Some(&msg) {
                self.violations.push(msg);
            }
        }
    }

    fn check_scale_down(&mut self, rs: &str, to: i64) {
        let Some((budget_labels, min_available)) = self.spec.budget.clone() else { return };
        self.checked.scale_downs += 1;
        let owned: Vec<&Arc<Value>> = self
            .pods
            .values()
            .filter(|p| {
                controller_of(p).as_deref() == Some(rs) && p.pointer("/metadata/deletionTimestamp").is_none()
            })
            .collect();
        let ready_owned = i64::try_from(owned.iter().filter(|p| ready(p)).count()).unwrap_or(i64::MAX);
        let removed = (ready_owned - to).max(0);
        let healthy = i64::try_from(
            self.pods.values().filter(|p| ready(p) && selects(&budget_labels, &labels(p))).count(),
        )
        .unwrap_or(i64::MAX);
        if removed > 0 && healthy - removed < i64::from(min_available) {
            self.violations.push(format!(
                "ReplicaSet {rs} scaled to {to} removes {removed} Ready pod(s) of {healthy}: below the budget's minAvailable {min_available}"
            ));
        }
    }

    fn check_status(&mut self, before: Option<&Value>, after: &Value) {
        self.checked.statuses += 1;
        let a = &after["status"];
        if a["updatedRevision"] != a["stableRevision"]
            && let Some(step) = a["currentStep"].as_i64()
        {
            self.checked.max_step = Some(self.checked.max_step.map_or(step, |m| m.max(step)));
        }
        let Some(before) = before else { return };
        let b = &before["status"];
        let same_revision = b["updatedRevision"] == a["updatedRevision"] && !a["updatedRevision"].is_null();
        let aborted = a["phase"] == "Aborted" || b["phase"] == "Aborted";
        if same_revision && !aborted {
            let (sb, sa) = (b["currentStep"].as_i64(), a["currentStep"].as_i64());
            if let (Some(sb), Some(sa)) = (sb, sa)
                && sa < sb
            {
                self.violations.push(format!("status.currentStep went back from {sb} to {sa}"));
            }
        }
        let id = |s: &Value| s.pointer("/lastRequest/id").and_then(Value::as_str).map(str::to_string);
        let place =
            |id: &Option<String>| id.as_ref().and_then(|i| self.spec.requests.iter().position(|r| r == i));
        match (id(b), id(a)) {
            (Some(old), None) => self.violations.push(format!("status.lastRequest {old} was forgotten")),
            (old @ Some(_), new @ Some(_)) if place(&new) < place(&old) => self.violations.push(format!(
                "status.lastRequest went back from {} to {}",
                old.unwrap_or_default(),
                new.unwrap_or_default()
            )),
            _ => {}
        }
        let records = |s: &Value| -> BTreeSet<(String, i64, String)> {
            s["approvals"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    (
                        r["revision"].as_str().unwrap_or_default().to_string(),
                        r["step"].as_i64().unwrap_or_default(),
                        r["by"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        };
        let kept = records(a);
        for lost in records(b).difference(&kept) {
            self.violations.push(format!("approval record {lost:?} was lost from status.approvals"));
        }
    }
}

#[cfg(test)]
mod tests {
    use hollow::apiserver::store::{ObjectKey, ResourceId};
    use serde_json::json;

    use super::*;

    fn change(kind: ChangeKind, group: &str, plural: &str, obj: Value, previous: Option<Value>) -> Change {
        Change {
            rv: 1,
            kind,
            key: ObjectKey {
                resource: ResourceId::new(group, plural),
                namespace: "default".into(),
                name: name(&obj),
            },
            object: Arc::new(obj),
            previous: previous.map(Arc::new),
        }
    }

    fn pod(name: &str, hash: &str, rs: &str, is_ready: bool) -> Value {
        json!({"metadata": {"name": name, "labels": {"app": "web", "pod-template-hash": hash},
                            "ownerReferences": [{"name": rs, "controller": true}]},
               "status": {"conditions": [{"type": "Ready", "status": if is_ready { "True" } else { "False" }}]}})
    }

    fn route(stable: i64, canary: i64) -> Value {
        json!({"metadata": {"name": "web"}, "spec": {"rules": [{"backendRefs": [
            {"name": "web-stable", "weight": stable}, {"name": "web-canary", "weight": canary}]}]}})
    }

    fn svc(name: &str, hash: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {"selector": {"app": "web", "pod-template-hash": hash}}})
    }

    impl Checker {
        fn apply_at(&mut self, c: &Change) {
            self.apply(c, jiff::Timestamp::UNIX_EPOCH);
        }
    }

    fn checker() -> Checker {
        let mut c = Checker::new(CheckSpec {
            route: Some("web".into()),
            budget: Some(([("app".to_string(), "web".to_string())].into(), 3)),
            rollout: "web".into(),
            requests: vec!["p1".into(), "a1".into()],
            ..CheckSpec::default()
        });
        for (i, r) in [true, true, true, true].into_iter().enumerate() {
            c.seed("", "pods", Arc::new(pod(&format!("v1-{i}"), "h1", "web-h1", r)));
        }
        c.seed("", "pods", Arc::new(pod("v2-0", "h2", "web-h2", false)));
        c.seed("", "services", Arc::new(svc("web-stable", "h1")));
        c.seed("", "services", Arc::new(svc("web-canary", "h2")));
        c.seed("gateway.networking.k8s.io", "httproutes", Arc::new(route(100, 0)));
        c.seed(
            "apps",
            "replicasets",
            Arc::new(json!({"metadata": {"name": "web-h1"}, "spec": {"replicas": 4}})),
        );
        c
    }

    #[test]
    fn weight_on_a_version_without_ready_pods_is_a_violation_and_a_ready_one_is_not() {
        let mut c = checker();
        c.apply_at(&change(
            ChangeKind::Modified,
            "gateway.networking.k8s.io",
            "httproutes",
            route(75, 25),
            None,
        ));
        assert_eq!(c.violations.len(), 1, "{:?}", c.violations);
        assert!(c.violations[0].contains("web-canary (weight 25)"), "{:?}", c.violations);
        c.apply_at(&change(ChangeKind::Modified, "", "pods", pod("v2-0", "h2", "web-h2", true), None));
        c.apply_at(&change(
            ChangeKind::Modified,
            "gateway.networking.k8s.io",
            "httproutes",
            route(50, 50),
            None,
        ));
        assert_eq!(c.violations.len(), 1);
        // A route write that leaves the weights alone (its status) is not a routing change.
        let mut with_status = route(50, 50);
        with_status["status"] = json!({"parents": []});
        c.apply_at(&change(
            ChangeKind::Modified,
            "gateway.networking.k8s.io",
            "httproutes",
            with_status,
            None,
        ));
        assert_eq!(c.checked.routing, 2);
    }

    #[test]
    fn the_time_traffic_reaches_a_service_without_ready_pods_is_measured_until_routing_moves_off() {
        let mut c = checker();
        let t = |ms: i64| jiff::Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_millis(ms);
        c.apply(&change(ChangeKind::Modified, "", "pods", pod("v2-0", "h2", "web-h2", true), None), t(0));
        c.apply(
            &change(ChangeKind::Modified, "gateway.networking.k8s.io", "httproutes", route(75, 25), None),
            t(0),
        );
        // Its one pod killed at 1 s; the weight taken off it at 1.3 s.
        c.apply(&change(ChangeKind::Deleted, "", "pods", pod("v2-0", "h2", "web-h2", true), None), t(1_000));
        c.apply(
            &change(ChangeKind::Modified, "gateway.networking.k8s.io", "httproutes", route(100, 0), None),
            t(1_300),
        );
        assert_eq!(c.checked.longest_exposure_ms, 300);
        assert!(c.violations.is_empty(), "moving weight off is no violation: {:?}", c.violations);
    }

    #[test]
    fn a_scale_down_below_the_budget_is_a_violation_unless_the_pods_go_unready_first() {
        let mut c = checker();
        let rs = |n: i64| json!({"metadata": {"name": "web-h1"}, "spec": {"replicas": n}});
        c.apply_at(&change(ChangeKind::Modified, "apps", "replicasets", rs(3), None));
        assert!(c.violations.is_empty(), "4 Ready, 1 removed, 3 left: {:?}", c.violations);
        c.apply_at(&change(ChangeKind::Deleted, "", "pods", pod("v1-3", "h1", "web-h1", true), None));
        // A kill takes another: 2 Ready left, below 3 already, but a kill is not a scale-down.
        c.apply_at(&change(ChangeKind::Deleted, "", "pods", pod("v1-2", "h1", "web-h1", true), None));
        assert!(c.violations.is_empty());
        c.apply_at(&change(ChangeKind::Modified, "apps", "replicasets", rs(1), None));
        assert_eq!(c.violations.len(), 1, "{:?}", c.violations);
        assert!(c.violations[0].contains("removes 1 Ready pod(s) of 2"), "{:?}", c.violations);
        assert_eq!(c.checked.scale_downs, 2);
    }

    #[test]
    fn without_pod_faults_the_budget_floor_holds_at_every_change() {
        let mut c = checker();
        c.spec.floor_always = true;
        c.apply_at(&change(ChangeKind::Deleted, "", "pods", pod("v1-3", "h1", "web-h1", true), None));
        assert!(c.violations.is_empty(), "3 Ready left, the floor: {:?}", c.violations);
        c.apply_at(&change(ChangeKind::Modified, "", "pods", pod("v1-2", "h1", "web-h1", false), None));
        assert_eq!(c.violations, ["only 2 Ready pods under the budget: below its minAvailable 3"]);
    }

    #[test]
    fn status_that_forgets_a_request_or_an_approval_or_steps_back_is_a_violation() {
        let mut c = checker();
        let status = |step: i64, req: Option<&str>, approvals: Value| {
            json!({"metadata": {"name": "web"}, "status": {"updatedRevision": "h2", "phase": "Paused",
                "currentStep": step, "lastRequest": req.map(|r| json!({"id": r})), "approvals": approvals}})
        };
        let approved = json!([{"revision": "h2", "step": 3, "by": "alice"}]);
        c.apply_at(&change(ChangeKind::Modified, "ramp.dev", "rollouts", status(1, None, json!([])), None));
        c.apply_at(&change(
            ChangeKind::Modified,
            "ramp.dev",
            "rollouts",
            status(3, Some("p1"), json!([])),
            None,
        ));
        c.apply_at(&change(
            ChangeKind::Modified,
            "ramp.dev",
            "rollouts",
            status(3, Some("a1"), approved.clone()),
            None,
        ));
        assert!(c.violations.is_empty(), "{:?}", c.violations);
        c.apply_at(&change(
            ChangeKind::Modified,
            "ramp.dev",
            "rollouts",
            status(2, Some("p1"), json!([])),
            None,
        ));
        assert_eq!(c.violations.len(), 3, "{:?}", c.violations);
        assert!(c.violations[0].contains("went back from 3 to 2"));
        assert!(c.violations[1].contains("lastRequest went back from a1 to p1"));
        assert!(c.violations[2].contains("alice"));
    }
}
