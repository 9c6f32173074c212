//! Actions: what a plan asks the I/O shell to do. Each is idempotent (applied with
//! server-side apply of a full field set), so repeating one after a crash is harmless.

use k8s_openapi::{api::core::v1::PodTemplateSpec, apimachinery::pkg::apis::meta::v1::LabelSelector};
use serde::Serialize;

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Action {
    /// Create the ReplicaSet for a revision (apply; a no-op if it already exists as given).
    CreateReplicaSet(Box<NewReplicaSet>),
    /// Set a ReplicaSet's `spec.replicas` and its scaling annotations.
    ScaleReplicaSet(ScaleReplicaSet),
    /// Give an existing ReplicaSet a new revision number (rollback to it) and the
    /// Rollout's current minReadySeconds.
    UpdateReplicaSetRevision(RevisionUpdate),
    /// Delete an old, empty ReplicaSet beyond `revisionHistoryLimit`.
    DeleteReplicaSet {
        /// ReplicaSet name.
        name: String,
    },
    /// Point a Service's selector at one revision (its `pod-template-hash` key only; the
    /// Service's other selector keys are the user's).
    SetServiceSelector(ServiceSelector),
    /// Set the stable and canary backend weights in the named rules of a route (only those
    /// weights: every other field of the route is the user's).
    SetRouteWeights(RouteWeights),
    /// Set a referenced Deployment's `spec.replicas` (`workloadRef.scaleDown`).
    ScaleDeployment {
        /// Deployment name.
        name: String,
        /// Its new `spec.replicas`.
        replicas: i32,
    },
    /// Replace the header-route rules Ramp owns in a route (removed by index, each guarded by
    /// its name; added at the end); the user's rules are untouched.
    SetRouteRules(RouteRules),
    /// Record a Kubernetes Event on the Rollout.
    Event(EventNote),
}

/// A Service selector change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSelector {
    /// Service name.
    pub service: String,
    /// The `pod-template-hash` it selects from now on.
    pub hash: String,
}

/// Header-route rules to remove and add in one route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteRules {
    /// HTTPRoute (header routes are HTTP only).
    pub kind: crate::api::RouteKind,
    /// Route name.
    pub route: String,
    /// Rules to remove: (index, name), highest index first.
    pub remove: Vec<(usize, String)>,
    /// Rules to append, as JSON.
    pub add: Vec<serde_json::Value>,
}

/// Weights to set on a route's backendRefs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteWeights {
    /// HTTPRoute or GRPCRoute.
    pub kind: crate::api::RouteKind,
    /// Route name.
    pub route: String,
    /// Each backendRef to weight, by position, with the Service it must still name (the
    /// write fails rather than weight another backend if the route changed meanwhile).
    pub backends: Vec<WeightedBackend>,
}

/// One backendRef's weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightedBackend {
    /// Index in `spec.rules`.
    pub rule: usize,
    /// Index in that rule's `backendRefs`.
    pub backend: usize,
    /// The Service it names.
    pub service: String,
    /// The weight to set.
    pub weight: i32,
}

/// A ReplicaSet to create.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewReplicaSet {
    /// `<rollout>-<pod-template-hash>`.
    pub name: String,
    /// The `pod-template-hash` label value.
    pub pod_template_hash: String,
    /// Hash of the Rollout's template (annotation).
    pub template_fingerprint: String,
    /// Revision number.
    pub revision: u64,
    /// Initial `spec.replicas`.
    pub replicas: i32,
    /// Desired-replicas annotation.
    pub desired_replicas: i32,
    /// Max-replicas annotation.
    pub max_replicas: i32,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
    /// The Rollout's selector plus the hash label.
    pub selector: LabelSelector,
    /// The Rollout's template plus the hash label.
    pub template: PodTemplateSpec,
}

/// A change of ReplicaSet size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleReplicaSet {
    /// ReplicaSet name.
    pub name: String,
    /// `spec.replicas` before.
    pub from: i32,
    /// `spec.replicas` after (equal to `from` when only the annotations change).
    pub to: i32,
    /// Desired-replicas annotation.
    pub desired_replicas: i32,
    /// Max-replicas annotation.
    pub max_replicas: i32,
}

/// A revision number change on an existing ReplicaSet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionUpdate {
    /// ReplicaSet name.
    pub name: String,
    /// New revision number.
    pub revision: u64,
    /// Earlier revision numbers of this ReplicaSet.
    pub revision_history: Vec<u64>,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
}

/// Event severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EventKind {
    /// Routine transition.
    Normal,
    /// Something a user should look at.
    Warning,
}

/// A Kubernetes Event to publish on the Rollout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventNote {
    /// Normal or Warning.
    pub kind: EventKind,
    /// PascalCase reason.
    pub reason: String,
    /// Human-readable note.
    pub message: String,
}

impl EventNote {
    /// A Normal event.
    pub fn normal(reason: &str, message: impl Into<String>) -> Self {
        Self { kind: EventKind::Normal, reason: reason.into(), message: message.into() }
    }

    /// A Warning event.
    pub fn warning(reason: &str, message: impl Into<String>) -> Self {
        Self { kind: EventKind::Warning, reason: reason.into(), message: message.into() }
    }
}
