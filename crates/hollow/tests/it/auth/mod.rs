//! Authentication and authorization: bearer tokens, RBAC enforcement with the real 401 and
//! 403 answers, the access reviews, TokenRequest, through raw requests, kube-rs and the real
//! kubectl.

mod kube_rs;
mod kubectl;
mod requests;
mod reviews;
mod tokens;

use std::sync::Arc;

use hollow::{apiserver::ApiServer, clock::Clock};
use serde_json::{Value, json};

use crate::common::http::{Answer, call};

/// A Rollout CRD small enough to install in every test (authorization does not read schemas).
pub fn rollout_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "rollouts.ramp.dev"},
        "spec": {
            "group": "ramp.dev", "scope": "Namespaced",
            "names": {"plural": "rollouts", "singular": "rollout", "kind": "Rollout"},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}],
        },
    })
}

/// A server on a virtual clock with namespaces `shop` and `bank`, the Rollout CRD, a Rollout
/// `shop/web`, and the tokens `t-alice` (alice, group devs) and `t-bob` (bob).
pub async fn world() -> Arc<ApiServer> {
    let server = ApiServer::new(Clock::virtual_at(hollow::clock::epoch()));
    admin(&server, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", &rollout_crd()).await;
    for ns in ["shop", "bank"] {
        admin(&server, "POST", "/api/v1/namespaces", &json!({"metadata": {"name": ns}})).await;
    }
    let web = json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"}, "spec": {"replicas": 2}});
    admin(&server, "POST", "/apis/ramp.dev/v1alpha1/namespaces/shop/rollouts", &web).await;
    server.auth().add_token("t-alice", "alice", "uid-alice", &["devs"]);
    server.auth().add_token("t-bob", "bob", "uid-bob", &[] as &[&str]);
    server
}

/// A request without credentials (the default admin); panics unless it succeeds.
pub async fn admin(server: &Arc<ApiServer>, method: &str, path: &str, body: &Value) -> Answer {
    let a = call(server, method, path, &[], Some(body)).await;
    assert!(a.code < 300, "{method} {path}: {} {}", a.code, a.body);
    a
}

/// A request with `Authorization: Bearer <token>`.
pub async fn as_token(
    server: &Arc<ApiServer>,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Answer {
    let auth = format!("Bearer {token}");
    let mut headers = vec![("authorization", auth.as_str())];
    if method == "PATCH" {
        headers.push(("content-type", "application/merge-patch+json"));
    }
    call(server, method, path, &headers, body).await
}

/// Binds `subject` (a User, Group or ServiceAccount JSON) in `namespace` to a new Role with
/// `rules`, both named `name`.
pub async fn grant(server: &Arc<ApiServer>, namespace: &str, name: &str, rules: Value, subject: Value) {
    let rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces";
    admin(
        server,
        "POST",
        &format!("{rbac}/{namespace}/roles"),
        &json!({"metadata": {"name": name}, "rules": rules}),
    )
    .await;
    let binding = json!({
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [subject],
    });
    admin(server, "POST", &format!("{rbac}/{namespace}/rolebindings"), &binding).await;
}

/// `{"kind": "User", "name": name}`.
pub fn user(name: &str) -> Value {
    json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name})
}

/// The Rollout paths of namespace `ns`.
pub fn rollouts(ns: &str) -> String {
    format!("/apis/ramp.dev/v1alpha1/namespaces/{ns}/rollouts")
}
