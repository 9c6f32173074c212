//! Bodies captured from the real `kubectl` v1.32 against a capture server (`testdata/capture`).
//! The expected JSON is what kubectl itself printed (`-o json`) when served the same bytes back as
//! a protobuf response, i.e. Go's own decoding.

use serde_json::json;

use super::super::decode;

#[test]
fn create_deployment_decodes_to_the_generated_deployment() {
    // kubectl create deployment web --image=nginx:1.27 --replicas=2 --port=80
    let got = decode(include_bytes!("../testdata/capture/create_deployment.pb")).unwrap();
    assert_eq!(got["spec"]["replicas"], 2);
    assert_eq!(got["spec"]["selector"], json!({"matchLabels": {"app": "web"}}));
    assert_eq!(got["spec"]["template"]["metadata"]["labels"], json!({"app": "web"}));
    let container = &got["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["name"], "nginx");
    assert_eq!(container["image"], "nginx:1.27");
    assert_eq!(container["ports"], json!([{"containerPort": 80}]));
    assert_eq!(
        got,
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"creationTimestamp": null, "labels": {"app": "web"}, "name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {},
                "template": {
                    "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                    "spec": {
                        "containers": [{
                            "image": "nginx:1.27",
                            "name": "nginx",
                            "ports": [{"containerPort": 80}],
                            "resources": {}
                        }]
                    }
                }
            },
            "status": {}
        })
    );
}

#[test]
fn create_configmap() {
    // kubectl create configmap settings --from-literal=mode=fast --from-literal=level=3
    let got = decode(include_bytes!("../testdata/capture/create_configmap.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"creationTimestamp": null, "name": "settings"},
            "data": {"level": "3", "mode": "fast"}
        })
    );
}

#[test]
fn create_secret_generic() {
    // kubectl create secret generic creds --from-literal=a=b
    let got = decode(include_bytes!("../testdata/capture/create_secret_generic.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"creationTimestamp": null, "name": "creds"},
            "data": {"a": "Yg=="}
        })
    );
}

#[test]
fn create_service_clusterip() {
    // kubectl create service clusterip x --tcp=80:8080
    let got = decode(include_bytes!("../testdata/capture/create_service_clusterip.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"creationTimestamp": null, "labels": {"app": "x"}, "name": "x"},
            "spec": {
                "ports": [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                "selector": {"app": "x"},
                "type": "ClusterIP"
            },
            "status": {"loadBalancer": {}}
        })
    );
}

#[test]
fn create_namespace() {
    // kubectl create namespace team-a
    let got = decode(include_bytes!("../testdata/capture/create_namespace.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"creationTimestamp": null, "name": "team-a"},
            "spec": {},
            "status": {}
        })
    );
}

#[test]
fn create_serviceaccount() {
    // kubectl create serviceaccount robot
    let got = decode(include_bytes!("../testdata/capture/create_serviceaccount.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"creationTimestamp": null, "name": "robot"}
        })
    );
}

#[test]
fn create_poddisruptionbudget() {
    // kubectl create poddisruptionbudget web-pdb --selector=app=web --min-available=50%
    let got = decode(include_bytes!("../testdata/capture/create_poddisruptionbudget.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"creationTimestamp": null, "name": "web-pdb"},
            "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}},
            "status": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0}
        })
    );
}

#[test]
fn drain_delete_options() {
    // kubectl drain node1 --disable-eviction --grace-period=10 (the pod DELETE's body)
    let got = decode(include_bytes!("../testdata/capture/drain_delete_options.pb")).unwrap();
    assert_eq!(got, json!({"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 10}));
}
