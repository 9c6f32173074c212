//! Tables for the other v1 kinds: Namespace, ConfigMap, Secret, Service, ServiceAccount, Endpoints, Event.
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags as observed through kubectl 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, P, Ty, Z, many, map, one};

msg! { NAMESPACE = "io.k8s.api.core.v1.Namespace" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&NAMESPACE_SPEC), A),
    one(3, "status", Ty::Msg(&NAMESPACE_STATUS), A),
]}

msg! { CONFIG_MAP = "io.k8s.api.core.v1.ConfigMap" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(4, "immutable", Ty::Bool, P),
    map(2, "data", Ty::Str, Z),
    map(3, "binaryData", Ty::Bytes, Z),
]}

msg! { SECRET = "io.k8s.api.core.v1.Secret" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(5, "immutable", Ty::Bool, P),
    map(2, "data", Ty::Bytes, Z),
    map(4, "stringData", Ty::Str, Z),
    one(3, "type", Ty::Str, Z),
]}

msg! { SERVICE = "io.k8s.api.core.v1.Service" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&SERVICE_SPEC), A),
    one(3, "status", Ty::Msg(&SERVICE_STATUS), A),
]}

msg! { SERVICE_ACCOUNT = "io.k8s.api.core.v1.ServiceAccount" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    many(2, "secrets", Ty::Msg(&OBJECT_REFERENCE), Z),
    many(3, "imagePullSecrets", Ty::Msg(&super::container::LOCAL_OBJECT_REFERENCE), Z),
    one(4, "automountServiceAccountToken", Ty::Bool, P),
]}

msg! { ENDPOINTS = "io.k8s.api.core.v1.Endpoints" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    many(2, "subsets", Ty::Msg(&ENDPOINT_SUBSET), Z),
]}

msg! { EVENT = "io.k8s.api.core.v1.Event" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "involvedObject", Ty::Msg(&OBJECT_REFERENCE), A),
    one(3, "reason", Ty::Str, Z),
    one(4, "message", Ty::Str, Z),
    one(5, "source", Ty::Msg(&EVENT_SOURCE), A),
    one(6, "firstTimestamp", Ty::Time, A),
    one(7, "lastTimestamp", Ty::Time, A),
    one(8, "count", Ty::I32, Z),
    one(9, "type", Ty::Str, Z),
    one(10, "eventTime", Ty::MicroTime, A),
    one(11, "series", Ty::Msg(&EVENT_SERIES), P),
    one(12, "action", Ty::Str, Z),
    one(13, "related", Ty::Msg(&OBJECT_REFERENCE), P),
    one(14, "reportingComponent", Ty::Str, A),
    one(15, "reportingInstance", Ty::Str, A),
]}

msg! { NAMESPACE_SPEC = "io.k8s.api.core.v1.NamespaceSpec" [
    many(1, "finalizers", Ty::Str, Z),
]}

msg! { NAMESPACE_STATUS = "io.k8s.api.core.v1.NamespaceStatus" [
    one(1, "phase", Ty::Str, Z),
    many(2, "conditions", Ty::Msg(&NAMESPACE_CONDITION), Z),
]}

msg! { SERVICE_SPEC = "io.k8s.api.core.v1.ServiceSpec" [
    many(1, "ports", Ty::Msg(&SERVICE_PORT), Z),
    map(2, "selector", Ty::Str, Z),
    one(3, "clusterIP", Ty::Str, Z),
    many(18, "clusterIPs", Ty::Str, Z),
    one(4, "type", Ty::Str, Z),
    many(5, "externalIPs", Ty::Str, Z),
    one(7, "sessionAffinity", Ty::Str, Z),
    one(8, "loadBalancerIP", Ty::Str, Z),
    many(9, "loadBalancerSourceRanges", Ty::Str, Z),
    one(10, "externalName", Ty::Str, Z),
    one(11, "externalTrafficPolicy", Ty::Str, Z),
    one(12, "healthCheckNodePort", Ty::I32, Z),
    one(13, "publishNotReadyAddresses", Ty::Bool, Z),
    one(14, "sessionAffinityConfig", Ty::Msg(&SESSION_AFFINITY_CONFIG), P),
    many(19, "ipFamilies", Ty::Str, Z),
    one(17, "ipFamilyPolicy", Ty::Str, P),
    one(20, "allocateLoadBalancerNodePorts", Ty::Bool, P),
    one(21, "loadBalancerClass", Ty::Str, P),
    one(22, "internalTrafficPolicy", Ty::Str, P),
    one(23, "trafficDistribution", Ty::Str, P),
]}

msg! { SERVICE_STATUS = "io.k8s.api.core.v1.ServiceStatus" [
    one(1, "loadBalancer", Ty::Msg(&LOAD_BALANCER_STATUS), A),
    many(2, "conditions", Ty::Msg(&super::meta::CONDITION), Z),
]}

msg! { OBJECT_REFERENCE = "io.k8s.api.core.v1.ObjectReference" [
    one(1, "kind", Ty::Str, Z),
    one(2, "namespace", Ty::Str, Z),
    one(3, "name", Ty::Str, Z),
    one(4, "uid", Ty::Str, Z),
    one(5, "apiVersion", Ty::Str, Z),
    one(6, "resourceVersion", Ty::Str, Z),
    one(7, "fieldPath", Ty::Str, Z),
]}

msg! { ENDPOINT_SUBSET = "io.k8s.api.core.v1.EndpointSubset" [
    many(1, "addresses", Ty::Msg(&ENDPOINT_ADDRESS), Z),
    many(2, "notReadyAddresses", Ty::Msg(&ENDPOINT_ADDRESS), Z),
    many(3, "ports", Ty::Msg(&ENDPOINT_PORT), Z),
]}

msg! { EVENT_SOURCE = "io.k8s.api.core.v1.EventSource" [
    one(1, "component", Ty::Str, Z),
    one(2, "host", Ty::Str, Z),
]}

msg! { EVENT_SERIES = "io.k8s.api.core.v1.EventSeries" [
    one(1, "count", Ty::I32, Z),
    one(2, "lastObservedTime", Ty::MicroTime, A),
]}

msg! { POD_TEMPLATE_SPEC = "io.k8s.api.core.v1.PodTemplateSpec" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&super::pod::POD_SPEC), A),
]}

msg! { NAMESPACE_CONDITION = "io.k8s.api.core.v1.NamespaceCondition" [
    one(1, "type", Ty::Str, A),
    one(2, "status", Ty::Str, A),
    one(4, "lastTransitionTime", Ty::Time, A),
    one(5, "reason", Ty::Str, Z),
    one(6, "message", Ty::Str, Z),
]}

msg! { SERVICE_PORT = "io.k8s.api.core.v1.ServicePort" [
    one(1, "name", Ty::Str, Z),
    one(2, "protocol", Ty::Str, Z),
    one(6, "appProtocol", Ty::Str, P),
    one(3, "port", Ty::I32, A),
    one(4, "targetPort", Ty::IntOrString, A),
    one(5, "nodePort", Ty::I32, Z),
]}

msg! { SESSION_AFFINITY_CONFIG = "io.k8s.api.core.v1.SessionAffinityConfig" [
    one(1, "clientIP", Ty::Msg(&CLIENT_IP_CONFIG), P),
]}

msg! { LOAD_BALANCER_STATUS = "io.k8s.api.core.v1.LoadBalancerStatus" [
    many(1, "ingress", Ty::Msg(&LOAD_BALANCER_INGRESS), Z),
]}

msg! { ENDPOINT_ADDRESS = "io.k8s.api.core.v1.EndpointAddress" [
    one(1, "ip", Ty::Str, A),
    one(3, "hostname", Ty::Str, Z),
    one(4, "nodeName", Ty::Str, P),
    one(2, "targetRef", Ty::Msg(&OBJECT_REFERENCE), P),
]}

msg! { ENDPOINT_PORT = "io.k8s.api.core.v1.EndpointPort" [
    one(1, "name", Ty::Str, Z),
    one(2, "port", Ty::I32, A),
    one(3, "protocol", Ty::Str, Z),
    one(4, "appProtocol", Ty::Str, P),
]}

msg! { CLIENT_IP_CONFIG = "io.k8s.api.core.v1.ClientIPConfig" [
    one(1, "timeoutSeconds", Ty::I32, P),
]}

msg! { LOAD_BALANCER_INGRESS = "io.k8s.api.core.v1.LoadBalancerIngress" [
    one(1, "ip", Ty::Str, Z),
    one(2, "hostname", Ty::Str, Z),
    one(3, "ipMode", Ty::Str, P),
    many(4, "ports", Ty::Msg(&PORT_STATUS), Z),
]}

msg! { PORT_STATUS = "io.k8s.api.core.v1.PortStatus" [
    one(1, "port", Ty::I32, A),
    one(2, "protocol", Ty::Str, A),
    one(3, "error", Ty::Str, P),
]}
