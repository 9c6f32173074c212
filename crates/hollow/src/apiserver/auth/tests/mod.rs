//! Tests of authentication and authorization: rule matching and request attributes as
//! tables, the RBAC authorizer against objects in a server's store, the token file reader.

mod attributes;
mod authorizer;
mod csv;
mod rules;

use std::sync::Arc;

use serde_json::{Value, json};

use crate::{apiserver::ApiServer, clock::Clock};

/// A server with the default roles, and `objects` created through its API as the admin.
pub(super) fn server_with(objects: &[Value]) -> Arc<ApiServer> {
    let server = ApiServer::new(Clock::virtual_at(crate::clock::epoch()));
    for obj in objects {
        create(&server, obj);
    }
    server
}

/// Creates an object through the API (as the credential-less admin); panics if refused.
pub(super) fn create(server: &Arc<ApiServer>, obj: &Value) {
    let api_version = obj["apiVersion"].as_str().unwrap();
    let plural = match obj["kind"].as_str().unwrap() {
        "Namespace" => "namespaces",
        "ServiceAccount" => "serviceaccounts",
        "Role" => "roles",
        "RoleBinding" => "rolebindings",
        "ClusterRole" => "clusterroles",
        "ClusterRoleBinding" => "clusterrolebindings",
        other => panic!("no plural for {other}"),
    };
    let base = if api_version == "v1" { "/api/v1".to_string() } else { format!("/apis/{api_version}") };
    let path = match obj.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) => format!("{base}/namespaces/{ns}/{plural}"),
        None => format!("{base}/{plural}"),
    };
    let req = http::Request::post(path)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(obj).unwrap())
        .unwrap();
    let answer = server.call(&req);
    assert_eq!(answer.code.as_u16(), 201, "{obj}: {}", answer.body);
}

/// A namespace.
pub(super) fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

/// A Role (`namespace` Some) or ClusterRole with one rule.
pub(super) fn role(namespace: Option<&str>, name: &str, rule: Value) -> Value {
    let kind = if namespace.is_some() { "Role" } else { "ClusterRole" };
    let mut obj = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": name}, "rules": [rule]});
    if let Some(ns) = namespace {
        obj["metadata"]["namespace"] = json!(ns);
    }
    obj
}

/// A RoleBinding (`namespace` Some) or ClusterRoleBinding of `subjects` to `role_kind/role`.
pub(super) fn binding(
    namespace: Option<&str>,
    name: &str,
    role_kind: &str,
    role: &str,
    subjects: Value,
) -> Value {
    let kind = if namespace.is_some() { "RoleBinding" } else { "ClusterRoleBinding" };
    let mut obj = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": subjects,
    });
    if let Some(ns) = namespace {
        obj["metadata"]["namespace"] = json!(ns);
    }
    obj
}
