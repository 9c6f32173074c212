//! The dashboard's authorization with the hollow cluster's real TokenReviews,
//! SubjectAccessReviews and RBAC: what each user sees and may do is what their Roles say, on
//! the API and on the pages, and a refused action changes nothing.

use crate::common;

use common::{
    dashboard::{
        APPROVER, Auth, OPERATOR, OUTSIDER, VIEWER, World, grant, healthy_canary, request_annotation,
        with_users,
    },
    rollouts::{phase, set_image, wait_for},
};
use k8s_openapi::api::core::v1::Namespace;
use kube::{Api, api::PostParams};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

const ACTIONS: [&str; 6] = ["promote", "promote-full", "abort", "retry", "approve", "reject"];

async fn world() -> World {
    let w = World::start(|_| {}).await;
    with_users(&w).await;
    healthy_canary(&w).await;
    w
}

fn step(r: &Rollout) -> Option<i32> {
    r.status.as_ref().and_then(|s| s.current_step)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_sees_everything_it_may_read_and_no_action_succeeds() {
    let w = world().await;
    // Another namespace, where the viewer has no Role.
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "shop"}})).unwrap();
    Api::<Namespace>::all(w.client.clone()).create(&PostParams::default(), &ns).await.unwrap();
    let mut api_rollout = common::dashboard::canary("api:v1");
    api_rollout.metadata.name = Some("api".into());
    api_rollout.metadata.namespace = Some("shop".into());
    Api::<Rollout>::namespaced(w.client.clone(), "shop")
        .create(&PostParams::default(), &api_rollout)
        .await
        .unwrap();
    grant(&w, "shop", "rollout-viewer", "operators", json!(["get", "list"])).await;

    // The operator may list both namespaces (a Role in each), not cluster-wide.
    w.until_shown("/api/v1/rollouts", OPERATOR, |l| l["items"].as_array().is_some_and(|i| i.len() == 2))
        .await;
    let list = w.get("/api/v1/rollouts", Auth::Bearer(VIEWER)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let names: Vec<String> = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}/{}", r["namespace"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    assert_eq!(names, ["default/web"], "only the namespace the viewer may list");
    let detail = w.get("/api/v1/namespaces/default/rollouts/web", Auth::Bearer(VIEWER)).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.json()["allowed"], json!([]), "no action allowed");
    let elsewhere = w.get("/api/v1/namespaces/shop/rollouts/api", Auth::Bearer(VIEWER)).await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    assert!(elsewhere.json()["error"].as_str().unwrap().contains("vera may not get rollout shop/api"));

    let before = w.rollouts().get("web").await.unwrap();
    let cookie = w.login(VIEWER).await;
    let csrf = w.csrf(&cookie).await;
    for action in ACTIONS {
        let path = format!("/api/v1/namespaces/default/rollouts/web/{action}");
        let r = w.post(&path, Auth::Bearer(VIEWER), &[], Some(json!({"message": "let me"}))).await;
        assert_eq!(r.status, 403, "{action}: {}", r.body);
        assert!(r.json()["error"].as_str().unwrap().starts_with("vera may not"), "{}", r.body);
        let r =
            w.post(&path, Auth::Cookie(&cookie), &[("origin", &w.base), ("x-csrf-token", &csrf)], None).await;
        assert_eq!(r.status, 403, "{action} from the page: {}", r.body);
        let r = w.post(&path, Auth::Bearer(OUTSIDER), &[], None).await;
        assert_eq!(r.status, 403, "{action} by an outsider: {}", r.body);
    }
    let page = w.get("/rollouts/default/web", Auth::Cookie(&cookie)).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches(" disabled title=").count(), 6, "every button disabled");
    assert!(page.body.contains("Read-only"));
    assert_eq!(w.get("/api/v1/rollouts", Auth::Bearer(OUTSIDER)).await.status, 403);
    assert_eq!(w.get("/api/v1/watch?namespace=default&name=web", Auth::Bearer(OUTSIDER)).await.status, 403);

    let after = w.rollouts().get("web").await.unwrap();
    assert_eq!(request_annotation(&w).await, None, "nothing was written");
    assert_eq!(after.metadata.annotations, before.metadata.annotations);
    assert_eq!(after.status, before.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_can_approve_but_not_abort() {
    let w = world().await;
    let api = w.rollouts();
    set_image(&api, "web:v2").await;
    wait_for(&api, "at the pause", |r| phase(r) == Some(RolloutPhase::Paused) && step(r) == Some(1)).await;
    let r =
        w.post("/api/v1/namespaces/default/rollouts/web/promote", Auth::Bearer(APPROVER), &[], None).await;
    assert_eq!(r.status, 403, "an approver may not promote: {}", r.body);
    let r =
        w.post("/api/v1/namespaces/default/rollouts/web/promote", Auth::Bearer(OPERATOR), &[], None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let waiting = wait_for(&api, "waiting for approval", |r| {
        step(r) == Some(2)
            && r.status
                .as_ref()
                .is_some_and(|s| s.pause_conditions.iter().any(|p| p.reason == "AwaitingApproval"))
    })
    .await;
    let revision = waiting.status.unwrap().updated_revision.unwrap();
    let allowed = w.get("/api/v1/namespaces/default/rollouts/web", Auth::Bearer(APPROVER)).await.json();
    assert_eq!(allowed["allowed"], json!(["approve", "reject"]));

    let before = request_annotation(&w).await;
    let abort =
        w.post("/api/v1/namespaces/default/rollouts/web/abort", Auth::Bearer(APPROVER), &[], None).await;
    assert_eq!(abort.status, 403, "{}", abort.body);
    assert_eq!(abort.json()["error"], "alice may not abort rollout default/web");
    assert_eq!(request_annotation(&w).await, before, "the refused abort wrote nothing");

    let approve = w
        .post(
            "/api/v1/namespaces/default/rollouts/web/approve",
            Auth::Bearer(APPROVER),
            &[],
            Some(json!({"message": "canary metrics are clean", "revision": revision})),
        )
        .await;
    assert_eq!(approve.status, 202, "{}", approve.body);
    let approved =
        wait_for(&api, "approved and past the approval step", |r| step(r).is_some_and(|s| s >= 3)).await;
    let status = approved.status.unwrap();
    let record =
        status.approvals.iter().find(|a| a.revision == revision && a.approved).expect("an approval record");
    assert_eq!(record.by, "alice");
    assert_eq!(record.message, "canary metrics are clean");
    let groups = serde_json::to_value(record).unwrap()["groups"].clone();
    assert_eq!(
        groups,
        json!(["release-managers", "system:authenticated"]),
        "the TokenReview's groups are recorded"
    );
    assert_ne!(phase(&w.rollouts().get("web").await.unwrap()), Some(RolloutPhase::Aborted));
    // The page shows the approval with who, groups and message.
    let cookie = w.login(APPROVER).await;
    let page = w.get("/rollouts/default/web", Auth::Cookie(&cookie)).await.body;
    assert!(
        page.contains("by alice (release-managers, system:authenticated)")
            && page.contains("canary metrics are clean"),
        "{page}"
    );
}
