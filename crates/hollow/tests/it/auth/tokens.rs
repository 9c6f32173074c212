//! Service-account tokens (TokenRequest) and token files.

use std::time::Duration;

use serde_json::{Value, json};

use super::{admin, as_token, grant, world};

const TOKEN: &str = "/api/v1/namespaces/shop/serviceaccounts/robot/token";
const WHOAMI: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

fn token_request(seconds: Option<i64>) -> Value {
    let mut spec = json!({});
    if let Some(s) = seconds {
        spec["expirationSeconds"] = json!(s);
    }
    json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec})
}

/// The claims part of a JWT.
fn claims(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    let digit = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => panic!("not base64url: {c}"),
    };
    let mut bytes = Vec::new();
    for chunk in part.as_bytes().chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, c)| n | u32::from(digit(*c)) << (18 - 6 * i));
        bytes.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn service_account_tokens_are_the_account_until_they_expire() {
    let server = world().await;
    let missing = crate::common::http::post(&server, TOKEN, &token_request(None)).await;
    assert_eq!(
        (missing.code, missing.body["message"].as_str()),
        (404, Some("serviceaccounts \"robot\" not found"))
    );
    let sa = admin(
        &server,
        "POST",
        "/api/v1/namespaces/shop/serviceaccounts",
        &json!({"metadata": {"name": "robot"}}),
    )
    .await;
    let uid = sa.body["metadata"]["uid"].as_str().unwrap().to_string();

    let issued = admin(&server, "POST", TOKEN, &token_request(Some(600))).await;
    assert_eq!(issued.code, 201);
    assert_eq!(issued.body["metadata"]["name"], "robot");
    assert_eq!(
        issued.body["spec"],
        json!({"audiences": ["https://kubernetes.default.svc.cluster.local"], "expirationSeconds": 600, "boundObjectRef": null})
    );
    assert_eq!(issued.body["status"]["expirationTimestamp"], "2026-01-01T00:10:00Z");
    let token = issued.body["status"]["token"].as_str().unwrap().to_string();
    let c = claims(&token);
    assert_eq!(c["sub"], "system:serviceaccount:shop:robot");
    assert_eq!(c["exp"], 1_767_225_600 + 600);
    assert_eq!(c["kubernetes.io"]["serviceaccount"], json!({"name": "robot", "uid": uid}));

    let me = as_token(&server, &token, "POST", WHOAMI, Some(&json!({}))).await;
    assert_eq!(me.code, 201, "{}", me.body);
    let info = &me.body["status"]["userInfo"];
    assert_eq!(info["username"], "system:serviceaccount:shop:robot");
    assert_eq!(info["uid"], uid.as_str());
    assert_eq!(
        info["groups"],
        json!(["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"])
    );
    assert!(
        info["extra"]["authentication.kubernetes.io/credential-id"][0].as_str().unwrap().starts_with("JTI=")
    );

    // RBAC sees the account as a ServiceAccount subject.
    let rules = json!([{"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["get"]}]);
    grant(&server, "shop", "robot-reads", rules, json!({"kind": "ServiceAccount", "name": "robot"})).await;
    assert_eq!(
        as_token(&server, &token, "GET", &format!("{}/web", super::rollouts("shop")), None).await.code,
        200
    );

    // Expiry is on the server's clock.
    server.clock.advance(Duration::from_secs(599));
    assert_eq!(as_token(&server, &token, "POST", WHOAMI, Some(&json!({}))).await.code, 201);
    server.clock.advance(Duration::from_secs(1));
    assert_eq!(as_token(&server, &token, "POST", WHOAMI, Some(&json!({}))).await.code, 401);
    let review = json!({"spec": {"token": token}});
    let expired = admin(&server, "POST", "/apis/authentication.k8s.io/v1/tokenreviews", &review).await;
    assert_eq!(expired.body["status"]["error"], "[invalid bearer token, service account token has expired]");
}

#[tokio::test]
async fn a_token_dies_with_its_service_account_and_lifetimes_are_checked() {
    let server = world().await;
    admin(
        &server,
        "POST",
        "/api/v1/namespaces/shop/serviceaccounts",
        &json!({"metadata": {"name": "robot"}}),
    )
    .await;
    let issued = admin(&server, "POST", TOKEN, &token_request(None)).await;
    assert_eq!(issued.body["spec"]["expirationSeconds"], 3600, "the default lifetime");
    let token = issued.body["status"]["token"].as_str().unwrap().to_string();
    assert_eq!(as_token(&server, &token, "POST", WHOAMI, Some(&json!({}))).await.code, 201);
    admin(&server, "DELETE", "/api/v1/namespaces/shop/serviceaccounts/robot", &json!({})).await;
    admin(
        &server,
        "POST",
        "/api/v1/namespaces/shop/serviceaccounts",
        &json!({"metadata": {"name": "robot"}}),
    )
    .await;
    assert_eq!(
        as_token(&server, &token, "POST", WHOAMI, Some(&json!({}))).await.code,
        401,
        "a new account is not the old one"
    );

    let short = crate::common::http::post(&server, TOKEN, &token_request(Some(599))).await;
    assert_eq!(short.code, 422);
    assert_eq!(
        short.body["message"],
        "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"
    );
    // Asking for a token is the `create` verb on serviceaccounts/token.
    let refused = as_token(&server, "t-alice", "POST", TOKEN, Some(&token_request(None))).await;
    assert_eq!(
        refused.body["message"],
        "serviceaccounts \"robot\" is forbidden: User \"alice\" cannot create resource \"serviceaccounts/token\" in API group \"\" in the namespace \"shop\""
    );
}

#[tokio::test]
async fn token_files_add_users() {
    let server = world().await;
    let file = std::env::temp_dir().join(format!("ramp-tokens-{}.csv", std::process::id()));
    std::fs::write(&file, "t-carol,carol,uid-carol,\"ops,devs\"\n").unwrap();
    assert_eq!(server.auth().load_file(&file).unwrap(), 1);
    std::fs::remove_file(&file).unwrap();
    let me = as_token(&server, "t-carol", "POST", WHOAMI, Some(&json!({}))).await;
    assert_eq!(me.body["status"]["userInfo"]["groups"], json!(["ops", "devs", "system:authenticated"]));
    assert!(server.auth().remove_token("t-carol"));
    assert_eq!(as_token(&server, "t-carol", "POST", WHOAMI, Some(&json!({}))).await.code, 401);
}
