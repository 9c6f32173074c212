//! The access reviews answer from the same authenticator and authorizer requests meet.

use serde_json::{Value, json};

use super::{admin, as_token, grant, user, world};

const SAR: &str = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
const SSAR: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

fn approve_web(ns: &str) -> Value {
    json!({"namespace": ns, "verb": "approve", "group": "ramp.dev", "resource": "rollouts", "name": "web"})
}

#[tokio::test]
async fn token_reviews_say_who_a_token_is() {
    let server = world().await;
    let review = |token: &str| json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}});
    let known =
        admin(&server, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", &review("t-alice")).await;
    assert_eq!(known.code, 201);
    assert_eq!(
        known.body,
        json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
            "metadata": {"creationTimestamp": null},
            "spec": {"token": "t-alice"},
            "status": {
                "authenticated": true,
                "user": {"username": "alice", "uid": "uid-alice", "groups": ["devs", "system:authenticated"]},
                "audiences": ["https://kubernetes.default.svc.cluster.local"],
            },
        })
    );
    let unknown =
        admin(&server, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", &review("t-nobody")).await;
    assert_eq!(unknown.code, 201);
    assert_eq!(unknown.body["status"], json!({"user": {}, "error": "invalid bearer token"}));
    let empty =
        crate::common::http::post(&server, "/apis/authentication.k8s.io/v1/tokenreviews", &review("")).await;
    assert_eq!(
        (empty.code, empty.body["message"].as_str()),
        (400, Some("token is required for TokenReview in authentication"))
    );
    // Reviewing tokens is for those allowed to (system:auth-delegator), not for everyone.
    let refused = as_token(
        &server,
        "t-alice",
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        Some(&review("t-bob")),
    )
    .await;
    assert_eq!(refused.code, 403);
    // Reviews are created, never stored or read.
    let get = crate::common::http::get(&server, "/apis/authentication.k8s.io/v1/tokenreviews").await;
    assert_eq!((get.code, get.body["reason"].as_str()), (405, Some("MethodNotAllowed")));
}

#[tokio::test]
async fn self_subject_reviews_say_who_asks() {
    let server = world().await;
    let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let alice = as_token(
        &server,
        "t-alice",
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        Some(&body),
    )
    .await;
    assert_eq!(alice.code, 201, "{}", alice.body);
    assert_eq!(
        alice.body["status"],
        json!({"userInfo": {"username": "alice", "uid": "uid-alice", "groups": ["devs", "system:authenticated"]}})
    );
    let admin =
        crate::common::http::post(&server, "/apis/authentication.k8s.io/v1/selfsubjectreviews", &body).await;
    assert_eq!(
        admin.body["status"]["userInfo"],
        json!({"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]})
    );
}

#[tokio::test]
async fn subject_access_reviews_answer_for_any_user_and_verb() {
    let server = world().await;
    let rules = json!([{"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["approve"]}]);
    grant(&server, "shop", "approvers", rules, user("alice")).await;
    let sar = |spec: Value| json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec});
    let allowed = admin(
        &server,
        "POST",
        SAR,
        &sar(json!({"user": "alice", "groups": ["devs"], "resourceAttributes": approve_web("shop")})),
    )
    .await;
    assert_eq!(allowed.code, 201);
    assert_eq!(
        allowed.body["status"],
        json!({"allowed": true, "reason": "RBAC: allowed by RoleBinding \"approvers/shop\" of Role \"approvers\" to User \"alice\""})
    );
    assert_eq!(allowed.body["spec"]["resourceAttributes"], approve_web("shop"), "the spec is echoed");
    let elsewhere = admin(
        &server,
        "POST",
        SAR,
        &sar(json!({"user": "alice", "resourceAttributes": approve_web("bank")})),
    )
    .await;
    assert_eq!(elsewhere.body["status"], json!({"allowed": false}));
    let path = admin(&server, "POST", SAR, &sar(json!({"user": "bob", "groups": ["system:authenticated"], "nonResourceAttributes": {"path": "/apis", "verb": "get"}}))).await;
    assert_eq!(path.body["status"]["allowed"], true);
    // Exactly the groups the review names: without system:authenticated, no discovery.
    let bare = admin(
        &server,
        "POST",
        SAR,
        &sar(json!({"user": "bob", "nonResourceAttributes": {"path": "/apis", "verb": "get"}})),
    )
    .await;
    assert_eq!(bare.body["status"]["allowed"], false);

    let invalid = crate::common::http::post(&server, SAR, &sar(json!({}))).await;
    assert_eq!(invalid.code, 422);
    assert_eq!(
        invalid.body["message"],
        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: [spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: \"\": at least one of user or group must be specified]"
    );
    let both = crate::common::http::post(&server, SAR, &sar(json!({"user": "a", "resourceAttributes": approve_web("shop"), "nonResourceAttributes": {"path": "/x", "verb": "get"}}))).await;
    assert_eq!(
        both.body["message"],
        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/x\", Verb:\"get\"}: cannot be specified in combination with resourceAttributes"
    );
}

#[tokio::test]
async fn self_and_local_access_reviews_and_rules_reviews() {
    let server = world().await;
    let rules = json!([{"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["approve", "get"], "resourceNames": ["web"]}]);
    grant(&server, "shop", "web-approver", rules, json!({"kind": "Group", "name": "devs"})).await;
    let ssar = |attrs: Value| json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {"resourceAttributes": attrs}});
    let yes = as_token(&server, "t-alice", "POST", SSAR, Some(&ssar(approve_web("shop")))).await;
    assert_eq!(yes.code, 201, "{}", yes.body);
    assert_eq!(yes.body["status"]["allowed"], true);
    let no = as_token(&server, "t-bob", "POST", SSAR, Some(&ssar(approve_web("shop")))).await;
    assert_eq!(no.body["status"], json!({"allowed": false}));

    let lsar = |ns: &str, attrs: Value| json!({"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview", "metadata": {"namespace": ns}, "spec": {"user": "alice", "groups": ["devs"], "resourceAttributes": attrs}});
    let local = admin(
        &server,
        "POST",
        "/apis/authorization.k8s.io/v1/namespaces/shop/localsubjectaccessreviews",
        &lsar("shop", approve_web("shop")),
    )
    .await;
    assert_eq!(local.body["status"]["allowed"], true);
    assert_eq!(local.body["metadata"], json!({"namespace": "shop", "creationTimestamp": null}));
    let mismatch = crate::common::http::post(
        &server,
        "/apis/authorization.k8s.io/v1/namespaces/shop/localsubjectaccessreviews",
        &lsar("shop", approve_web("bank")),
    )
    .await;
    assert_eq!(mismatch.code, 422);
    assert!(
        mismatch.body["message"].as_str().unwrap().ends_with(
            "spec.resourceAttributes.namespace: Invalid value: \"bank\": must match metadata.namespace"
        ),
        "{}",
        mismatch.body
    );

    let ssrr = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "shop"}});
    let rules = as_token(
        &server,
        "t-alice",
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        Some(&ssrr),
    )
    .await;
    assert_eq!(rules.code, 201);
    let resource_rules = rules.body["status"]["resourceRules"].as_array().unwrap();
    assert!(
        resource_rules.contains(&json!({"verbs": ["approve", "get"], "apiGroups": ["ramp.dev"], "resources": ["rollouts"], "resourceNames": ["web"]})),
        "{resource_rules:?}"
    );
    assert!(resource_rules.contains(&json!({"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]})));
    assert!(
        rules.body["status"]["nonResourceRules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["nonResourceURLs"].as_array().unwrap().contains(&json!("/apis/*")))
    );
    assert_eq!(rules.body["status"]["incomplete"], false);
    assert_eq!(rules.body["spec"], json!({}));
}

#[tokio::test]
async fn the_reviews_are_in_discovery() {
    let server = world().await;
    let authn = crate::common::http::get(&server, "/apis/authentication.k8s.io/v1").await;
    let names: Vec<(&str, &Value)> = authn.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), &r["verbs"]))
        .collect();
    assert_eq!(names, [("selfsubjectreviews", &json!(["create"])), ("tokenreviews", &json!(["create"]))]);
    let authz = crate::common::http::get(&server, "/apis/authorization.k8s.io/v1").await;
    let mut names: Vec<&str> =
        authz.body["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "localsubjectaccessreviews",
            "selfsubjectaccessreviews",
            "selfsubjectrulesreviews",
            "subjectaccessreviews"
        ]
    );
    let core = crate::common::http::get(&server, "/api/v1").await;
    let token = core.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "serviceaccounts/token")
        .unwrap();
    assert_eq!(token["kind"], "TokenRequest");
    assert_eq!(token["group"], "authentication.k8s.io");
    let groups = crate::common::http::get(&server, "/apis").await;
    for g in ["authentication.k8s.io", "authorization.k8s.io", "rbac.authorization.k8s.io"] {
        assert!(groups.body["groups"].as_array().unwrap().iter().any(|x| x["name"] == g), "{g}");
    }
}
