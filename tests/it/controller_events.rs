//! The controller's Event recorder against the hollow cluster: one Event per distinct note,
//! exact repeats folded into a series, and a memory that stays bounded however many objects
//! it has written about.

use crate::common::paused::cluster;

use k8s_openapi::api::{core::v1::ObjectReference, events::v1::Event as K8sEvent};
use kube::{
    Api,
    api::ListParams,
    runtime::events::{Event, EventType, Reporter},
};
use ramp::controller::{
    clock::Clock,
    events::{REMEMBERED, Recorder},
};

fn about(name: &str) -> ObjectReference {
    ObjectReference {
        api_version: Some("ramp.dev/v1alpha1".into()),
        kind: Some("Rollout".into()),
        name: Some(name.into()),
        namespace: Some("default".into()),
        uid: Some(format!("uid-{name}")),
        ..ObjectReference::default()
    }
}

fn scaled(note: &str) -> Event {
    Event {
        type_: EventType::Normal,
        reason: "ScalingReplicaSet".into(),
        note: Some(note.into()),
        action: "Scale".into(),
        secondary: None,
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn each_note_is_its_own_event_and_only_exact_repeats_fold() {
    let (_server, client) = cluster().await;
    let recorder = Recorder::new(
        client.clone(),
        Reporter { controller: "ramp".into(), instance: Some("ramp-test".into()) },
        Clock::system(),
    );
    let web = about("web");
    for note in ["Scaled up web-abc to 2", "Scaled up web-abc to 5", "Scaled up web-abc to 5"] {
        recorder.publish(&scaled(note), &web).await.unwrap();
    }
    let events: Api<K8sEvent> = Api::namespaced(client.clone(), "default");
    let mut seen: Vec<(String, i32)> = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| (e.note.unwrap_or_default(), e.series.map_or(1, |s| s.count)))
        .collect();
    seen.sort();
    // kube's own recorder folds by reason: the second note was lost as a count of the first.
    assert_eq!(
        seen,
        [("Scaled up web-abc to 2".to_string(), 1), ("Scaled up web-abc to 5".to_string(), 2)],
        "one Event per note, the repeat counted"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_memory_of_recent_events_is_bounded() {
    let (_server, client) = cluster().await;
    let recorder = Recorder::new(
        client.clone(),
        Reporter { controller: "ramp".into(), instance: None },
        Clock::system(),
    );
    for i in 0..REMEMBERED + 300 {
        recorder.publish(&scaled("Scaled up to 1"), &about(&format!("r-{i}"))).await.unwrap();
        assert!(recorder.remembered_count() <= REMEMBERED, "after {i}: {}", recorder.remembered_count());
    }
    let events: Api<K8sEvent> = Api::namespaced(client.clone(), "default");
    let n = events.list(&ListParams::default()).await.unwrap().items.len();
    assert_eq!(n, REMEMBERED + 300, "every event published");
}
