//! Live updates: `/api/v1/watch` streams server-sent events as the controller's own watches
//! see the Rollout change — the list's row and the detail page's data and HTML — with no
//! polling of the API.

use crate::common;

use common::{
    dashboard::{Auth, Watch, World, healthy_canary},
    rollouts::set_image,
};
use ramp::dashboard::tokens::StaticTokens;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_delivers_each_change_of_the_rollout() {
    let w = World::start(|d| d.static_tokens = Some(StaticTokens::parse("t0ken,admin\n").unwrap())).await;
    healthy_canary(&w).await;
    let mut list = Watch::open(&w, "/api/v1/watch", "t0ken").await;
    let first = list.until("the current state first", |e| e.event == "rollout").await;
    assert_eq!(first.data["row"]["phase"], "Healthy");
    assert!(first.data["html"].as_str().unwrap().starts_with(r#"<tr id="row-default-web""#));
    let mut detail = Watch::open(&w, "/api/v1/watch?namespace=default&name=web", "t0ken").await;
    let first = detail.until("the detail first", |e| e.event == "rollout").await;
    assert_eq!(first.data["detail"]["phase"], "Healthy");

    set_image(&w.rollouts(), "web:v2").await;
    let paused = list
        .until("the row paused at step 2", |e| {
            e.data["row"]["phase"] == "Paused" && e.data["row"]["step"] == 1
        })
        .await;
    assert_eq!(paused.data["row"]["weight"], 25);
    assert!(paused.data["html"].as_str().unwrap().contains(r#"<td class="step" data-label="Step">2/5</td>"#));
    let d = detail.until("the detail paused", |e| e.data["detail"]["phase"] == "Paused").await;
    let html = d.data["html"].as_str().unwrap();
    assert!(html.contains(r#"<li class="step current" data-index="1">"#), "{html}");
    assert!(!d.data["detail"]["weights"].as_array().unwrap().is_empty(), "the weights over time");

    // The change an action makes arrives the same way.
    let r = w.post("/api/v1/namespaces/default/rollouts/web/promote", Auth::Bearer("t0ken"), &[], None).await;
    assert_eq!(r.status, 202, "{}", r.body);
    detail.until("at the approval step", |e| e.data["detail"]["step"] == 2).await;
    list.until("the row at the approval step", |e| e.data["row"]["step"] == 2).await;

    // Deleting the Rollout ends its rows.
    w.rollouts().delete("web", &Default::default()).await.unwrap();
    let gone = list.until("deleted", |e| e.event == "deleted").await;
    assert_eq!(gone.data["id"], "row-default-web");
}

/// A follower replica serves the whole read side from its own caches (they are filled on
/// every replica) and takes actions: it writes the request, and the leader carries it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_serves_reads_and_its_actions_are_carried_out_by_the_leader() {
    let tokens = || Some(StaticTokens::parse("t0ken,admin\n").unwrap());
    let w = World::start(|d| d.static_tokens = tokens()).await;
    healthy_canary(&w).await;
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut settings = ramp::dashboard::Settings::new(addr);
    settings.static_tokens = tokens();
    let (_b, follower) = w.another_replica("ramp-b", settings).await;
    let who = w.get_at(&follower, "/api/v1/whoami", Auth::Bearer("t0ken")).await.json();
    assert_eq!((who["instance"].as_str(), who["leader"].as_bool()), (Some("ramp-b"), Some(false)));
    // Its caches fill although it never reconciles.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let detail = loop {
        let r = w.get_at(&follower, "/api/v1/namespaces/default/rollouts/web", Auth::Bearer("t0ken")).await;
        if r.status == 200 && r.json()["phase"] == "Healthy" {
            break r.json();
        }
        assert!(tokio::time::Instant::now() < deadline, "the follower never showed the rollout: {}", r.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(detail["plan"]["error"].is_null(), "the follower plans read-only too: {detail}");
    assert_eq!(detail["replicaSets"][0]["pods"].as_array().unwrap().len(), 4);

    set_image(&w.rollouts(), "web:v2").await;
    common::rollouts::wait_for(&w.rollouts(), "paused", |r| {
        r.status.as_ref().and_then(|s| s.current_step) == Some(1)
    })
    .await;
    let r =
        w.post_at(&follower, "/api/v1/namespaces/default/rollouts/web/promote", Auth::Bearer("t0ken")).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    common::rollouts::wait_for(&w.rollouts(), "the leader carried it out", |r| {
        r.status.as_ref().and_then(|s| s.last_request.as_ref()).is_some_and(|l| l.id == id)
    })
    .await;
}
