//! The dashboard's write side, through its HTTP API on a live controller: no token or a bad
//! one is a 401 on every write and changes nothing; a cookie session's write needs the CSRF
//! token and a same-origin request (a Bearer call does not); a write that passes puts the
//! request annotation on the Rollout with the user's name and the revision they saw, and the
//! controller carries it out. Tokens here come from the static token file (full rights);
//! RBAC is in `dashboard_rbac`.

use crate::common;

use common::{
    dashboard::{Auth, World, healthy_canary, request_annotation},
    rollouts::{phase, set_image, wait_for},
};
use ramp::{api::RolloutPhase, dashboard::tokens::StaticTokens};
use serde_json::json;

const ACTIONS: [&str; 6] = ["promote", "promote-full", "abort", "retry", "approve", "reject"];

async fn world() -> World {
    World::start(|d| {
        d.static_tokens = Some(StaticTokens::parse("admin-token,admin,ops\n").unwrap());
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_without_a_valid_token_is_refused_and_changes_nothing() {
    let w = world().await;
    healthy_canary(&w).await;
    let before = w.rollouts().get("web").await.unwrap();
    for action in ACTIONS {
        let path = format!("/api/v1/namespaces/default/rollouts/web/{action}");
        for auth in [Auth::None, Auth::Bearer("not-a-token"), Auth::Cookie("not-a-token")] {
            let r = w.post(&path, auth, &[("origin", &w.base)], Some(json!({"message": "x"}))).await;
            assert_eq!(r.status, 401, "{action} with {auth:?}: {}", r.body);
            assert_eq!(r.headers.get("www-authenticate").unwrap(), "Bearer");
            assert!(r.json()["error"].as_str().unwrap().contains("authentication required"), "{}", r.body);
        }
    }
    let r = w.post("/logout", Auth::None, &[("origin", &w.base)], None).await;
    assert_eq!(r.status, 401);
    // Reading is refused too.
    for path in ["/api/v1/rollouts", "/api/v1/namespaces/default/rollouts/web", "/api/v1/watch"] {
        assert_eq!(w.get(path, Auth::Bearer("not-a-token")).await.status, 401, "{path}");
    }
    assert_eq!(w.get("/", Auth::None).await.status, 303, "the list page sends to the login form");
    let after = w.rollouts().get("web").await.unwrap();
    assert_eq!(request_annotation(&w).await, None, "no request was written");
    assert_eq!(after.status, before.status);
    assert_eq!(after.metadata.annotations, before.metadata.annotations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_session_needs_the_csrf_token_and_the_same_origin() {
    let w = world().await;
    healthy_canary(&w).await;
    let api = w.rollouts();
    set_image(&api, "web:v2").await;
    let paused = wait_for(&api, "paused at the untimed pause", |r| {
        phase(r) == Some(RolloutPhase::Paused) && r.status.as_ref().and_then(|s| s.current_step) == Some(1)
    })
    .await;
    let revision = paused.status.unwrap().updated_revision.unwrap();
    let cookie = w.login("admin-token").await;
    let csrf = w.csrf(&cookie).await;
    let promote = "/api/v1/namespaces/default/rollouts/web/promote";
    let refused = [
        ("no CSRF token", vec![("origin", w.base.as_str())]),
        ("a wrong CSRF token", vec![("origin", w.base.as_str()), ("x-csrf-token", "00ff")]),
        ("a foreign origin", vec![("origin", "https://evil.example"), ("x-csrf-token", csrf.as_str())]),
        ("no origin", vec![("x-csrf-token", csrf.as_str())]),
        ("a foreign referer", vec![("referer", "https://evil.example/x"), ("x-csrf-token", csrf.as_str())]),
    ];
    for (what, headers) in &refused {
        let r = w.post(promote, Auth::Cookie(&cookie), headers, None).await;
        assert_eq!(r.status, 403, "{what}: {}", r.body);
        assert_eq!(request_annotation(&w).await, None, "{what}: nothing written");
    }
    // Same origin and the token: written, bound to the revision shown, carried out.
    let ok = w
        .post(
            promote,
            Auth::Cookie(&cookie),
            &[("origin", &w.base), ("x-csrf-token", &csrf)],
            Some(json!({"message": "looks fine", "revision": revision})),
        )
        .await;
    assert_eq!(ok.status, 202, "{}", ok.body);
    let id = ok.json()["id"].as_str().unwrap().to_string();
    let written: serde_json::Value = serde_json::from_str(&request_annotation(&w).await.unwrap()).unwrap();
    assert_eq!(written["op"], "promote");
    assert_eq!(written["by"], "admin");
    assert_eq!(written["groups"], json!(["ops"]));
    assert_eq!(written["revision"], revision);
    assert_eq!(written["message"], "looks fine");
    let done = wait_for(&api, "the promote carried out", |r| {
        r.status.as_ref().and_then(|s| s.last_request.as_ref()).is_some_and(|l| l.id == id)
    })
    .await;
    let last = done.status.unwrap().last_request.unwrap();
    assert_eq!(last.by, "admin");
    // A Bearer call needs no CSRF token (a browser never sends one by itself).
    let r =
        w.post("/api/v1/namespaces/default/rollouts/web/abort", Auth::Bearer("admin-token"), &[], None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    wait_for(&api, "aborted", |r| phase(r) == Some(RolloutPhase::Aborted)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_show_the_rollout_its_plan_and_what_the_user_may_do() {
    let w = world().await;
    healthy_canary(&w).await;
    let list =
        w.until_shown("/api/v1/rollouts", "admin-token", |l| l["items"][0]["phase"] == "Healthy").await;
    let items = list["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!((items[0]["name"].as_str(), items[0]["phase"].as_str()), (Some("web"), Some("Healthy")));
    assert_eq!(items[0]["steps"], 5);
    // Pods and Events arrive a moment after the phase.
    let d = w
        .until_shown("/api/v1/namespaces/default/rollouts/web", "admin-token", |d| {
            d["replicaSets"][0]["pods"].as_array().is_some_and(|p| p.len() == 4)
                && d["events"].as_array().is_some_and(|e| !e.is_empty())
        })
        .await;
    assert_eq!(d["allowed"], json!(["promote", "abort", "retry", "approve", "reject"]));
    assert_eq!(d["steps"].as_array().unwrap().len(), 5);
    assert_eq!(d["steps"][2]["mark"], "approval");
    assert!(d["plan"]["error"].is_null(), "{d}");
    let who = w.get("/api/v1/whoami", Auth::Bearer("admin-token")).await.json();
    assert_eq!((who["username"].as_str(), who["source"].as_str()), (Some("admin"), Some("tokenFile")));
    let missing = w.get("/api/v1/namespaces/default/rollouts/nope", Auth::Bearer("admin-token")).await;
    assert_eq!(missing.status, 404);
    let unknown = w
        .post("/api/v1/namespaces/default/rollouts/web/explode", Auth::Bearer("admin-token"), &[], None)
        .await;
    assert_eq!(unknown.status, 404);
    // Pages are HTML with the security headers.
    let cookie = w.login("admin-token").await;
    let page = w.get("/rollouts/default/web", Auth::Cookie(&cookie)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"data-action="promote""#) && page.body.contains("Next planned actions"));
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert!(
        page.headers.get("content-security-policy").unwrap().to_str().unwrap().contains("script-src 'self'")
    );
}
