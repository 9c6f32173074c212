//! What the planner sees: the rollout, the ReplicaSets it owns, the PodDisruptionBudgets over
//! its pods, and the time. Built at the edge (controller or simulator) from raw objects, so
//! the planner never unwraps optional metadata.

use std::collections::BTreeMap;

use jiff::Timestamp;
use k8s_openapi::{
    api::{apps::v1::ReplicaSet, policy::v1::PodDisruptionBudget},
    apimachinery::pkg::apis::meta::v1::LabelSelector,
};

use crate::api::{Rollout, RolloutSpec, RolloutStatus, condition::keys};

/// Everything one planning pass reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The Rollout being planned.
    pub rollout: RolloutView,
    /// ReplicaSets controlled by the Rollout, in any order.
    pub replica_sets: Vec<ReplicaSetView>,
    /// PodDisruptionBudgets in the Rollout's namespace (those that cannot be read included,
    /// marked [`DisruptionBudgetView::unreadable`]).
    pub disruption_budgets: Vec<DisruptionBudgetView>,
    /// ReplicaSets controlled by the Rollout that cannot be read: the planner does not know
    /// their pods, so it changes nothing until they can be.
    pub unreadable_replica_sets: Vec<Unreadable>,
    /// The Services and routes the strategy names, as they are now.
    pub traffic: TrafficView,
    /// Verdicts of the analyses the strategy runs (filled in by the analysis controller).
    pub verdicts: Vec<Verdict>,
    /// How stable each revision's pods are (restarts, readiness flaps), per pod-template-hash.
    pub pod_health: Vec<RevisionHealth>,
    /// The Deployment `spec.workloadRef` names, if it exists.
    pub workload: Option<WorkloadView>,
    /// The webhook gates' latest answers (filled in by the controller's webhook sender);
    /// once confirmed, a gate is recorded in status and no longer needs them.
    pub confirmations: Vec<Confirmation>,
    /// Ids of the pending notifications (`status.notifications`) whose sending ended, with a
    /// 2xx or after the last retry (filled in by the webhook sender): dropped from status.
    pub notified: Vec<String>,
    /// The only clock the planner reads.
    pub now: Timestamp,
}

/// A `confirmRollout` / `confirmPromotion` webhook's answer for one revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmation {
    /// The webhook's name.
    pub webhook: String,
    /// The revision (pod-template-hash) it was asked about.
    pub revision: String,
    /// It answered 2xx.
    pub confirmed: bool,
    /// What it answered (status and a short body), or why it could not be asked.
    pub message: String,
}

/// The traffic objects a strategy names: only those, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrafficView {
    /// Services (stable, canary, active, preview) that exist.
    pub services: Vec<ServiceView>,
    /// Routes (HTTPRoute, GRPCRoute) that exist.
    pub routes: Vec<RouteView>,
}

/// A Service's selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceView {
    /// `metadata.name`.
    pub name: String,
    /// `spec.selector`.
    pub selector: BTreeMap<String, String>,
}

/// The parts of a Gateway API route that weights live in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteView {
    /// HTTPRoute or GRPCRoute.
    pub kind: crate::api::RouteKind,
    /// `metadata.name`.
    pub name: String,
    /// `spec.rules`, in order.
    pub rules: Vec<RouteRuleView>,
    /// Every parent reports the route `Accepted` for the current `metadata.generation`: only
    /// then does a weight written to it count as applied.
    pub accepted_current: bool,
}

/// One rule of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteRuleView {
    /// `name`, when set.
    pub name: Option<String>,
    /// `matches`, as written (header routes copy them).
    pub matches: Vec<serde_json::Value>,
    /// `backendRefs`, in order.
    pub backends: Vec<BackendView>,
}

/// One backendRef of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendView {
    /// The Service it names (refs to other kinds are kept with their kind in `name`).
    pub name: String,
    /// `weight` (Gateway API's default is 1).
    pub weight: i32,
    /// `port`, when set.
    pub port: Option<i64>,
}

/// The verdict of one analysis of one revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// pod-template-hash of the revision it judged.
    pub revision: String,
    /// Where in the strategy it was run.
    pub point: AnalysisPoint,
    /// What it decided.
    pub outcome: VerdictOutcome,
    /// Why, in words (the run's message: the offending metric and measurement).
    pub message: String,
    /// When the measurement that decided it was taken (reaction times count from here).
    pub decided_at: Option<Timestamp>,
}

/// A Deployment whose template a Rollout runs.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadView {
    /// `metadata.name`.
    pub name: String,
    /// `spec.template`.
    pub template: k8s_openapi::api::core::v1::PodTemplateSpec,
    /// `spec.replicas`.
    pub replicas: i32,
}

/// The stability of one revision's pods.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevisionHealth {
    /// pod-template-hash.
    pub revision: String,
    /// Container restarts, summed over its pods (init containers included).
    pub restarts: i32,
    /// Ready → not Ready transitions of its pods seen by this controller (kept in memory:
    /// a restarted controller counts again from zero).
    pub flaps: i32,
}

impl Observed {
    /// Restarts and flaps of revision `hash` (0, 0 when unknown).
    pub fn health_of(&self, hash: &str) -> (i32, i32) {
        self.pod_health.iter().find(|h| h.revision == hash).map_or((0, 0), |h| (h.restarts, h.flaps))
    }
}

/// Where in a strategy an analysis runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnalysisPoint {
    /// Canary background analysis, across the steps.
    Background,
    /// A canary `analysis` step (0-based index).
    Step(i32),
    /// Blue-green: before the active Service is switched.
    PrePromotion,
    /// Blue-green: after the switch, before the old revision is let go.
    PostPromotion,
}

/// What an analysis decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerdictOutcome {
    /// Still measuring.
    Running,
    /// Passed.
    Successful,
    /// Failed: the rollout aborts.
    Failed,
    /// Undecided: the rollout pauses for a person.
    Inconclusive,
}

/// An object the planner must take into account but cannot read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// `metadata.name` (`<unnamed>` when that is what is missing).
    pub name: String,
    /// Why it cannot be read.
    pub reason: String,
}

impl Observed {
    /// The same observation with ReplicaSets and budgets in name order (names are unique in a
    /// namespace, so this is a total order): the planner's answer cannot depend on list order.
    pub fn canonical(mut self) -> Self {
        self.replica_sets.sort_by(|a, b| a.name.cmp(&b.name));
        self.disruption_budgets.sort_by(|a, b| a.name.cmp(&b.name));
        self.unreadable_replica_sets.sort_by(|a, b| (&a.name, &a.reason).cmp(&(&b.name, &b.reason)));
        self.traffic.services.sort_by(|a, b| a.name.cmp(&b.name));
        self.traffic.routes.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        self.verdicts.sort_by(|a, b| (&a.revision, a.point).cmp(&(&b.revision, b.point)));
        self.pod_health.sort_by(|a, b| a.revision.cmp(&b.revision));
        self
    }
}

/// The Rollout's identity, spec and last written status.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutView {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.generation`.
    pub generation: i64,
    /// The desired state.
    pub spec: RolloutSpec,
    /// Status as last written (default when none).
    pub status: RolloutStatus,
    /// The operation request annotation, if any (handled or not: see
    /// [`Annotation::pending`](super::request::Annotation::pending)).
    pub request: Option<super::request::Annotation>,
}

/// Pod counts from a ReplicaSet's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodCounts {
    /// Non-terminating pods.
    pub replicas: i32,
    /// Pods with Ready=True.
    pub ready: i32,
    /// Pods Ready for at least minReadySeconds.
    pub available: i32,
}

/// A ReplicaSet owned by the Rollout.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSetView {
    /// `metadata.name`.
    pub name: String,
    /// The `pod-template-hash` label.
    pub pod_template_hash: String,
    /// Hash of the Rollout template it was made from (annotation); `None` if not made by Ramp.
    pub template_fingerprint: Option<String>,
    /// Labels of its pod template, for PodDisruptionBudget selectors.
    pub template_labels: BTreeMap<String, String>,
    /// Revision number (0 when absent).
    pub revision: u64,
    /// Earlier revision numbers, when re-used by a rollback.
    pub revision_history: Vec<u64>,
    /// `metadata.creationTimestamp`.
    pub created: Timestamp,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
    /// `status` counts.
    pub status: PodCounts,
    /// `status.observedGeneration >= metadata.generation`.
    pub status_current: bool,
    /// The desired-replicas annotation.
    pub desired_replicas: Option<i32>,
    /// The max-replicas annotation.
    pub max_replicas: Option<i32>,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
}

impl ReplicaSetView {
    /// Available pods that can be counted on: never more than `spec.replicas`, because pods
    /// above it are about to be deleted even if a stale status still counts them.
    pub fn countable_available(&self) -> i32 {
        self.status.available.clamp(0, self.replicas.max(0))
    }

    /// Ready pods that can be counted on (same rule as [`countable_available`](Self::countable_available)).
    pub fn countable_ready(&self) -> i32 {
        self.status.ready.clamp(0, self.replicas.max(0))
    }
}

/// The part of a PodDisruptionBudget the planner needs.
#[derive(Clone, Debug, PartialEq)]
pub struct DisruptionBudgetView {
    /// `metadata.name`.
    pub name: String,
    /// `spec.selector`; `None` selects nothing.
    pub selector: Option<LabelSelector>,
    /// `status.disruptionsAllowed`.
    pub disruptions_allowed: i32,
    /// `status.currentHealthy`: Ready pods the budget's last status counted.
    pub current_healthy: i32,
    /// `status.observedGeneration >= metadata.generation`; a stale budget allows nothing.
    pub status_current: bool,
    /// Why the budget cannot be read, when it cannot: such a budget might cover any pod, so
    /// it covers all of them and allows nothing (fail closed).
    pub unreadable: Option<String>,
}

/// A raw object that cannot be turned into a view.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObserveError {
    /// A required metadata field is absent.
    #[error("{kind} has no metadata.{field}")]
    MissingMetadata { kind: &'static str, field: &'static str },
}

impl RolloutView {
    /// Reads a Rollout object.
    pub fn from_rollout(r: &Rollout) -> Result<Self, ObserveError> {
        let missing = |field| ObserveError::MissingMetadata { kind: "Rollout", field };
        Ok(Self {
            name: r.metadata.name.clone().ok_or(missing("name"))?,
            namespace: r.metadata.namespace.clone().unwrap_or_else(|| "default".into()),
            generation: r.metadata.generation.unwrap_or(1),
            spec: r.spec.clone(),
            status: r.status.clone().unwrap_or_default(),
            request: r
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(super::request::ANNOTATION))
                .map(|raw| super::request::parse(raw)),
        })
    }
}

impl ReplicaSetView {
    /// Reads a ReplicaSet object.
    pub fn from_replica_set(rs: &ReplicaSet) -> Result<Self, ObserveError> {
        let missing = |field| ObserveError::MissingMetadata { kind: "ReplicaSet", field };
        let meta = &rs.metadata;
        let annotations = meta.annotations.clone().unwrap_or_default();
        // Written by others too: a value that is not a positive integer counts as absent, as
        // in the Deployment controller.
        let annotation_int =
            |k: &str| annotations.get(k).and_then(|v| v.parse::<i32>().ok()).filter(|n| *n > 0);
        let spec = rs.spec.as_ref();
        let status = rs.status.as_ref();
        Ok(Self {
            name: meta.name.clone().ok_or(missing("name"))?,
            pod_template_hash: meta
                .labels
                .as_ref()
                .and_then(|l| l.get(keys::POD_TEMPLATE_HASH).cloned())
                .unwrap_or_default(),
            template_fingerprint: annotations.get(keys::TEMPLATE_FINGERPRINT).cloned(),
            template_labels: spec
                .and_then(|s| s.template.as_ref())
                .and_then(|t| t.metadata.as_ref())
                .and_then(|m| m.labels.clone())
                .unwrap_or_default(),
            revision: annotations.get(keys::REVISION).and_then(|v| v.parse().ok()).unwrap_or(0),
            revision_history: annotations
                .get(keys::REVISION_HISTORY)
                .map(|h| h.split(',').filter_map(|v| v.trim().parse().ok()).collect())
                .unwrap_or_default(),
            created: meta.creation_timestamp.as_ref().map(|t| t.0).ok_or(missing("creationTimestamp"))?,
            replicas: spec.and_then(|s| s.replicas).unwrap_or(1),
            min_ready_seconds: spec.and_then(|s| s.min_ready_seconds).unwrap_or(0),
            status: PodCounts {
                replicas: status.map_or(0, |s| s.replicas),
                ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
                available: status.and_then(|s| s.available_replicas).unwrap_or(0),
            },
            status_current: status.and_then(|s| s.observed_generation).unwrap_or(0)
                >= meta.generation.unwrap_or(0),
            desired_replicas: annotation_int(keys::DESIRED_REPLICAS),
            max_replicas: annotation_int(keys::MAX_REPLICAS),
            deleting: meta.deletion_timestamp.is_some(),
        })
    }
}

impl ServiceView {
    /// Reads a Service object.
    pub fn from_service(svc: &k8s_openapi::api::core::v1::Service) -> Result<Self, ObserveError> {
        Ok(Self {
            name: svc
                .metadata
                .name
                .clone()
                .ok_or(ObserveError::MissingMetadata { kind: "Service", field: "name" })?,
            selector: svc.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default(),
        })
    }
}

impl RouteView {
    /// Reads an HTTPRoute or GRPCRoute from its JSON (Ramp reads only the fields weights live
    /// in, so it needs no typed binding of the Gateway API).
    pub fn from_json(kind: crate::api::RouteKind, route: &serde_json::Value) -> Result<Self, ObserveError> {
        use serde_json::Value;
        let name = route
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .ok_or(ObserveError::MissingMetadata { kind: kind.kind(), field: "name" })?
            .to_string();
        let generation = route.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0);
        let rules = route
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .map(|rules| {
                rules
                    .iter()
                    .map(|r| RouteRuleView {
                        name: r.get("name").and_then(Value::as_str).map(str::to_string),
                        matches: r.get("matches").and_then(Value::as_array).cloned().unwrap_or_default(),
                        backends: r
                            .get("backendRefs")
                            .and_then(Value::as_array)
                            .map(|refs| {
                                refs.iter()
                                    .map(|b| {
                                        let kind = b.get("kind").and_then(Value::as_str).unwrap_or("Service");
                                        let n = b.get("name").and_then(Value::as_str).unwrap_or_default();
                                        BackendView {
                                            name: if kind == "Service" {
                                                n.to_string()
                                            } else {
                                                format!("{kind}/{n}")
                                            },
                                            weight: b
                                                .get("weight")
                                                .and_then(Value::as_i64)
                                                .and_then(|w| i32::try_from(w).ok())
                                                .unwrap_or(1),
                                            port: b.get("port").and_then(Value::as_i64),
                                        }
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let parents = route.pointer("/status/parents").and_then(Value::as_array).cloned().unwrap_or_default();
        let accepted_current = !parents.is_empty()
            && parents.iter().all(|p| {
                p.get("conditions").and_then(Value::as_array).is_some_and(|cs| {
                    cs.iter().any(|c| {
                        c.get("type").and_then(Value::as_str) == Some("Accepted")
                            && c.get("status").and_then(Value::as_str) == Some("True")
                            && c.get("observedGeneration").and_then(Value::as_i64) == Some(generation)
                    })
                })
            });
        Ok(Self { kind, name, rules, accepted_current })
    }
}

impl DisruptionBudgetView {
    /// A budget that cannot be read: it covers every pod and allows nothing.
    pub fn unreadable(name: &str, reason: &str) -> Self {
        Self {
            name: name.into(),
            selector: Some(LabelSelector::default()),
            disruptions_allowed: 0,
            current_healthy: 0,
            status_current: false,
            unreadable: Some(reason.into()),
        }
    }

    /// Reads a PodDisruptionBudget object.
    pub fn from_pdb(pdb: &PodDisruptionBudget) -> Result<Self, ObserveError> {
        let status = pdb.status.as_ref();
        Ok(Self {
            name: pdb
                .metadata
                .name
                .clone()
                .ok_or(ObserveError::MissingMetadata { kind: "PodDisruptionBudget", field: "name" })?,
            selector: pdb.spec.as_ref().and_then(|s| s.selector.clone()),
            disruptions_allowed: status.map_or(0, |s| s.disruptions_allowed),
            current_healthy: status.map_or(0, |s| s.current_healthy),
            status_current: status.and_then(|s| s.observed_generation).unwrap_or(0)
                >= pdb.metadata.generation.unwrap_or(0),
            unreadable: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica_set(desired: &str, max: &str) -> ReplicaSet {
        serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": "web-abc", "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"pod-template-hash": "abc"},
                "annotations": {"ramp.dev/revision": "2", "ramp.dev/desired-replicas": desired, "ramp.dev/max-replicas": max},
            },
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}},
        }))
        .unwrap()
    }

    #[test]
    fn scaling_annotations_that_are_not_positive_count_as_absent() {
        for (desired, max, expected) in [
            ("4", "5", (Some(4), Some(5))),
            ("0", "-1", (None, None)),
            ("-3", "0", (None, None)),
            ("four", "", (None, None)),
        ] {
            let view = ReplicaSetView::from_replica_set(&replica_set(desired, max)).unwrap();
            assert_eq!((view.desired_replicas, view.max_replicas), expected, "{desired:?} {max:?}");
        }
    }
}
