//! Every request is authenticated and authorized; refusals are the real server's 401 and 403.

use serde_json::json;

use super::{admin, as_token, grant, rollouts, user, world};

#[tokio::test]
async fn an_unknown_token_is_401_and_no_token_is_the_admin() {
    let server = world().await;
    let bad = as_token(&server, "t-nobody", "GET", &rollouts("shop"), None).await;
    assert_eq!(bad.code, 401);
    assert_eq!(
        bad.body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
    );
    let denied_write =
        as_token(&server, "t-nobody", "DELETE", &format!("{}/web", rollouts("shop")), None).await;
    assert_eq!(denied_write.code, 401);
    // No credentials at all: the default admin, as before authentication existed.
    let list = crate::common::http::get(&server, &rollouts("shop")).await;
    assert_eq!(list.code, 200);
    admin(&server, "PATCH", &format!("{}/web", rollouts("shop")), &json!({"spec": {"replicas": 3}})).await;
    let audit = server.audit.lock().unwrap();
    let users: Vec<(&str, u16)> = audit.iter().rev().take(2).map(|e| (e.user.as_str(), e.code)).collect();
    assert_eq!(users, [("kubernetes-admin", 200), ("", 401)]);
    assert_eq!(audit.back().unwrap().groups, ["system:masters", "system:authenticated"]);
}

#[tokio::test]
async fn refusals_name_the_user_verb_resource_group_and_namespace() {
    let server = world().await;
    let web = format!("{}/web", rollouts("shop"));
    let patch = as_token(&server, "t-alice", "PATCH", &web, Some(&json!({"spec": {"replicas": 5}}))).await;
    assert_eq!(patch.code, 403);
    assert_eq!(
        patch.body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "rollouts.ramp.dev \"web\" is forbidden: User \"alice\" cannot patch resource \"rollouts\" in API group \"ramp.dev\" in the namespace \"shop\"",
               "reason": "Forbidden", "details": {"name": "web", "group": "ramp.dev", "kind": "rollouts"}, "code": 403})
    );
    let list = as_token(&server, "t-alice", "GET", "/api/v1/namespaces/shop/pods", None).await;
    assert_eq!(
        list.body["message"],
        "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\""
    );
    assert_eq!(list.body["details"], json!({"kind": "pods"}));
    let watch = as_token(&server, "t-alice", "GET", "/api/v1/namespaces?watch=true", None).await;
    assert_eq!(
        watch.body["message"],
        "namespaces is forbidden: User \"alice\" cannot watch resource \"namespaces\" in API group \"\" at the cluster scope"
    );
    let status = as_token(&server, "t-alice", "PUT", &format!("{web}/status"), Some(&json!({}))).await;
    assert_eq!(
        status.body["message"],
        "rollouts.ramp.dev \"web\" is forbidden: User \"alice\" cannot update resource \"rollouts/status\" in API group \"ramp.dev\" in the namespace \"shop\""
    );
    let path = as_token(&server, "t-alice", "POST", "/version", Some(&json!({}))).await;
    assert_eq!(
        (path.code, path.body["message"].as_str()),
        (403, Some("forbidden: User \"alice\" cannot post path \"/version\""))
    );
    assert_eq!(path.body["details"], json!({}));
    // Authorization comes before routing: a resource that does not exist is refused, not 404.
    let missing = as_token(&server, "t-alice", "GET", "/apis/nothing.dev/v1/widgets", None).await;
    assert_eq!(missing.code, 403);
    // Discovery is open to every authenticated user.
    for path in ["/version", "/api", "/api/v1", "/apis", "/apis/ramp.dev/v1alpha1", "/openapi/v3"] {
        assert_eq!(as_token(&server, "t-alice", "GET", path, None).await.code, 200, "{path}");
    }
    // A refused write is in the audit log, with who tried.
    let audit = server.audit.lock().unwrap();
    let refused: Vec<_> =
        audit.iter().filter(|e| e.code == 403).map(|e| (e.user.clone(), e.method.clone())).collect();
    assert_eq!(refused, [("alice".to_string(), "PATCH".to_string()), ("alice".into(), "PUT".into())]);
}

#[tokio::test]
async fn granted_verbs_work_and_others_stay_refused() {
    let server = world().await;
    let rules = json!([
        {"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["get", "list", "watch", "patch"]},
        {"apiGroups": ["ramp.dev"], "resources": ["rollouts/status"], "verbs": ["patch"]},
    ]);
    grant(&server, "shop", "rollout-operator", rules, json!({"kind": "Group", "name": "devs"})).await;
    let web = format!("{}/web", rollouts("shop"));
    let patched = as_token(&server, "t-alice", "PATCH", &web, Some(&json!({"spec": {"replicas": 4}}))).await;
    assert_eq!(patched.code, 200, "{}", patched.body);
    assert_eq!(patched.body["spec"]["replicas"], 4);
    let status = as_token(
        &server,
        "t-alice",
        "PATCH",
        &format!("{web}/status"),
        Some(&json!({"status": {"phase": "Paused"}})),
    )
    .await;
    assert_eq!(status.code, 200, "{}", status.body);
    assert_eq!(as_token(&server, "t-alice", "GET", &rollouts("shop"), None).await.code, 200);
    assert_eq!(as_token(&server, "t-alice", "DELETE", &web, None).await.code, 403);
    assert_eq!(
        as_token(&server, "t-alice", "GET", &rollouts("bank"), None).await.code,
        403,
        "other namespace"
    );
    assert_eq!(as_token(&server, "t-bob", "GET", &web, None).await.code, 403, "bob is not in devs");
    // The audit log proves who wrote.
    let audit = server.audit.lock().unwrap();
    let writes: Vec<_> =
        audit.iter().filter(|e| e.code == 200 && e.user == "alice").map(|e| e.path.clone()).collect();
    assert_eq!(writes, [web.clone(), format!("{web}/status")]);
    assert_eq!(
        audit.iter().rev().find(|e| e.user == "alice").unwrap().groups,
        ["devs", "system:authenticated"]
    );
}

#[tokio::test]
async fn an_apply_that_creates_needs_create_as_well_as_patch() {
    let server = world().await;
    let rules = json!([{"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["patch"]}]);
    grant(&server, "shop", "patcher", rules, user("alice")).await;
    let body = json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "new"}, "spec": {"replicas": 1}});
    let apply = |name: &str| format!("{}/{name}?fieldManager=alice", rollouts("shop"));
    let headers = [("authorization", "Bearer t-alice"), ("content-type", "application/apply-patch+yaml")];
    let refused = crate::common::http::call(&server, "PATCH", &apply("new"), &headers, Some(&body)).await;
    assert_eq!(refused.code, 403);
    // The create check gives the authorizer's reason alone, which RBAC leaves empty.
    assert_eq!(refused.body["message"], "rollouts.ramp.dev \"new\" is forbidden: ");
    assert_eq!(refused.body["details"], json!({"name": "new", "group": "ramp.dev", "kind": "rollouts"}));
    // An apply to an object that exists is a patch.
    let mut existing = body.clone();
    existing["metadata"]["name"] = json!("web");
    existing["spec"]["replicas"] = json!(2); // the value it has: no conflict with its creator
    let ok = crate::common::http::call(&server, "PATCH", &apply("web"), &headers, Some(&existing)).await;
    assert_eq!(ok.code, 200, "{}", ok.body);
    let more = json!([{"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["create"]}]);
    grant(&server, "shop", "creator", more, user("alice")).await;
    let created = crate::common::http::call(&server, "PATCH", &apply("new"), &headers, Some(&body)).await;
    assert_eq!(created.code, 201, "{}", created.body);
}

#[tokio::test]
async fn other_credentials_are_anonymous() {
    let server = world().await;
    let basic = crate::common::http::call(
        &server,
        "GET",
        "/api/v1/namespaces",
        &[("authorization", "Basic YTpi")],
        None,
    )
    .await;
    assert_eq!(basic.code, 403);
    assert_eq!(
        basic.body["message"],
        "namespaces is forbidden: User \"system:anonymous\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope"
    );
    let health =
        crate::common::http::call(&server, "GET", "/healthz", &[("authorization", "Bearer ")], None).await;
    assert_eq!(health.code, 200, "system:public-info-viewer is bound to system:unauthenticated");
}
