//! Tables for v1 Pod, PodTemplateSpec, PodSpec and its scheduling/security messages.
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags as observed through kubectl 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, P, Ty, Z, many, map, one};

msg! { POD = "io.k8s.api.core.v1.Pod" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&POD_SPEC), A),
    one(3, "status", Ty::Msg(&super::status::POD_STATUS), A),
]}

msg! { POD_SPEC = "io.k8s.api.core.v1.PodSpec" [
    many(1, "volumes", Ty::Msg(&super::volume::VOLUME), Z),
    many(20, "initContainers", Ty::Msg(&super::container::CONTAINER), Z),
    many(2, "containers", Ty::Msg(&super::container::CONTAINER), A),
    many(34, "ephemeralContainers", Ty::Msg(&super::container::EPHEMERAL_CONTAINER), Z),
    one(3, "restartPolicy", Ty::Str, Z),
    one(4, "terminationGracePeriodSeconds", Ty::I64, P),
    one(5, "activeDeadlineSeconds", Ty::I64, P),
    one(6, "dnsPolicy", Ty::Str, Z),
    map(7, "nodeSelector", Ty::Str, Z),
    one(8, "serviceAccountName", Ty::Str, Z),
    one(9, "serviceAccount", Ty::Str, Z),
    one(21, "automountServiceAccountToken", Ty::Bool, P),
    one(10, "nodeName", Ty::Str, Z),
    one(11, "hostNetwork", Ty::Bool, Z),
    one(12, "hostPID", Ty::Bool, Z),
    one(13, "hostIPC", Ty::Bool, Z),
    one(27, "shareProcessNamespace", Ty::Bool, P),
    one(14, "securityContext", Ty::Msg(&POD_SECURITY_CONTEXT), P),
    many(15, "imagePullSecrets", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), Z),
    one(16, "hostname", Ty::Str, Z),
    one(17, "subdomain", Ty::Str, Z),
    one(18, "affinity", Ty::Msg(&AFFINITY), P),
    one(19, "schedulerName", Ty::Str, Z),
    many(22, "tolerations", Ty::Msg(&TOLERATION), Z),
    many(23, "hostAliases", Ty::Msg(&HOST_ALIAS), Z),
    one(24, "priorityClassName", Ty::Str, Z),
    one(25, "priority", Ty::I32, P),
    one(26, "dnsConfig", Ty::Msg(&POD_DNS_CONFIG), P),
    many(28, "readinessGates", Ty::Msg(&POD_READINESS_GATE), Z),
    one(29, "runtimeClassName", Ty::Str, P),
    one(30, "enableServiceLinks", Ty::Bool, P),
    one(31, "preemptionPolicy", Ty::Str, P),
    map(32, "overhead", Ty::Quantity, Z),
    many(33, "topologySpreadConstraints", Ty::Msg(&TOPOLOGY_SPREAD_CONSTRAINT), Z),
    one(35, "setHostnameAsFQDN", Ty::Bool, P),
    one(36, "os", Ty::Msg(&POD_OS), P),
    one(37, "hostUsers", Ty::Bool, P),
    many(38, "schedulingGates", Ty::Msg(&POD_SCHEDULING_GATE), Z),
    many(39, "resourceClaims", Ty::Msg(&POD_RESOURCE_CLAIM), Z),
    one(40, "resources", Ty::Msg(&super::container::RESOURCE_REQUIREMENTS), P),
    one(41, "hostnameOverride", Ty::Str, P),
    one(42, "workloadRef", Ty::Msg(&WORKLOAD_REFERENCE), P),
]}

msg! { POD_SECURITY_CONTEXT = "io.k8s.api.core.v1.PodSecurityContext" [
    one(1, "seLinuxOptions", Ty::Msg(&super::container::SE_LINUX_OPTIONS), P),
    one(8, "windowsOptions", Ty::Msg(&super::container::WINDOWS_SECURITY_CONTEXT_OPTIONS), P),
    one(2, "runAsUser", Ty::I64, P),
    one(6, "runAsGroup", Ty::I64, P),
    one(3, "runAsNonRoot", Ty::Bool, P),
    many(4, "supplementalGroups", Ty::I64, Z),
    one(12, "supplementalGroupsPolicy", Ty::Str, P),
    one(5, "fsGroup", Ty::I64, P),
    many(7, "sysctls", Ty::Msg(&SYSCTL), Z),
    one(9, "fsGroupChangePolicy", Ty::Str, P),
    one(10, "seccompProfile", Ty::Msg(&super::container::SECCOMP_PROFILE), P),
    one(11, "appArmorProfile", Ty::Msg(&super::container::APP_ARMOR_PROFILE), P),
    one(13, "seLinuxChangePolicy", Ty::Str, P),
]}

msg! { AFFINITY = "io.k8s.api.core.v1.Affinity" [
    one(1, "nodeAffinity", Ty::Msg(&NODE_AFFINITY), P),
    one(2, "podAffinity", Ty::Msg(&POD_AFFINITY), P),
    one(3, "podAntiAffinity", Ty::Msg(&POD_ANTI_AFFINITY), P),
]}

msg! { TOLERATION = "io.k8s.api.core.v1.Toleration" [
    one(1, "key", Ty::Str, Z),
    one(2, "operator", Ty::Str, Z),
    one(3, "value", Ty::Str, Z),
    one(4, "effect", Ty::Str, Z),
    one(5, "tolerationSeconds", Ty::I64, P),
]}

msg! { HOST_ALIAS = "io.k8s.api.core.v1.HostAlias" [
    one(1, "ip", Ty::Str, A),
    many(2, "hostnames", Ty::Str, Z),
]}

msg! { POD_DNS_CONFIG = "io.k8s.api.core.v1.PodDNSConfig" [
    many(1, "nameservers", Ty::Str, Z),
    many(2, "searches", Ty::Str, Z),
    many(3, "options", Ty::Msg(&POD_DNS_CONFIG_OPTION), Z),
]}

msg! { POD_READINESS_GATE = "io.k8s.api.core.v1.PodReadinessGate" [
    one(1, "conditionType", Ty::Str, A),
]}

msg! { TOPOLOGY_SPREAD_CONSTRAINT = "io.k8s.api.core.v1.TopologySpreadConstraint" [
    one(1, "maxSkew", Ty::I32, A),
    one(2, "topologyKey", Ty::Str, A),
    one(3, "whenUnsatisfiable", Ty::Str, A),
    one(4, "labelSelector", Ty::Msg(&super::meta::LABEL_SELECTOR), P),
    one(5, "minDomains", Ty::I32, P),
    one(6, "nodeAffinityPolicy", Ty::Str, P),
    one(7, "nodeTaintsPolicy", Ty::Str, P),
    many(8, "matchLabelKeys", Ty::Str, Z),
]}

msg! { POD_OS = "io.k8s.api.core.v1.PodOS" [
    one(1, "name", Ty::Str, A),
]}

msg! { POD_SCHEDULING_GATE = "io.k8s.api.core.v1.PodSchedulingGate" [
    one(1, "name", Ty::Str, A),
]}

msg! { POD_RESOURCE_CLAIM = "io.k8s.api.core.v1.PodResourceClaim" [
    one(1, "name", Ty::Str, A),
    one(3, "resourceClaimName", Ty::Str, P),
    one(4, "resourceClaimTemplateName", Ty::Str, P),
]}

msg! { WORKLOAD_REFERENCE = "io.k8s.api.core.v1.WorkloadReference" [
    one(1, "name", Ty::Str, A),
    one(2, "podGroup", Ty::Str, A),
    one(3, "podGroupReplicaKey", Ty::Str, Z),
]}

msg! { SYSCTL = "io.k8s.api.core.v1.Sysctl" [
    one(1, "name", Ty::Str, A),
    one(2, "value", Ty::Str, A),
]}

msg! { NODE_AFFINITY = "io.k8s.api.core.v1.NodeAffinity" [
    one(1, "requiredDuringSchedulingIgnoredDuringExecution", Ty::Msg(&NODE_SELECTOR), P),
    many(2, "preferredDuringSchedulingIgnoredDuringExecution", Ty::Msg(&PREFERRED_SCHEDULING_TERM), Z),
]}

msg! { POD_AFFINITY = "io.k8s.api.core.v1.PodAffinity" [
    many(1, "requiredDuringSchedulingIgnoredDuringExecution", Ty::Msg(&POD_AFFINITY_TERM), Z),
    many(2, "preferredDuringSchedulingIgnoredDuringExecution", Ty::Msg(&WEIGHTED_POD_AFFINITY_TERM), Z),
]}

msg! { POD_ANTI_AFFINITY = "io.k8s.api.core.v1.PodAntiAffinity" [
    many(1, "requiredDuringSchedulingIgnoredDuringExecution", Ty::Msg(&POD_AFFINITY_TERM), Z),
    many(2, "preferredDuringSchedulingIgnoredDuringExecution", Ty::Msg(&WEIGHTED_POD_AFFINITY_TERM), Z),
]}

msg! { POD_DNS_CONFIG_OPTION = "io.k8s.api.core.v1.PodDNSConfigOption" [
    one(1, "name", Ty::Str, Z),
    one(2, "value", Ty::Str, P),
]}

msg! { NODE_SELECTOR = "io.k8s.api.core.v1.NodeSelector" [
    many(1, "nodeSelectorTerms", Ty::Msg(&NODE_SELECTOR_TERM), A),
]}

msg! { PREFERRED_SCHEDULING_TERM = "io.k8s.api.core.v1.PreferredSchedulingTerm" [
    one(1, "weight", Ty::I32, A),
    one(2, "preference", Ty::Msg(&NODE_SELECTOR_TERM), A),
]}

msg! { POD_AFFINITY_TERM = "io.k8s.api.core.v1.PodAffinityTerm" [
    one(1, "labelSelector", Ty::Msg(&super::meta::LABEL_SELECTOR), P),
    many(2, "namespaces", Ty::Str, Z),
    one(3, "topologyKey", Ty::Str, A),
    one(4, "namespaceSelector", Ty::Msg(&super::meta::LABEL_SELECTOR), P),
    many(5, "matchLabelKeys", Ty::Str, Z),
    many(6, "mismatchLabelKeys", Ty::Str, Z),
]}

msg! { WEIGHTED_POD_AFFINITY_TERM = "io.k8s.api.core.v1.WeightedPodAffinityTerm" [
    one(1, "weight", Ty::I32, A),
    one(2, "podAffinityTerm", Ty::Msg(&POD_AFFINITY_TERM), A),
]}

msg! { NODE_SELECTOR_TERM = "io.k8s.api.core.v1.NodeSelectorTerm" [
    many(1, "matchExpressions", Ty::Msg(&NODE_SELECTOR_REQUIREMENT), Z),
    many(2, "matchFields", Ty::Msg(&NODE_SELECTOR_REQUIREMENT), Z),
]}

msg! { NODE_SELECTOR_REQUIREMENT = "io.k8s.api.core.v1.NodeSelectorRequirement" [
    one(1, "key", Ty::Str, A),
    one(2, "operator", Ty::Str, A),
    many(3, "values", Ty::Str, Z),
]}
