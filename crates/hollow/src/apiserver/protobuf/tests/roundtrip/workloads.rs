//! Round trips of the workload kinds: Pod (spec and status), Deployment, ReplicaSet.

use k8s_pb::{
    api::{apps, core::v1 as core},
    apimachinery::pkg::{
        apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference},
        util::intstr::IntOrString,
    },
};
use serde_json::json;

use super::{super::decode_pb, map, meta, quantity, s, time};

#[test]
fn pod_with_status() {
    let pod = core::Pod {
        metadata: Some(ObjectMeta {
            name: s("web-1"),
            namespace: s("default"),
            uid: s("u1"),
            creation_timestamp: time(0),
            labels: map(&[("app", "web".to_owned())]),
            owner_references: vec![OwnerReference {
                api_version: s("apps/v1"),
                kind: s("ReplicaSet"),
                name: s("web-abc"),
                uid: s("r1"),
                controller: Some(true),
                block_owner_deletion: None,
            }],
            ..Default::default()
        }),
        spec: Some(core::PodSpec {
            containers: vec![core::Container {
                name: s("app"),
                image: s("nginx:1.27"),
                image_pull_policy: s("IfNotPresent"),
                ports: vec![core::ContainerPort {
                    container_port: Some(8080),
                    protocol: s("TCP"),
                    ..Default::default()
                }],
                resources: Some(core::ResourceRequirements {
                    limits: map(&[("cpu", quantity("500m"))]),
                    requests: map(&[("memory", quantity("64Mi"))]),
                    ..Default::default()
                }),
                readiness_probe: Some(core::Probe {
                    handler: Some(core::ProbeHandler {
                        http_get: Some(core::HttpGetAction {
                            path: s("/healthz"),
                            port: Some(IntOrString { r#type: Some(1), int_val: None, str_val: s("http") }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    period_seconds: Some(5),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            node_name: s("node-1"),
            restart_policy: s("Always"),
            ..Default::default()
        }),
        status: Some(core::PodStatus {
            phase: s("Running"),
            conditions: vec![core::PodCondition {
                r#type: s("Ready"),
                status: s("True"),
                last_transition_time: time(60),
                ..Default::default()
            }],
            host_ip: s("10.0.0.1"),
            host_ips: vec![core::HostIp { ip: s("10.0.0.1") }],
            pod_ip: s("10.1.0.5"),
            pod_ips: vec![core::PodIp { ip: s("10.1.0.5") }, core::PodIp { ip: s("fd00::5") }],
            start_time: time(0),
            container_statuses: vec![core::ContainerStatus {
                name: s("app"),
                state: Some(core::ContainerState {
                    running: Some(core::ContainerStateRunning { started_at: time(5) }),
                    ..Default::default()
                }),
                ready: Some(true),
                restart_count: Some(0),
                image: s("nginx:1.27"),
                image_id: s("docker.io/library/nginx@sha256:abc"),
                container_id: s("containerd://abc"),
                started: Some(true),
                ..Default::default()
            }],
            qos_class: s("Burstable"),
            ..Default::default()
        }),
    };
    assert_eq!(
        decode_pb("v1", "Pod", &pod),
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web-1",
                "namespace": "default",
                "uid": "u1",
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"app": "web"},
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "r1", "controller": true}
                ]
            },
            "spec": {
                "containers": [{
                    "name": "app",
                    "image": "nginx:1.27",
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"limits": {"cpu": "500m"}, "requests": {"memory": "64Mi"}},
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5}
                }],
                "nodeName": "node-1",
                "restartPolicy": "Always"
            },
            "status": {
                "phase": "Running",
                "conditions": [{
                    "type": "Ready",
                    "status": "True",
                    "lastProbeTime": null,
                    "lastTransitionTime": "2026-01-01T00:01:00Z"
                }],
                "hostIP": "10.0.0.1",
                "hostIPs": [{"ip": "10.0.0.1"}],
                "podIP": "10.1.0.5",
                "podIPs": [{"ip": "10.1.0.5"}, {"ip": "fd00::5"}],
                "startTime": "2026-01-01T00:00:00Z",
                "containerStatuses": [{
                    "name": "app",
                    "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}},
                    "lastState": {},
                    "ready": true,
                    "restartCount": 0,
                    "image": "nginx:1.27",
                    "imageID": "docker.io/library/nginx@sha256:abc",
                    "containerID": "containerd://abc",
                    "started": true
                }],
                "qosClass": "Burstable"
            }
        })
    );
}

#[test]
fn deployment_with_strategy_and_zero_replicas() {
    let deployment = apps::v1::Deployment {
        metadata: meta("web"),
        spec: Some(apps::v1::DeploymentSpec {
            replicas: Some(0),
            selector: Some(LabelSelector {
                match_labels: map(&[("app", "web".to_owned())]),
                ..Default::default()
            }),
            strategy: Some(apps::v1::DeploymentStrategy {
                r#type: s("RollingUpdate"),
                rolling_update: Some(apps::v1::RollingUpdateDeployment {
                    max_unavailable: Some(IntOrString { r#type: Some(0), int_val: Some(0), str_val: None }),
                    max_surge: Some(IntOrString { r#type: Some(1), int_val: None, str_val: s("25%") }),
                }),
            }),
            ..Default::default()
        }),
        status: None,
    };
    assert_eq!(
        decode_pb("apps/v1", "Deployment", &deployment),
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"creationTimestamp": null}, "spec": {"containers": null}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}}
            },
            "status": {}
        })
    );
}

#[test]
fn replicaset_without_selector() {
    let rs = apps::v1::ReplicaSet {
        metadata: meta("web-abc"),
        spec: Some(apps::v1::ReplicaSetSpec { replicas: Some(3), ..Default::default() }),
        status: Some(apps::v1::ReplicaSetStatus {
            replicas: Some(3),
            ready_replicas: Some(2),
            ..Default::default()
        }),
    };
    assert_eq!(
        decode_pb("apps/v1", "ReplicaSet", &rs),
        json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web-abc", "namespace": "default", "creationTimestamp": null},
            "spec": {
                "replicas": 3,
                "selector": null,
                "template": {"metadata": {"creationTimestamp": null}, "spec": {"containers": null}}
            },
            "status": {"replicas": 3, "readyReplicas": 2}
        })
    );
}
