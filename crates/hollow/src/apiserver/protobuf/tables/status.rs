//! Tables for v1 PodStatus, ContainerStatus and their messages.
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags as observed through kubectl 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, P, Ty, Z, many, map, one};

msg! { POD_STATUS = "io.k8s.api.core.v1.PodStatus" [
    one(17, "observedGeneration", Ty::I64, Z),
    one(1, "phase", Ty::Str, Z),
    many(2, "conditions", Ty::Msg(&POD_CONDITION), Z),
    one(3, "message", Ty::Str, Z),
    one(4, "reason", Ty::Str, Z),
    one(11, "nominatedNodeName", Ty::Str, Z),
    one(5, "hostIP", Ty::Str, Z),
    many(16, "hostIPs", Ty::Msg(&HOST_IP), Z),
    one(6, "podIP", Ty::Str, Z),
    many(12, "podIPs", Ty::Msg(&POD_IP), Z),
    one(7, "startTime", Ty::Time, P),
    many(10, "initContainerStatuses", Ty::Msg(&CONTAINER_STATUS), Z),
    many(8, "containerStatuses", Ty::Msg(&CONTAINER_STATUS), Z),
    one(9, "qosClass", Ty::Str, Z),
    many(13, "ephemeralContainerStatuses", Ty::Msg(&CONTAINER_STATUS), Z),
    one(14, "resize", Ty::Str, Z),
    many(15, "resourceClaimStatuses", Ty::Msg(&POD_RESOURCE_CLAIM_STATUS), Z),
    one(18, "extendedResourceClaimStatus", Ty::Msg(&POD_EXTENDED_RESOURCE_CLAIM_STATUS), P),
    map(19, "allocatedResources", Ty::Quantity, Z),
    one(20, "resources", Ty::Msg(&super::container::RESOURCE_REQUIREMENTS), P),
]}

msg! { POD_CONDITION = "io.k8s.api.core.v1.PodCondition" [
    one(1, "type", Ty::Str, A),
    one(7, "observedGeneration", Ty::I64, Z),
    one(2, "status", Ty::Str, A),
    one(3, "lastProbeTime", Ty::Time, A),
    one(4, "lastTransitionTime", Ty::Time, A),
    one(5, "reason", Ty::Str, Z),
    one(6, "message", Ty::Str, Z),
]}

msg! { HOST_IP = "io.k8s.api.core.v1.HostIP" [
    one(1, "ip", Ty::Str, A),
]}

msg! { POD_IP = "io.k8s.api.core.v1.PodIP" [
    one(1, "ip", Ty::Str, A),
]}

msg! { CONTAINER_STATUS = "io.k8s.api.core.v1.ContainerStatus" [
    one(1, "name", Ty::Str, A),
    one(2, "state", Ty::Msg(&CONTAINER_STATE), A),
    one(3, "lastState", Ty::Msg(&CONTAINER_STATE), A),
    one(4, "ready", Ty::Bool, A),
    one(5, "restartCount", Ty::I32, A),
    one(6, "image", Ty::Str, A),
    one(7, "imageID", Ty::Str, A),
    one(8, "containerID", Ty::Str, Z),
    one(9, "started", Ty::Bool, P),
    map(10, "allocatedResources", Ty::Quantity, Z),
    one(11, "resources", Ty::Msg(&super::container::RESOURCE_REQUIREMENTS), P),
    many(12, "volumeMounts", Ty::Msg(&VOLUME_MOUNT_STATUS), Z),
    one(13, "user", Ty::Msg(&CONTAINER_USER), P),
    many(14, "allocatedResourcesStatus", Ty::Msg(&RESOURCE_STATUS), Z),
    one(15, "stopSignal", Ty::Str, P),
]}

msg! { POD_RESOURCE_CLAIM_STATUS = "io.k8s.api.core.v1.PodResourceClaimStatus" [
    one(1, "name", Ty::Str, A),
    one(2, "resourceClaimName", Ty::Str, P),
]}

msg! { POD_EXTENDED_RESOURCE_CLAIM_STATUS = "io.k8s.api.core.v1.PodExtendedResourceClaimStatus" [
    many(1, "requestMappings", Ty::Msg(&CONTAINER_EXTENDED_RESOURCE_REQUEST), A),
    one(2, "resourceClaimName", Ty::Str, A),
]}

msg! { CONTAINER_STATE = "io.k8s.api.core.v1.ContainerState" [
    one(1, "waiting", Ty::Msg(&CONTAINER_STATE_WAITING), P),
    one(2, "running", Ty::Msg(&CONTAINER_STATE_RUNNING), P),
    one(3, "terminated", Ty::Msg(&CONTAINER_STATE_TERMINATED), P),
]}

msg! { VOLUME_MOUNT_STATUS = "io.k8s.api.core.v1.VolumeMountStatus" [
    one(1, "name", Ty::Str, A),
    one(2, "mountPath", Ty::Str, A),
    one(3, "readOnly", Ty::Bool, Z),
    one(4, "recursiveReadOnly", Ty::Str, P),
]}

msg! { CONTAINER_USER = "io.k8s.api.core.v1.ContainerUser" [
    one(1, "linux", Ty::Msg(&LINUX_CONTAINER_USER), P),
]}

msg! { RESOURCE_STATUS = "io.k8s.api.core.v1.ResourceStatus" [
    one(1, "name", Ty::Str, A),
    many(2, "resources", Ty::Msg(&RESOURCE_HEALTH), Z),
]}

msg! { CONTAINER_EXTENDED_RESOURCE_REQUEST = "io.k8s.api.core.v1.ContainerExtendedResourceRequest" [
    one(1, "containerName", Ty::Str, A),
    one(2, "resourceName", Ty::Str, A),
    one(3, "requestName", Ty::Str, A),
]}

msg! { CONTAINER_STATE_WAITING = "io.k8s.api.core.v1.ContainerStateWaiting" [
    one(1, "reason", Ty::Str, Z),
    one(2, "message", Ty::Str, Z),
]}

msg! { CONTAINER_STATE_RUNNING = "io.k8s.api.core.v1.ContainerStateRunning" [
    one(1, "startedAt", Ty::Time, A),
]}

msg! { CONTAINER_STATE_TERMINATED = "io.k8s.api.core.v1.ContainerStateTerminated" [
    one(1, "exitCode", Ty::I32, A),
    one(2, "signal", Ty::I32, Z),
    one(3, "reason", Ty::Str, Z),
    one(4, "message", Ty::Str, Z),
    one(5, "startedAt", Ty::Time, A),
    one(6, "finishedAt", Ty::Time, A),
    one(7, "containerID", Ty::Str, Z),
]}

msg! { LINUX_CONTAINER_USER = "io.k8s.api.core.v1.LinuxContainerUser" [
    one(1, "uid", Ty::I64, A),
    one(2, "gid", Ty::I64, A),
    many(3, "supplementalGroups", Ty::I64, Z),
]}

msg! { RESOURCE_HEALTH = "io.k8s.api.core.v1.ResourceHealth" [
    one(1, "resourceID", Ty::Str, A),
    one(2, "health", Ty::Str, Z),
]}
