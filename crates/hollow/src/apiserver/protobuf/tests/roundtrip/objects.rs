//! Round trips of the other kinds: Lease, Endpoints, Event, Scale, Eviction/DeleteOptions, Secret,
//! ConfigMap, PodDisruptionBudget, Service.

use k8s_pb::{
    api::{autoscaling, coordination, core::v1 as core, policy},
    apimachinery::pkg::{
        apis::meta::v1::{DeleteOptions, FieldsV1, ManagedFieldsEntry, ObjectMeta, Preconditions, Time},
        util::intstr::IntOrString,
    },
};
use serde_json::json;

use super::{super::decode_pb, T0, map, meta, micro, s, time};

#[test]
fn lease_with_micro_times() {
    let lease = coordination::v1::Lease {
        metadata: meta("ramp"),
        spec: Some(coordination::v1::LeaseSpec {
            holder_identity: s("ramp-0"),
            lease_duration_seconds: Some(15),
            acquire_time: micro(0, 123_456_789),
            renew_time: micro(10, 5_000),
            lease_transitions: Some(0),
            ..Default::default()
        }),
    };
    assert_eq!(
        decode_pb("coordination.k8s.io/v1", "Lease", &lease),
        json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": "ramp", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "holderIdentity": "ramp-0",
                "leaseDurationSeconds": 15,
                "acquireTime": "2026-01-01T00:00:00.123456Z",
                "renewTime": "2026-01-01T00:00:10.000005Z",
                "leaseTransitions": 0
            }
        })
    );
}

#[test]
fn endpoints() {
    let endpoints = core::Endpoints {
        metadata: meta("web"),
        subsets: vec![core::EndpointSubset {
            addresses: vec![core::EndpointAddress {
                ip: s("10.1.0.5"),
                node_name: s("node-1"),
                target_ref: Some(core::ObjectReference {
                    kind: s("Pod"),
                    namespace: s("default"),
                    name: s("web-1"),
                    uid: s("u1"),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            not_ready_addresses: vec![],
            ports: vec![core::EndpointPort {
                name: s("http"),
                port: Some(8080),
                protocol: s("TCP"),
                app_protocol: None,
            }],
        }],
    };
    assert_eq!(
        decode_pb("v1", "Endpoints", &endpoints),
        json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
            "subsets": [{
                "addresses": [{
                    "ip": "10.1.0.5",
                    "nodeName": "node-1",
                    "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "u1"}
                }],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
            }]
        })
    );
}

#[test]
fn event() {
    let event = core::Event {
        metadata: meta("web-1.1"),
        involved_object: Some(core::ObjectReference {
            kind: s("Pod"),
            name: s("web-1"),
            ..Default::default()
        }),
        reason: s("Scheduled"),
        message: s("Successfully assigned default/web-1 to node-1"),
        source: Some(core::EventSource { component: s("default-scheduler"), host: None }),
        first_timestamp: time(0),
        last_timestamp: time(30),
        count: Some(2),
        r#type: s("Normal"),
        event_time: micro(0, 250_000_000),
        series: Some(core::EventSeries { count: Some(2), last_observed_time: micro(30, 0) }),
        reporting_component: s("ramp"),
        ..Default::default()
    };
    assert_eq!(
        decode_pb("v1", "Event", &event),
        json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "web-1.1", "namespace": "default", "creationTimestamp": null},
            "involvedObject": {"kind": "Pod", "name": "web-1"},
            "reason": "Scheduled",
            "message": "Successfully assigned default/web-1 to node-1",
            "source": {"component": "default-scheduler"},
            "firstTimestamp": "2026-01-01T00:00:00Z",
            "lastTimestamp": "2026-01-01T00:00:30Z",
            "count": 2,
            "type": "Normal",
            "eventTime": "2026-01-01T00:00:00.250000Z",
            "series": {"count": 2, "lastObservedTime": "2026-01-01T00:00:30.000000Z"},
            "reportingComponent": "ramp",
            "reportingInstance": ""
        })
    );
}

#[test]
fn scale() {
    let scale = autoscaling::v1::Scale {
        metadata: meta("web"),
        spec: Some(autoscaling::v1::ScaleSpec { replicas: Some(4) }),
        status: Some(autoscaling::v1::ScaleStatus { replicas: Some(2), selector: s("app=web") }),
    };
    assert_eq!(
        decode_pb("autoscaling/v1", "Scale", &scale),
        json!({
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
            "spec": {"replicas": 4},
            "status": {"replicas": 2, "selector": "app=web"}
        })
    );
}

#[test]
fn eviction_and_delete_options() {
    let options = DeleteOptions {
        grace_period_seconds: Some(0),
        preconditions: Some(Preconditions { uid: s("u1"), resource_version: None }),
        propagation_policy: s("Foreground"),
        dry_run: vec!["All".to_owned()],
        ..Default::default()
    };
    let eviction = policy::v1::Eviction { metadata: meta("web-1"), delete_options: Some(options.clone()) };
    assert_eq!(
        decode_pb("policy/v1", "Eviction", &eviction),
        json!({
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": "web-1", "namespace": "default", "creationTimestamp": null},
            "deleteOptions": {
                "gracePeriodSeconds": 0,
                "preconditions": {"uid": "u1"},
                "propagationPolicy": "Foreground",
                "dryRun": ["All"]
            }
        })
    );
    // client-go stamps DeleteOptions with the group version of the client sending it.
    assert_eq!(
        decode_pb("apps/v1", "DeleteOptions", &options),
        json!({
            "apiVersion": "apps/v1",
            "kind": "DeleteOptions",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": "u1"},
            "propagationPolicy": "Foreground",
            "dryRun": ["All"]
        })
    );
}

#[test]
fn secret_and_configmap_bytes_are_base64() {
    let secret = core::Secret {
        metadata: meta("creds"),
        data: map(&[("token", b"s3cr3t\xff".to_vec()), ("empty", Vec::new())]),
        r#type: s("Opaque"),
        ..Default::default()
    };
    assert_eq!(
        decode_pb("v1", "Secret", &secret),
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "creds", "namespace": "default", "creationTimestamp": null},
            "data": {"empty": "", "token": "czNjcjN0/w=="},
            "type": "Opaque"
        })
    );
    let config = core::ConfigMap {
        metadata: meta("cfg"),
        data: map(&[("a", "1".to_owned())]),
        binary_data: map(&[("bin", vec![0u8, 1, 2])]),
        immutable: Some(false),
    };
    assert_eq!(
        decode_pb("v1", "ConfigMap", &config),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg", "namespace": "default", "creationTimestamp": null},
            "immutable": false,
            "data": {"a": "1"},
            "binaryData": {"bin": "AAEC"}
        })
    );
}

#[test]
fn pdb_with_int_max_unavailable_and_managed_fields() {
    let pdb = policy::v1::PodDisruptionBudget {
        metadata: Some(ObjectMeta {
            name: s("web"),
            managed_fields: vec![ManagedFieldsEntry {
                manager: s("kubectl-create"),
                operation: s("Update"),
                api_version: s("policy/v1"),
                time: time(0),
                fields_type: s("FieldsV1"),
                fields_v1: Some(FieldsV1 { raw: Some(br#"{"f:spec":{"f:maxUnavailable":{}}}"#.to_vec()) }),
                subresource: None,
            }],
            ..Default::default()
        }),
        spec: Some(policy::v1::PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString { r#type: Some(0), int_val: Some(1), str_val: None }),
            ..Default::default()
        }),
        status: Some(policy::v1::PodDisruptionBudgetStatus {
            disrupted_pods: map(&[("web-1", Time { seconds: Some(T0), nanos: None })]),
            ..Default::default()
        }),
    };
    assert_eq!(
        decode_pb("policy/v1", "PodDisruptionBudget", &pdb),
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {
                "name": "web",
                "creationTimestamp": null,
                "managedFields": [{
                    "manager": "kubectl-create",
                    "operation": "Update",
                    "apiVersion": "policy/v1",
                    "time": "2026-01-01T00:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {"f:maxUnavailable": {}}}
                }]
            },
            "spec": {"maxUnavailable": 1},
            "status": {
                "disruptedPods": {"web-1": "2026-01-01T00:00:00Z"},
                "currentHealthy": 0,
                "desiredHealthy": 0,
                "disruptionsAllowed": 0,
                "expectedPods": 0
            }
        })
    );
}

#[test]
fn service_with_named_target_port() {
    let service = core::Service {
        metadata: meta("web"),
        spec: Some(core::ServiceSpec {
            ports: vec![core::ServicePort {
                name: s("http"),
                port: Some(80),
                target_port: Some(IntOrString { r#type: Some(1), int_val: None, str_val: s("http") }),
                ..Default::default()
            }],
            selector: map(&[("app", "web".to_owned())]),
            cluster_ip: s("10.96.0.10"),
            cluster_ips: vec!["10.96.0.10".to_owned()],
            internal_traffic_policy: s("Cluster"),
            ..Default::default()
        }),
        status: None,
    };
    assert_eq!(
        decode_pb("v1", "Service", &service),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
                "selector": {"app": "web"},
                "clusterIP": "10.96.0.10",
                "clusterIPs": ["10.96.0.10"],
                "internalTrafficPolicy": "Cluster"
            },
            "status": {"loadBalancer": {}}
        })
    );
}
