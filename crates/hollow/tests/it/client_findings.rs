//! Behaviours the official Python client's scripts (`tests/python/` in the root package) found
//! missing, held here with kube-rs so `cargo test -p hollow` keeps them.

use futures::{StreamExt, TryStreamExt};
use hollow::{clock::Clock, embedded};
use k8s_openapi::api::{apps::v1::Deployment, core::v1::Pod};
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams, WatchEvent, WatchParams},
};
use serde_json::{Value, json};

async fn cluster() -> (embedded::Running, Client) {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let client = Client::try_from(kube::Config::new(running.url().parse().unwrap())).unwrap();
    (running, client)
}

async fn send(
    client: &Client,
    method: &str,
    uri: &str,
    content_type: &str,
    body: Value,
) -> kube::Result<Value> {
    let req = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", content_type)
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    client.request::<Value>(req).await
}

fn api_error(r: kube::Result<Value>) -> kube::core::Status {
    match r {
        Err(kube::Error::Api(s)) => *s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_apply_without_field_manager_and_force_on_a_merge_patch_are_invalid() {
    let (_c, client) = cluster().await;
    let uri = "/api/v1/namespaces/default/configmaps/x";
    let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
    let s = api_error(send(&client, "PATCH", uri, "application/apply-patch+yaml", body.clone()).await);
    assert_eq!((s.code, s.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        s.message,
        r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#
    );
    let s = api_error(
        send(&client, "PATCH", &format!("{uri}?force=true"), "application/merge-patch+json", body).await,
    );
    assert_eq!((s.code, s.reason.as_str()), (422, "Invalid"));
    assert!(
        s.message.ends_with("force: Forbidden: may not be specified for non-apply patch"),
        "{}",
        s.message
    );
}

#[tokio::test]
async fn a_status_apply_records_its_manager() {
    let (_c, client) = cluster().await;
    let api: Api<Deployment> = Api::namespaced(client, "default");
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "c:1"}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &d).await.unwrap();
    let status = json!({"apiVersion": "apps/v1", "kind": "Deployment", "status": {"observedGeneration": 1}});
    let got =
        api.patch_status("web", &PatchParams::apply("ctrl").force(), &Patch::Apply(&status)).await.unwrap();
    let entry = got
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .find(|m| m.manager.as_deref() == Some("ctrl"))
        .expect("an entry for the status apply");
    assert_eq!((entry.operation.as_deref(), entry.subresource.as_deref()), (Some("Apply"), Some("status")));
    assert!(entry.fields_v1.unwrap().0.pointer("/f:status/f:observedGeneration").is_some());
}

#[tokio::test]
async fn a_resource_version_in_an_apply_is_a_precondition_on_the_object_and_its_status() {
    let (_c, client) = cluster().await;
    let api: Api<Deployment> = Api::namespaced(client, "default");
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "c:1"}]}}}
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &d).await.unwrap();
    let read_at = created.metadata.resource_version.clone().unwrap();
    // Someone else writes after we read.
    let bump = json!({"metadata": {"labels": {"touched": "yes"}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(&bump)).await.unwrap();
    let apply = PatchParams::apply("ctrl").force();
    let stale = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                       "metadata": {"name": "web", "resourceVersion": read_at}, "status": {"observedGeneration": 7}});
    for result in [
        api.patch_status("web", &apply, &Patch::Apply(&stale)).await,
        api.patch(
            "web",
            &apply,
            &Patch::Apply(&json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "resourceVersion": read_at, "labels": {"mine": "1"}}})),
        )
        .await,
    ] {
        match result {
            Err(kube::Error::Api(s)) => {
                assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
                assert_eq!(
                    s.message,
                    r#"Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again"#
                );
            }
            other => panic!("a stale resourceVersion must conflict, got {other:?}"),
        }
    }
    let now = api.get("web").await.unwrap();
    assert!(now.status.and_then(|s| s.observed_generation) != Some(7), "the stale status was not written");
    assert!(!now.metadata.labels.unwrap_or_default().contains_key("mine"));
    // With the current resourceVersion the same apply goes through.
    let mut current = stale.clone();
    current["metadata"]["resourceVersion"] = json!(now.metadata.resource_version.unwrap());
    let got = api.patch_status("web", &apply, &Patch::Apply(&current)).await.unwrap();
    assert_eq!(got.status.and_then(|s| s.observed_generation), Some(7));
}

#[tokio::test]
async fn a_dry_run_in_the_eviction_body_keeps_the_pod() {
    let (_c, client) = cluster().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "c:1"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let eviction = json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"},
                          "deleteOptions": {"dryRun": ["All"]}});
    let uri = "/api/v1/namespaces/default/pods/p/eviction";
    send(&client, "POST", uri, "application/json", eviction.clone()).await.unwrap();
    assert!(pods.get_opt("p").await.unwrap().is_some(), "a dry-run eviction deleted the pod");
    let mut real = eviction;
    real.as_object_mut().unwrap().remove("deleteOptions");
    send(&client, "POST", uri, "application/json", real).await.unwrap();
    assert!(pods.get_opt("p").await.unwrap().is_none(), "the eviction deleted the pod");
}

#[tokio::test]
async fn compaction_from_outside_makes_older_watches_gone() {
    let (_c, client) = cluster().await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let from = pods.list(&Default::default()).await.unwrap().metadata.resource_version.unwrap();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "c:1"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    send(&client, "POST", "/sim/compact", "application/json", json!({})).await.unwrap();
    let mut events = pods.watch(&WatchParams::default().timeout(5), &from).await.unwrap().boxed();
    let first = events.try_next().await.unwrap();
    assert!(matches!(&first, Some(WatchEvent::Error(e)) if e.code == 410), "{first:?}");
}
