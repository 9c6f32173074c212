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
