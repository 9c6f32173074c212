//! The hollow API server against a real client (kube-rs): every verb, with the semantics of
//! the real API server.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use hollow::{clock::Clock, embedded};
use k8s_openapi::api::{
    apps::v1::ReplicaSet,
    core::v1::{ConfigMap, Pod},
};
use kube::{
    Api, Client,
    api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams},
    runtime::{WatchStreamExt, watcher},
};
use serde_json::json;

async fn cluster() -> (embedded::Running, Client) {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let config = kube::Config::new(running.url().parse().unwrap());
    let client = Client::try_from(config).unwrap();
    (running, client)
}

fn cm(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})).unwrap()
}

fn rs(name: &str, replicas: i32) -> ReplicaSet {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}
    }))
    .unwrap()
}

#[tokio::test]
async fn create_get_list_with_every_selector_operator() {
    let (_c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    for (name, labels) in [
        ("a", json!({"app": "web", "tier": "front", "rank": "1"})),
        ("b", json!({"app": "web", "tier": "back", "rank": "5"})),
        ("c", json!({"app": "db"})),
    ] {
        api.create(&PostParams::default(), &cm(name, labels)).await.unwrap();
    }
    let got = api.get("a").await.unwrap();
    assert_eq!(got.metadata.resource_version.as_deref().map(|v| v.parse::<u64>().is_ok()), Some(true));
    assert!(got.metadata.uid.is_some() && got.metadata.creation_timestamp.is_some());
    let names = |l: kube::core::ObjectList<ConfigMap>| {
        l.items.into_iter().map(|c| c.metadata.name.unwrap()).collect::<Vec<_>>()
    };
    for (selector, want) in [
        ("app=web", vec!["a", "b"]),
        ("app!=web", vec!["c"]),
        ("tier in (front,side)", vec!["a"]),
        ("tier notin (front)", vec!["b", "c"]),
        ("tier", vec!["a", "b"]),
        ("!tier", vec!["c"]),
        ("rank>2", vec!["b"]),
        ("app=web,tier=back", vec!["b"]),
    ] {
        let l = api.list(&ListParams::default().labels(selector)).await.unwrap();
        assert_eq!(names(l), want, "{selector}");
    }
    let l = api.list(&ListParams::default().fields("metadata.name=c")).await.unwrap();
    assert_eq!(names(l), vec!["c"]);
    let err = api.list(&ListParams::default().fields("data.k=v")).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(s) if s.code == 400), "unsupported field selector is a 400");
    // Pagination.
    let page = api.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(page.items.len(), 2);
    let token = page.metadata.continue_.clone().expect("continue token");
    let rest = api.list(&ListParams::default().limit(2).continue_token(&token)).await.unwrap();
    assert_eq!(names(rest), vec!["c"]);
    // Errors.
    let err = api.get("nope").await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 404 && s.reason == "NotFound"), "{err:?}");
    let err = api.create(&PostParams::default(), &cm("a", json!({}))).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 409 && s.reason == "AlreadyExists"), "{err:?}");
    let other: Api<ConfigMap> = Api::namespaced(api.clone().into_client(), "no-such-ns");
    let err = other.create(&PostParams::default(), &cm("x", json!({}))).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 404), "creating in a missing namespace: {err:?}");
}

#[tokio::test]
async fn stale_update_conflicts_and_no_op_keeps_resource_version() {
    let (_c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let first = api.create(&PostParams::default(), &cm("x", json!({}))).await.unwrap();
    let mut changed = first.clone();
    changed.data = Some([("k".to_string(), "w".to_string())].into());
    let second = api.replace("x", &PostParams::default(), &changed).await.unwrap();
    assert_ne!(second.metadata.resource_version, first.metadata.resource_version);
    // Writing again from the first read is a conflict.
    let mut stale = first.clone();
    stale.data = Some([("k".to_string(), "z".to_string())].into());
    let err = api.replace("x", &PostParams::default(), &stale).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 409 && s.reason == "Conflict"), "{err:?}");
    // A write that changes nothing does not move the resourceVersion.
    let same = api.replace("x", &PostParams::default(), &second).await.unwrap();
    assert_eq!(same.metadata.resource_version, second.metadata.resource_version);
}

#[tokio::test]
async fn status_subresource_isolates_status_and_generation_counts_spec() {
    let (_c, client) = cluster().await;
    let api: Api<ReplicaSet> = Api::namespaced(client, "default");
    let created = api.create(&PostParams::default(), &rs("web", 2)).await.unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    // Status through the status subresource: generation unchanged.
    let pp = PatchParams::default();
    let s = api
        .patch_status("web", &pp, &Patch::Merge(json!({"status": {"replicas": 2, "readyReplicas": 1}})))
        .await
        .unwrap();
    assert_eq!(s.status.as_ref().map(|s| s.replicas), Some(2));
    assert_eq!(s.metadata.generation, Some(1));
    // Status in a main-resource write is ignored; a spec change bumps generation.
    let m = api
        .patch("web", &pp, &Patch::Merge(json!({"spec": {"replicas": 3}, "status": {"replicas": 99}})))
        .await
        .unwrap();
    assert_eq!(m.status.as_ref().map(|s| s.replicas), Some(2));
    assert_eq!(m.metadata.generation, Some(2));
    // A metadata-only change does not.
    let l = api.patch("web", &pp, &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}}))).await.unwrap();
    assert_eq!(l.metadata.generation, Some(2));
    // Spec changes through the status subresource are ignored.
    let s = api.patch_status("web", &pp, &Patch::Merge(json!({"spec": {"replicas": 7}}))).await.unwrap();
    assert_eq!(s.spec.as_ref().and_then(|s| s.replicas), Some(3));
}

#[tokio::test]
async fn scale_subresource_reads_and_writes_replicas() {
    let (_c, client) = cluster().await;
    let api: Api<ReplicaSet> = Api::namespaced(client, "default");
    api.create(&PostParams::default(), &rs("web", 2)).await.unwrap();
    let scale = api.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(2));
    assert_eq!(scale.status.as_ref().and_then(|s| s.selector.clone()).as_deref(), Some("app=web"));
    let patched = api
        .patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 5}})))
        .await
        .unwrap();
    assert_eq!(patched.spec.as_ref().and_then(|s| s.replicas), Some(5));
    assert_eq!(api.get("web").await.unwrap().spec.unwrap().replicas, Some(5));
}

#[tokio::test]
async fn watch_resumes_from_a_resource_version_and_old_ones_are_gone() {
    let (c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let list = api.list(&ListParams::default()).await.unwrap();
    let from = list.metadata.resource_version.clone().unwrap();
    api.create(&PostParams::default(), &cm("w1", json!({"app": "web"}))).await.unwrap();
    api.create(&PostParams::default(), &cm("w2", json!({"app": "db"}))).await.unwrap();
    api.patch(
        "w1",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"app": "other"}}})),
    )
    .await
    .unwrap();
    api.delete("w2", &DeleteParams::default()).await.unwrap();
    // Resuming from the list's resourceVersion replays exactly what happened since, filtered:
    // w1 leaving the selector arrives as DELETED.
    let wp = WatchParams::default().labels("app=web").timeout(2);
    let events: Vec<_> = api.watch(&wp, &from).await.unwrap().take(2).try_collect().await.unwrap();
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            WatchEvent::Added(o) => format!("ADDED {}", o.metadata.name.clone().unwrap()),
            WatchEvent::Modified(o) => format!("MODIFIED {}", o.metadata.name.clone().unwrap()),
            WatchEvent::Deleted(o) => format!("DELETED {}", o.metadata.name.clone().unwrap()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, vec!["ADDED w1", "DELETED w1"]);
    // Once the log no longer holds that resourceVersion: 410 Gone.
    c.server.store.compact(c.server.store.current_rv());
    let events: Vec<_> = api
        .watch(&WatchParams::default().timeout(2), &from)
        .await
        .unwrap()
        .take(1)
        .try_collect()
        .await
        .unwrap();
    assert!(matches!(&events[0], WatchEvent::Error(e) if e.code == 410), "{events:?}");
}

#[tokio::test]
async fn watcher_relists_after_gone_and_sees_later_changes() {
    let (c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    api.create(&PostParams::default(), &cm("before", json!({}))).await.unwrap();
    let mut stream =
        watcher(api.clone(), watcher::Config::default()).default_backoff().applied_objects().boxed();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(first.metadata.name.as_deref(), Some("before"));
    // Changes happen, the log forgets them, and the watch connection drops: resuming from
    // the watcher's last resourceVersion fails with 410, so it must list again to see "after".
    api.create(&PostParams::default(), &cm("after", json!({}))).await.unwrap();
    c.server.store.compact(c.server.store.current_rv());
    c.server.faults.drop_watches();
    let (gone, seen) = tokio::time::timeout(Duration::from_secs(10), async {
        let mut gone = false;
        loop {
            match stream.next().await.unwrap() {
                Err(watcher::Error::WatchError(s)) if s.code == 410 => gone = true,
                Err(e) => panic!("unexpected watcher error: {e}"),
                Ok(o) if o.metadata.name.as_deref() == Some("after") => return (gone, o),
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the watcher recovered and saw the later object");
    assert!(gone, "the resume was refused with 410 Gone");
    assert_eq!(seen.data.unwrap()["k"], "v");
}

#[tokio::test]
async fn deleting_an_owner_collects_its_dependents() {
    let (_c, client) = cluster().await;
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let owner = rss.create(&PostParams::default(), &rs("web", 1)).await.unwrap();
    let uid = owner.metadata.uid.clone().unwrap();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "web-1", "labels": {"app": "web"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": uid, "controller": true}]},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    // Foreground: the owner waits for its dependents.
    let gone = rss.delete("web", &DeleteParams::foreground()).await.unwrap();
    assert!(
        gone.left().is_some_and(|o| o.metadata.deletion_timestamp.is_some()),
        "owner marked, not removed yet"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while pods.get_opt("web-1").await.unwrap().is_some() || rss.get_opt("web").await.unwrap().is_some() {
        assert!(tokio::time::Instant::now() < deadline, "garbage collection did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let (_c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::namespaced(client, "default");
    let mut held = cm("held", json!({}));
    held.metadata.finalizers = Some(vec!["ramp.dev/cleanup".into()]);
    api.create(&PostParams::default(), &held).await.unwrap();
    api.delete("held", &DeleteParams::default()).await.unwrap();
    let marked = api.get("held").await.unwrap();
    assert!(marked.metadata.deletion_timestamp.is_some());
    api.patch("held", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"finalizers": null}})))
        .await
        .unwrap();
    assert!(api.get_opt("held").await.unwrap().is_none(), "removed once its last finalizer is gone");
}

#[tokio::test]
async fn server_side_apply_conflicts_name_the_fields_and_force_takes_them() {
    let (_c, client) = cluster().await;
    let api: Api<ReplicaSet> = Api::namespaced(client, "default");
    let mine = PatchParams::apply("ramp");
    api.patch("web", &mine, &Patch::Apply(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}})))
        .await
        .unwrap();
    let theirs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"}, "spec": {"replicas": 5}});
    let err = api.patch("web", &PatchParams::apply("hpa"), &Patch::Apply(theirs.clone())).await.unwrap_err();
    match &err {
        kube::Error::Api(s) => {
            assert_eq!(s.code, 409);
            assert!(
                s.message.contains("conflict with \"ramp\"") && s.message.contains(".spec.replicas"),
                "{}",
                s.message
            );
        }
        other => panic!("{other:?}"),
    }
    let forced = api.patch("web", &PatchParams::apply("hpa").force(), &Patch::Apply(theirs)).await.unwrap();
    assert_eq!(forced.spec.unwrap().replicas, Some(5));
    let owners: Vec<String> =
        forced.metadata.managed_fields.unwrap().into_iter().filter_map(|m| m.manager).collect();
    assert_eq!(owners, vec!["ramp".to_string(), "hpa".to_string()]);
    // Re-applying without the selector and template would remove them (ramp is their only
    // owner): the result is invalid, as on a real server.
    let bare = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "labels": {"team": "a"}}});
    let err = api.patch("web", &mine, &Patch::Apply(bare)).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 422), "{err:?}");
    // Re-applying without replicas gives it up: the owner of record now is "hpa" alone.
    let again = api
        .patch(
            "web",
            &mine,
            &Patch::Apply(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web",
        "labels": {"team": "a"}}, "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}})),
        )
        .await
        .unwrap();
    assert_eq!(again.spec.unwrap().replicas, Some(5), "a field owned by another manager stays");
}
