//! Tables as the real printers make them: built-in kinds' columns (priority 1 for `-o wide`),
//! a CRD's declared columns after Name (Age only when it declares none), and kubectl's view.

use crate::common;

use std::sync::Arc;

use common::{
    http::{post, table},
    kubectl::Kubectl,
};
use hollow::{apiserver::ApiServer, clock};
use serde_json::{Value, json};

fn columns(t: &Value) -> Vec<(String, i64)> {
    t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["priority"].as_i64().unwrap()))
        .collect()
}

fn names(cols: &[(String, i64)]) -> Vec<&str> {
    cols.iter().map(|(n, _)| n.as_str()).collect()
}

#[tokio::test]
async fn built_in_kinds_have_the_real_printers_columns() {
    let s: Arc<ApiServer> = ApiServer::new(clock::Clock::virtual_at(clock::epoch()));
    let cases = [
        (
            "/api/v1/namespaces/default/pods",
            vec![
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates",
            ],
        ),
        (
            "/apis/apps/v1/namespaces/default/replicasets",
            vec!["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"],
        ),
        (
            "/apis/apps/v1/namespaces/default/deployments",
            vec!["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
        ),
        (
            "/api/v1/namespaces/default/services",
            vec!["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"],
        ),
        (
            "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
            vec!["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"],
        ),
        ("/apis/coordination.k8s.io/v1/namespaces/default/leases", vec!["Name", "Holder", "Age"]),
        ("/api/v1/namespaces/default/configmaps", vec!["Name", "Data", "Age"]),
        ("/api/v1/namespaces", vec!["Name", "Status", "Age"]),
        ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", vec!["Name", "Created At"]),
    ];
    for (path, want) in cases {
        let t = table(&s, path).await.body;
        assert_eq!(names(&columns(&t)), want, "{path}");
    }
    let pods = columns(&table(&s, "/api/v1/namespaces/default/pods").await.body);
    assert!(
        pods.iter().all(|(n, p)| *p
            == i64::from(["IP", "Node", "Nominated Node", "Readiness Gates"].contains(&n.as_str())))
    );
    let rs = json!({"metadata": {"name": "web"}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}});
    assert_eq!(post(&s, "/apis/apps/v1/namespaces/default/replicasets", &rs).await.code, 201);
    let t = table(&s, "/apis/apps/v1/namespaces/default/replicasets").await.body;
    assert_eq!(t["rows"][0]["cells"], json!(["web", 2, 0, 0, "0s", "c", "nginx:1.27", "app=web"]));
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

#[tokio::test]
async fn crds_show_name_and_their_columns_and_age_only_without_any() {
    let s: Arc<ApiServer> = ApiServer::new(clock::Clock::virtual_at(clock::epoch()));
    let crd = |plural: &str, columns: Value| {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.example.com")},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": plural, "singular": plural.trim_end_matches('s'), "kind": format!("K{plural}")},
                 "versions": [{"name": "v1", "served": true, "storage": true, "additionalPrinterColumns": columns,
                               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}})
    };
    let crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    assert_eq!(post(&s, crds, &crd("plains", json!([]))).await.code, 201);
    let cols = json!([{"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                      {"name": "Owner", "type": "string", "jsonPath": ".spec.owner", "priority": 1}]);
    assert_eq!(post(&s, crds, &crd("fancies", cols)).await.code, 201);
    let t = table(&s, "/apis/example.com/v1/namespaces/default/plains").await.body;
    assert_eq!(columns(&t), [("Name".to_string(), 0), ("Age".to_string(), 0)]);
    let t = table(&s, "/apis/example.com/v1/namespaces/default/fancies").await.body;
    assert_eq!(columns(&t), [("Name".to_string(), 0), ("Phase".to_string(), 0), ("Owner".to_string(), 1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_and_wide() {
    let k = Kubectl::start("tables").await;
    k.ok(&["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2"]).await;
    k.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
    let header =
        |out: &str| out.lines().next().unwrap().split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(header(&k.ok(&["get", "pods"]).await), ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    assert_eq!(
        header(&k.ok(&["get", "pods", "-o", "wide"]).await),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ]
    );
    assert_eq!(header(&k.ok(&["get", "rs"]).await), ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    let wide = k.ok(&["get", "deploy", "-o", "wide"]).await;
    assert_eq!(
        header(&wide),
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    );
    assert!(wide.lines().nth(1).unwrap().contains("nginx:1.27") && wide.contains("app=web"), "{wide}");
}
