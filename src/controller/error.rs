//! Reconcile errors, each with a bounded category used as metric label and Event reason.

use kube::runtime::reflector::ObjectRef;

use crate::api::Rollout;

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Rollout object lacks required metadata.
    #[error("cannot read the Rollout")]
    Observe(#[source] crate::plan::observed::ObserveError),
    /// Writing a ReplicaSet failed.
    #[error("failed to write ReplicaSet {name}")]
    WriteReplicaSet {
        /// ReplicaSet.
        name: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// Deleting a ReplicaSet failed.
    #[error("failed to delete ReplicaSet {name}")]
    DeleteReplicaSet {
        /// ReplicaSet.
        name: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// Writing a Service selector or route weights failed.
    #[error("failed to {what} on {name}")]
    WriteTraffic {
        /// `SetServiceSelector` or `SetRouteWeights`.
        what: &'static str,
        /// The Service or route.
        name: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// Writing a referenced Deployment's size, or the Rollout's finalizer, failed.
    #[error("failed to {what} (workloadRef {name})")]
    WriteWorkload {
        /// What was being written.
        what: &'static str,
        /// The Deployment.
        name: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// Creating, ending or deleting an AnalysisRun failed.
    #[error("failed to {what} AnalysisRun {name}")]
    WriteAnalysis {
        /// What was being done.
        what: &'static str,
        /// The run.
        name: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// Writing the Rollout status failed.
    #[error("failed to write the Rollout status")]
    WriteStatus(#[source] kube::Error),
    /// Reading the Rollout back from the API server failed.
    #[error("failed to read the Rollout back")]
    ReadRollout(#[source] kube::Error),
    /// A ReplicaSet name is taken by an object Ramp does not own.
    #[error("ReplicaSet {0} already exists and is not owned by this Rollout")]
    NameTaken(String),
    /// This instance is not (or no longer surely) the leader: writes are withheld.
    #[error("not the leader")]
    NotLeader,
    /// Encoding an object failed.
    #[error("failed to encode an object")]
    Encode(#[source] serde_json::Error),
}

impl Error {
    /// A bounded category: metric label and Event reason.
    pub fn category(&self) -> &'static str {
        match self {
            Error::Observe(_) => "ObserveFailed",
            Error::WriteReplicaSet { .. } => "ReplicaSetWriteFailed",
            Error::DeleteReplicaSet { .. } => "ReplicaSetDeleteFailed",
            Error::WriteTraffic { .. } => "TrafficWriteFailed",
            Error::WriteWorkload { .. } => "WorkloadWriteFailed",
            Error::WriteAnalysis { .. } => "AnalysisWriteFailed",
            Error::WriteStatus(_) => "StatusWriteFailed",
            Error::ReadRollout(_) => "RolloutReadFailed",
            Error::NameTaken(_) => "ReplicaSetNameTaken",
            Error::NotLeader => "NotLeader",
            Error::Encode(_) => "EncodeFailed",
        }
    }

    /// Whether the error is a conflict (the status was planned from a stale read): retry at
    /// once, it is not a failure. Only the status write carries a precondition; ReplicaSet
    /// applies are forced and a create's 409 is resolved in `act`.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::WriteStatus(kube::Error::Api(s)) if s.code == 409)
    }
}

/// A reference to a Rollout, for backoff bookkeeping.
pub type RolloutRef = ObjectRef<Rollout>;
