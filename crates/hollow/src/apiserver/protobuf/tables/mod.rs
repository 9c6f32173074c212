//! Message tables for every kind the decoder accepts, and the `(apiVersion, kind)` lookup.
//!
//! One `msg!` per proto message, one line per proto field:
//! `one|many|map(tag, "jsonName", type, emit)` or `inline(tag, &EMBEDDED)`, with the emit modes
//! `A` (always), `P` (pointer) and `Z` (omitempty) of `schema::Emit`.

macro_rules! msg {
    ($name:ident = $def:literal [$($field:expr),* $(,)?]) => {
        pub(crate) static $name: $crate::apiserver::protobuf::schema::Msg =
            $crate::apiserver::protobuf::schema::Msg::new($def, &[$($field),*]);
    };
}

pub(crate) mod apps;
pub(crate) mod batch;
pub(crate) mod container;
pub(crate) mod core_kinds;
pub(crate) mod meta;
pub(crate) mod pod;
pub(crate) mod rbac;
pub(crate) mod reviews;
pub(crate) mod status;
pub(crate) mod volume;

use super::schema::Msg;

/// Every supported kind, as `(apiVersion, kind, table)`. `DeleteOptions` is registered in every
/// group version, so it is accepted under any `apiVersion` (see [`root`]).
pub(crate) const KINDS: &[(&str, &str, &Msg)] = &[
    ("apps/v1", "Deployment", &apps::DEPLOYMENT),
    ("apps/v1", "ReplicaSet", &apps::REPLICA_SET),
    ("batch/v1", "Job", &batch::JOB),
    ("v1", "Pod", &pod::POD),
    ("v1", "Namespace", &core_kinds::NAMESPACE),
    ("v1", "ConfigMap", &core_kinds::CONFIG_MAP),
    ("v1", "Secret", &core_kinds::SECRET),
    ("v1", "Service", &core_kinds::SERVICE),
    ("v1", "ServiceAccount", &core_kinds::SERVICE_ACCOUNT),
    ("v1", "Endpoints", &core_kinds::ENDPOINTS),
    ("v1", "Event", &core_kinds::EVENT),
    ("policy/v1", "PodDisruptionBudget", &apps::POD_DISRUPTION_BUDGET),
    ("policy/v1", "Eviction", &apps::EVICTION),
    ("coordination.k8s.io/v1", "Lease", &apps::LEASE),
    ("autoscaling/v1", "Scale", &apps::SCALE),
    ("rbac.authorization.k8s.io/v1", "Role", &rbac::ROLE),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", &rbac::CLUSTER_ROLE),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", &rbac::ROLE_BINDING),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &rbac::CLUSTER_ROLE_BINDING),
    ("authentication.k8s.io/v1", "TokenReview", &reviews::TOKEN_REVIEW),
    ("authentication.k8s.io/v1", "SelfSubjectReview", &reviews::SELF_SUBJECT_REVIEW),
    ("authentication.k8s.io/v1", "TokenRequest", &reviews::TOKEN_REQUEST),
    ("authorization.k8s.io/v1", "SubjectAccessReview", &reviews::SUBJECT_ACCESS_REVIEW),
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview", &reviews::LOCAL_SUBJECT_ACCESS_REVIEW),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview", &reviews::SELF_SUBJECT_ACCESS_REVIEW),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview", &reviews::SELF_SUBJECT_RULES_REVIEW),
    ("meta.k8s.io/v1", "DeleteOptions", &meta::DELETE_OPTIONS),
];

/// The table of the object a protobuf envelope announces.
pub(crate) fn root(api_version: &str, kind: &str) -> Option<&'static Msg> {
    if kind == "DeleteOptions" {
        return Some(&meta::DELETE_OPTIONS);
    }
    KINDS.iter().find(|(v, k, _)| *v == api_version && *k == kind).map(|(_, _, msg)| *msg)
}
