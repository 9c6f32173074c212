//! Condition types, reasons and the label/annotation keys Ramp writes.

/// Condition types, in the order they appear in status.
pub mod types {
    /// The rollout is moving (or has moved) to its updated revision.
    pub const PROGRESSING: &str = "Progressing";
    /// At least `replicas - maxUnavailable` pods are available.
    pub const AVAILABLE: &str = "Available";
    /// The rollout is paused by spec or by a step.
    pub const PAUSED: &str = "Paused";
    /// Fully rolled out and available (`kubectl wait --for=condition=Healthy`).
    pub const HEALTHY: &str = "Healthy";
    /// The spec cannot be acted on; the message lists every problem.
    pub const INVALID_SPEC: &str = "InvalidSpec";
}

/// Condition reasons (also used as Event reasons where they mark a transition).
pub mod reasons {
    /// A ReplicaSet for the updated revision was created.
    pub const NEW_REPLICA_SET_CREATED: &str = "NewReplicaSetCreated";
    /// An existing ReplicaSet matches the updated revision (first observation or rollback).
    pub const FOUND_NEW_REPLICA_SET: &str = "FoundNewReplicaSet";
    /// Pods moved towards the updated revision.
    pub const REPLICA_SET_UPDATED: &str = "ReplicaSetUpdated";
    /// The updated revision is fully available.
    pub const NEW_REPLICA_SET_AVAILABLE: &str = "NewReplicaSetAvailable";
    /// No progress for `progressDeadline`.
    pub const PROGRESS_DEADLINE_EXCEEDED: &str = "ProgressDeadlineExceeded";
    /// A scale-down waits for a PodDisruptionBudget to allow more disruptions.
    pub const BLOCKED_BY_DISRUPTION_BUDGET: &str = "BlockedByDisruptionBudget";
    /// `spec.paused` is set.
    pub const ROLLOUT_PAUSED: &str = "RolloutPaused";
    /// `spec.paused` was cleared.
    pub const ROLLOUT_RESUMED: &str = "RolloutResumed";
    /// The updated revision was abandoned; capacity returns to the stable revision.
    pub const ROLLOUT_ABORTED: &str = "RolloutAborted";
    /// The spec asks for something Ramp does not plan yet (blue-green, canary, workloadRef).
    pub const NOT_IMPLEMENTED: &str = "NotImplemented";
    /// Enough pods are available.
    pub const MINIMUM_REPLICAS_AVAILABLE: &str = "MinimumReplicasAvailable";
    /// Too few pods are available.
    pub const MINIMUM_REPLICAS_UNAVAILABLE: &str = "MinimumReplicasUnavailable";
    /// Fully rolled out.
    pub const ROLLOUT_COMPLETED: &str = "RolloutCompleted";
    /// Still rolling out.
    pub const ROLLOUT_NOT_COMPLETED: &str = "RolloutNotCompleted";
    /// Not paused.
    pub const NOT_PAUSED: &str = "NotPaused";
    /// The spec failed validation.
    pub const INVALID_SPEC: &str = "InvalidSpec";
    /// A Service or route the strategy names is missing or cannot carry a weight.
    pub const TRAFFIC_NOT_READY: &str = "TrafficNotReady";
    /// The Deployment `spec.workloadRef` names does not exist.
    pub const WORKLOAD_NOT_FOUND: &str = "WorkloadNotFound";
    /// A ReplicaSet the Rollout controls cannot be read; nothing is changed until it can.
    pub const UNREADABLE_REPLICA_SET: &str = "UnreadableReplicaSet";
}

/// Event reasons that are not also condition reasons.
pub mod events {
    /// An old ReplicaSet beyond revisionHistoryLimit was deleted.
    pub const REPLICA_SET_DELETED: &str = "ReplicaSetDeleted";
    /// An older ReplicaSet became the updated revision again.
    pub const ROLLED_BACK: &str = "RolledBack";
}

/// Label and annotation keys on the ReplicaSets Ramp owns.
pub mod keys {
    /// Pod and selector label naming the revision (as a Deployment's).
    pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
    /// Revision number of a ReplicaSet, increasing per rollout.
    pub const REVISION: &str = "ramp.dev/revision";
    /// Earlier revision numbers of a ReplicaSet re-used by a rollback, comma separated.
    pub const REVISION_HISTORY: &str = "ramp.dev/revision-history";
    /// `spec.replicas` when the ReplicaSet was last scaled (detects scaling events).
    pub const DESIRED_REPLICAS: &str = "ramp.dev/desired-replicas";
    /// `replicas + maxSurge` when last scaled (for proportional scaling).
    pub const MAX_REPLICAS: &str = "ramp.dev/max-replicas";
    /// Hash of the pod template as written in the Rollout; identifies a revision even after
    /// the API server has defaulted the ReplicaSet's copy of the template.
    pub const TEMPLATE_FINGERPRINT: &str = "ramp.dev/template-fingerprint";
}
