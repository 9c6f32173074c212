//! kubectl as an oracle (`testdata/oracle/<Kind>.json`): crafted protobuf objects, served to the
//! real kubectl v1.32 as API responses, and the JSON it printed (`-o json`), i.e. Go's protobuf
//! decoding followed by `encoding/json`. Each kind has objects with every field absent, every
//! field present with its zero value, and every field set, at each nesting depth.

use serde_json::Value;

use super::{super::decode, diff, unbase64};

/// Fields added after Kubernetes 1.32: kubectl's structs drop them, the decoder keeps them.
/// `managedFields` is dropped by `kubectl events`' printer.
const UNKNOWN_TO_KUBECTL: &[&str] = &[
    "fileKeyRef",
    "hostnameOverride",
    "managedFields",
    "podCertificate",
    "restartPolicyRules",
    "stopSignal",
    "terminatingReplicas",
    "workloadRef",
];

fn check(kind: &str, fixture: &str) {
    let cases: Vec<Value> = serde_json::from_str(fixture).unwrap();
    assert!(cases.len() >= 3, "{kind}: too few cases");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let body = unbase64(case["protobuf"].as_str().unwrap());
        let ours = decode(&body).unwrap_or_else(|e| panic!("{kind} {name}: {e}"));
        let out = diff(&ours, &case["kubectl"], UNKNOWN_TO_KUBECTL);
        failures.extend(out.into_iter().map(|line| format!("{kind} {name}: {line}")));
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn deployment_matches_kubectl() {
    check("Deployment", include_str!("../testdata/oracle/Deployment.json"));
}

#[test]
fn replicaset_matches_kubectl() {
    check("ReplicaSet", include_str!("../testdata/oracle/ReplicaSet.json"));
}

#[test]
fn namespace_matches_kubectl() {
    check("Namespace", include_str!("../testdata/oracle/Namespace.json"));
}

#[test]
fn configmap_matches_kubectl() {
    check("ConfigMap", include_str!("../testdata/oracle/ConfigMap.json"));
}

#[test]
fn secret_matches_kubectl() {
    check("Secret", include_str!("../testdata/oracle/Secret.json"));
}

#[test]
fn service_matches_kubectl() {
    check("Service", include_str!("../testdata/oracle/Service.json"));
}

#[test]
fn serviceaccount_matches_kubectl() {
    check("ServiceAccount", include_str!("../testdata/oracle/ServiceAccount.json"));
}

#[test]
fn poddisruptionbudget_matches_kubectl() {
    check("PodDisruptionBudget", include_str!("../testdata/oracle/PodDisruptionBudget.json"));
}

#[test]
fn event_matches_kubectl() {
    check("Event", include_str!("../testdata/oracle/Event.json"));
}
