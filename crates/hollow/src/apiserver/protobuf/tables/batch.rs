//! Tables for batch/v1 Jobs (`kubectl create job` sends one as protobuf).
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags of k8s.io/api/batch/v1 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, P, Ty, Z, many, one};

msg! { JOB = "io.k8s.api.batch.v1.Job" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&JOB_SPEC), A),
    one(3, "status", Ty::Msg(&JOB_STATUS), A),
]}

msg! { JOB_SPEC = "io.k8s.api.batch.v1.JobSpec" [
    one(1, "parallelism", Ty::I32, P),
    one(2, "completions", Ty::I32, P),
    one(3, "activeDeadlineSeconds", Ty::I64, P),
    one(11, "podFailurePolicy", Ty::Msg(&POD_FAILURE_POLICY), P),
    one(16, "successPolicy", Ty::Msg(&SUCCESS_POLICY), P),
    one(7, "backoffLimit", Ty::I32, P),
    one(12, "backoffLimitPerIndex", Ty::I32, P),
    one(13, "maxFailedIndexes", Ty::I32, P),
    one(4, "selector", Ty::Msg(&super::meta::LABEL_SELECTOR), P),
    one(5, "manualSelector", Ty::Bool, P),
    one(6, "template", Ty::Msg(&super::core_kinds::POD_TEMPLATE_SPEC), A),
    one(8, "ttlSecondsAfterFinished", Ty::I32, P),
    one(9, "completionMode", Ty::Str, P),
    one(10, "suspend", Ty::Bool, P),
    one(14, "podReplacementPolicy", Ty::Str, P),
    one(15, "managedBy", Ty::Str, P),
]}

msg! { JOB_STATUS = "io.k8s.api.batch.v1.JobStatus" [
    many(1, "conditions", Ty::Msg(&JOB_CONDITION), Z),
    one(2, "startTime", Ty::Time, P),
    one(3, "completionTime", Ty::Time, P),
    one(4, "active", Ty::I32, Z),
    one(5, "succeeded", Ty::I32, Z),
    one(6, "failed", Ty::I32, Z),
    one(11, "terminating", Ty::I32, P),
    one(7, "completedIndexes", Ty::Str, Z),
    one(10, "failedIndexes", Ty::Str, P),
    one(8, "uncountedTerminatedPods", Ty::Msg(&UNCOUNTED_TERMINATED_PODS), P),
    one(9, "ready", Ty::I32, P),
]}

msg! { JOB_CONDITION = "io.k8s.api.batch.v1.JobCondition" [
    one(1, "type", Ty::Str, A),
    one(2, "status", Ty::Str, A),
    one(3, "lastProbeTime", Ty::Time, A),
    one(4, "lastTransitionTime", Ty::Time, A),
    one(5, "reason", Ty::Str, Z),
    one(6, "message", Ty::Str, Z),
]}

msg! { UNCOUNTED_TERMINATED_PODS = "io.k8s.api.batch.v1.UncountedTerminatedPods" [
    many(1, "succeeded", Ty::Str, Z),
    many(2, "failed", Ty::Str, Z),
]}

msg! { POD_FAILURE_POLICY = "io.k8s.api.batch.v1.PodFailurePolicy" [
    many(1, "rules", Ty::Msg(&POD_FAILURE_POLICY_RULE), A),
]}

msg! { POD_FAILURE_POLICY_RULE = "io.k8s.api.batch.v1.PodFailurePolicyRule" [
    one(1, "action", Ty::Str, A),
    one(2, "onExitCodes", Ty::Msg(&POD_FAILURE_POLICY_ON_EXIT_CODES), P),
    many(3, "onPodConditions", Ty::Msg(&POD_FAILURE_POLICY_ON_POD_CONDITIONS), Z),
]}

msg! { POD_FAILURE_POLICY_ON_EXIT_CODES = "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement" [
    one(1, "containerName", Ty::Str, P),
    one(2, "operator", Ty::Str, A),
    many(3, "values", Ty::I32, A),
]}

msg! { POD_FAILURE_POLICY_ON_POD_CONDITIONS = "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern" [
    one(1, "type", Ty::Str, A),
    one(2, "status", Ty::Str, A),
]}

msg! { SUCCESS_POLICY = "io.k8s.api.batch.v1.SuccessPolicy" [
    many(1, "rules", Ty::Msg(&SUCCESS_POLICY_RULE), A),
]}

msg! { SUCCESS_POLICY_RULE = "io.k8s.api.batch.v1.SuccessPolicyRule" [
    one(1, "succeededIndexes", Ty::Str, P),
    one(2, "succeededCount", Ty::I32, P),
]}
