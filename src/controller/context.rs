//! What every reconcile shares: the client, caches, recorder, metrics, leadership and the
//! per-object failure counts behind backoff.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use k8s_openapi::api::{apps::v1::ReplicaSet, core::v1::Service, policy::v1::PodDisruptionBudget};
use kube::{
    Client,
    api::{ApiResource, DynamicObject},
    runtime::reflector::Store,
};
use tokio::sync::watch;

use super::{error::RolloutRef, lease::Leadership, metrics::Metrics};

/// Shared state of the controller.
pub struct Context {
    /// API client.
    pub client: Client,
    /// The only clock reconciles read (handed to the planner as `Observed.now`).
    pub clock: super::clock::Clock,
    /// Event recorder (one, so repeats fold into series).
    pub recorder: super::events::Recorder,
    /// Metrics.
    pub metrics: Metrics,
    /// Whether this instance may write.
    pub leadership: watch::Receiver<Leadership>,
    /// The namespace this context watches (None: all).
    pub scope: Option<String>,
    /// Rollouts in scope (for the per-phase gauges).
    pub rollouts: Store<crate::api::Rollout>,
    /// ReplicaSets carrying the `ramp.dev/rollout` label.
    pub replica_sets: Store<ReplicaSet>,
    /// The cached ReplicaSets by controller uid.
    pub owners: Arc<super::owners::OwnerIndex<k8s_openapi::api::apps::v1::ReplicaSet>>,
    /// PodDisruptionBudgets in the watched namespaces.
    pub budgets: Store<PodDisruptionBudget>,
    /// Services in the watched namespaces (a strategy's stable, canary, active, preview).
    pub services: Store<Service>,
    /// Deployments in the watched namespaces (those a `workloadRef` names).
    pub deployments: Store<k8s_openapi::api::apps::v1::Deployment>,
    /// Restarts and readiness flaps of the pods of Ramp's ReplicaSets.
    pub pod_health: Arc<super::pods::PodHealthIndex>,
    /// AnalysisRuns in the watched namespaces (None: the cluster does not serve the CRD, and
    /// analyses wait).
    pub analysis_runs: Option<Store<crate::api::analysis::AnalysisRun>>,
    /// AnalysisRuns by the uid of the Rollout that owns them.
    pub run_owners: Arc<super::owners::OwnerIndex<crate::api::analysis::AnalysisRun>>,
    /// Gateway API routes, per kind the cluster serves.
    pub routes: Vec<RouteCache>,
    /// Rollouts whose last reconcile failed (exponential backoff, one Warning event per
    /// distinct error; reset on success).
    pub failures: Mutex<HashMap<RolloutRef, Failing>>,
    /// When each Rollout's status was last written (counts-only writes are paced).
    pub pacer: super::pacing::StatusPacer,
    /// Outbound webhooks: gate questions and notifications, sent off the reconcile path.
    pub webhooks: Arc<crate::gates::Webhooks>,
}

/// A Rollout whose reconciles fail.
#[derive(Debug, Default)]
pub struct Failing {
    /// Consecutive failures.
    pub count: u32,
    /// The last error, in full: a Warning event is published only when it changes.
    pub last: String,
}

/// The cached routes of one Gateway API kind.
pub struct RouteCache {
    /// HTTPRoute or GRPCRoute.
    pub kind: crate::api::RouteKind,
    /// Its resource (the cluster's served version).
    pub resource: ApiResource,
    /// The routes.
    pub store: Store<DynamicObject>,
}
