//! Tables for apps/v1, policy/v1, coordination.k8s.io/v1 and autoscaling/v1 messages.
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags as observed through kubectl 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, N, P, Ty, Z, many, map, one};

msg! { DEPLOYMENT = "io.k8s.api.apps.v1.Deployment" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&DEPLOYMENT_SPEC), A),
    one(3, "status", Ty::Msg(&DEPLOYMENT_STATUS), A),
]}

msg! { REPLICA_SET = "io.k8s.api.apps.v1.ReplicaSet" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&REPLICA_SET_SPEC), A),
    one(3, "status", Ty::Msg(&REPLICA_SET_STATUS), A),
]}

msg! { POD_DISRUPTION_BUDGET = "io.k8s.api.policy.v1.PodDisruptionBudget" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&POD_DISRUPTION_BUDGET_SPEC), A),
    one(3, "status", Ty::Msg(&POD_DISRUPTION_BUDGET_STATUS), A),
]}

msg! { EVICTION = "io.k8s.api.policy.v1.Eviction" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "deleteOptions", Ty::Msg(&super::meta::DELETE_OPTIONS), P),
]}

msg! { LEASE = "io.k8s.api.coordination.v1.Lease" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&LEASE_SPEC), A),
]}

msg! { SCALE = "io.k8s.api.autoscaling.v1.Scale" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&SCALE_SPEC), A),
    one(3, "status", Ty::Msg(&SCALE_STATUS), A),
]}

msg! { DEPLOYMENT_SPEC = "io.k8s.api.apps.v1.DeploymentSpec" [
    one(1, "replicas", Ty::I32, P),
    one(2, "selector", Ty::Msg(&super::meta::LABEL_SELECTOR), N),
    one(3, "template", Ty::Msg(&super::core_kinds::POD_TEMPLATE_SPEC), A),
    one(4, "strategy", Ty::Msg(&DEPLOYMENT_STRATEGY), A),
    one(5, "minReadySeconds", Ty::I32, Z),
    one(6, "revisionHistoryLimit", Ty::I32, P),
    one(7, "paused", Ty::Bool, Z),
    one(9, "progressDeadlineSeconds", Ty::I32, P),
]}

msg! { DEPLOYMENT_STATUS = "io.k8s.api.apps.v1.DeploymentStatus" [
    one(1, "observedGeneration", Ty::I64, Z),
    one(2, "replicas", Ty::I32, Z),
    one(3, "updatedReplicas", Ty::I32, Z),
    one(7, "readyReplicas", Ty::I32, Z),
    one(4, "availableReplicas", Ty::I32, Z),
    one(5, "unavailableReplicas", Ty::I32, Z),
    one(9, "terminatingReplicas", Ty::I32, P),
    many(6, "conditions", Ty::Msg(&DEPLOYMENT_CONDITION), Z),
    one(8, "collisionCount", Ty::I32, P),
]}

msg! { REPLICA_SET_SPEC = "io.k8s.api.apps.v1.ReplicaSetSpec" [
    one(1, "replicas", Ty::I32, P),
    one(4, "minReadySeconds", Ty::I32, Z),
    one(2, "selector", Ty::Msg(&super::meta::LABEL_SELECTOR), N),
    one(3, "template", Ty::Msg(&super::core_kinds::POD_TEMPLATE_SPEC), A),
]}

msg! { REPLICA_SET_STATUS = "io.k8s.api.apps.v1.ReplicaSetStatus" [
    one(1, "replicas", Ty::I32, A),
    one(2, "fullyLabeledReplicas", Ty::I32, Z),
    one(4, "readyReplicas", Ty::I32, Z),
    one(5, "availableReplicas", Ty::I32, Z),
    one(7, "terminatingReplicas", Ty::I32, P),
    one(3, "observedGeneration", Ty::I64, Z),
    many(6, "conditions", Ty::Msg(&REPLICA_SET_CONDITION), Z),
]}

msg! { POD_DISRUPTION_BUDGET_SPEC = "io.k8s.api.policy.v1.PodDisruptionBudgetSpec" [
    one(1, "minAvailable", Ty::IntOrString, P),
    one(2, "selector", Ty::Msg(&super::meta::LABEL_SELECTOR), P),
    one(3, "maxUnavailable", Ty::IntOrString, P),
    one(4, "unhealthyPodEvictionPolicy", Ty::Str, P),
]}

msg! { POD_DISRUPTION_BUDGET_STATUS = "io.k8s.api.policy.v1.PodDisruptionBudgetStatus" [
    one(1, "observedGeneration", Ty::I64, Z),
    map(2, "disruptedPods", Ty::Time, Z),
    one(3, "disruptionsAllowed", Ty::I32, A),
    one(4, "currentHealthy", Ty::I32, A),
    one(5, "desiredHealthy", Ty::I32, A),
    one(6, "expectedPods", Ty::I32, A),
    many(7, "conditions", Ty::Msg(&super::meta::CONDITION), Z),
]}

msg! { LEASE_SPEC = "io.k8s.api.coordination.v1.LeaseSpec" [
    one(1, "holderIdentity", Ty::Str, P),
    one(2, "leaseDurationSeconds", Ty::I32, P),
    one(3, "acquireTime", Ty::MicroTime, P),
    one(4, "renewTime", Ty::MicroTime, P),
    one(5, "leaseTransitions", Ty::I32, P),
    one(6, "strategy", Ty::Str, P),
    one(7, "preferredHolder", Ty::Str, P),
]}

msg! { SCALE_SPEC = "io.k8s.api.autoscaling.v1.ScaleSpec" [
    one(1, "replicas", Ty::I32, Z),
]}

msg! { SCALE_STATUS = "io.k8s.api.autoscaling.v1.ScaleStatus" [
    one(1, "replicas", Ty::I32, A),
    one(2, "selector", Ty::Str, Z),
]}

msg! { DEPLOYMENT_STRATEGY = "io.k8s.api.apps.v1.DeploymentStrategy" [
    one(1, "type", Ty::Str, Z),
    one(2, "rollingUpdate", Ty::Msg(&ROLLING_UPDATE_DEPLOYMENT), P),
]}

msg! { DEPLOYMENT_CONDITION = "io.k8s.api.apps.v1.DeploymentCondition" [
    one(1, "type", Ty::Str, A),
    one(2, "status", Ty::Str, A),
    one(6, "lastUpdateTime", Ty::Time, A),
    one(7, "lastTransitionTime", Ty::Time, A),
    one(4, "reason", Ty::Str, Z),
    one(5, "message", Ty::Str, Z),
]}

msg! { REPLICA_SET_CONDITION = "io.k8s.api.apps.v1.ReplicaSetCondition" [
    one(1, "type", Ty::Str, A),
    one(2, "status", Ty::Str, A),
    one(3, "lastTransitionTime", Ty::Time, A),
    one(4, "reason", Ty::Str, Z),
    one(5, "message", Ty::Str, Z),
]}

msg! { ROLLING_UPDATE_DEPLOYMENT = "io.k8s.api.apps.v1.RollingUpdateDeployment" [
    one(1, "maxUnavailable", Ty::IntOrString, P),
    one(2, "maxSurge", Ty::IntOrString, P),
]}
