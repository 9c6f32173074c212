//! The controller on the hollow cluster: rollouts run end to end, and the invariants hold at
//! every instant the cluster recorded, not only at the end.

use crate::common;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use hollow::{apiserver::ApiServer, embedded};
use http::{HeaderValue, header::USER_AGENT};
use k8s_openapi::api::events::v1::Event;
use kube::{
    Api, Client,
    api::{ListParams, Patch, PatchParams, PostParams},
    runtime::wait::await_condition,
};
use ramp::{
    api::{Rollout, RolloutPhase},
    controller::{self, Settings, lease::Timing},
};
use serde_json::{Value, json};
use tokio::sync::oneshot;

struct Env {
    running: embedded::Running,
    client: Client,
    stops: Vec<oneshot::Sender<()>>,
}

fn fast_timing() -> Timing {
    Timing {
        lease_duration: Duration::from_secs(2),
        renew_deadline: Duration::from_millis(1000),
        retry_period: Duration::from_millis(200),
    }
}

fn client_as(url: &str, identity: &str) -> Client {
    let mut config = kube::Config::new(url.parse().unwrap());
    config.headers.push((USER_AGENT, HeaderValue::from_str(&format!("ramp/test ({identity})")).unwrap()));
    Client::try_from(config).unwrap()
}

impl Env {
    async fn new() -> Self {
        let (running, client) = common::harness::setup().await;
        Self { running, client, stops: Vec::new() }
    }

    /// Starts a controller instance named `identity`.
    fn start_controller(&mut self, identity: &str) -> tokio::task::JoinHandle<()> {
        let (tx, rx) = oneshot::channel::<()>();
        self.stops.push(tx);
        let settings = Settings {
            namespaces: Vec::new(),
            selector: None,
            identity: identity.into(),
            lease_name: "ramp-controller".into(),
            lease_namespace: "default".into(),
            timing: fast_timing(),
            listen: None,
            concurrency: 4,
            clock: ramp::controller::clock::Clock::system(),
        };
        let client = client_as(&self.running.url(), identity);
        tokio::spawn(async move {
            controller::run(client, settings, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        })
    }

    fn rollouts(&self) -> Api<Rollout> {
        Api::namespaced(self.client.clone(), "default")
    }
}

fn rollout(name: &str, image: &str) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": name},
        "spec": {"replicas": 10, "selector": {"matchLabels": {"app": name}},
                 "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": {"sim.ramp.dev/readiness-delay": "300ms"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

async fn wait_healthy(api: &Api<Rollout>, name: &str, not_revision: Option<String>) -> Rollout {
    let done = move |r: Option<&Rollout>| {
        r.and_then(|r| r.status.as_ref().map(|s| (s, r.metadata.generation))).is_some_and(
            |(s, generation)| {
                s.phase == Some(RolloutPhase::Healthy)
                    && s.observed_generation == generation
                    && not_revision.as_ref().is_none_or(|old| s.updated_revision.as_ref() != Some(old))
            },
        )
    };
    tokio::time::timeout(Duration::from_secs(60), await_condition(api.clone(), name, done))
        .await
        .expect("the rollout became Healthy")
        .unwrap()
        .unwrap()
}

/// Replays the store's change log: pods of `app`, whether each is Ready.
struct PodBook {
    pods: BTreeMap<String, bool>,
}

impl PodBook {
    fn apply(&mut self, app: &str, object: &Value, deleted: bool) {
        if object.pointer("/kind").and_then(Value::as_str) != Some("Pod")
            || object.pointer("/metadata/labels/app").and_then(Value::as_str) != Some(app)
        {
            return;
        }
        let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap().to_string();
        if deleted || object.pointer("/metadata/deletionTimestamp").is_some() {
            self.pods.remove(&name);
            return;
        }
        let ready = object
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
        self.pods.insert(name, ready);
    }
}

/// Checks, at every change the cluster records from now on, pods ≤ 13 and Ready ≥ 8.
fn watch_invariants(
    server: &Arc<ApiServer>,
    app: &'static str,
) -> (tokio::task::JoinHandle<(usize, Vec<String>)>, oneshot::Sender<()>) {
    let (pods, rv) = {
        let def = server.registry.lookup("", "v1", "pods").unwrap();
        server.store.list(&def.id(), Some("default"))
    };
    let mut book = PodBook { pods: BTreeMap::new() };
    for p in &pods {
        book.apply(app, p, false);
    }
    let (_, mut rx) = server.store.watch_from(rv).unwrap();
    let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let (mut instants, mut violations) = (0, Vec::new());
        loop {
            tokio::select! {
                _ = &mut stop_rx => return (instants, violations),
                got = rx.recv() => {
                    let c = got.expect("the invariant watcher kept up with the change log");
                    book.apply(app, &c.object, c.kind == hollow::apiserver::store::ChangeKind::Deleted);
                    instants += 1;
                    let total = book.pods.len();
                    let ready = book.pods.values().filter(|r| **r).count();
                    if total > 13 || ready < 8 {
                        violations.push(format!("at rv {}: {total} pods, {ready} ready", c.rv));
                    }
                }
            }
        }
    });
    (task, stop_tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_image_rolls_out_within_surge_and_availability_at_every_instant() {
    let mut env = Env::new().await;
    env.start_controller("ramp-a");
    let api = env.rollouts();
    api.create(&PostParams::default(), &rollout("web", "web:v1")).await.unwrap();
    let first = wait_healthy(&api, "web", None).await;
    let v1 = first.status.unwrap().updated_revision;

    let (checker, stop) = watch_invariants(&env.running.server, "web");
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}});
    api.patch("web", &PatchParams::default(), &Patch::Merge(patch)).await.unwrap();
    let done = wait_healthy(&api, "web", v1.clone()).await;
    stop.send(()).unwrap();
    let (instants, violations) = checker.await.unwrap();
    assert!(instants > 20, "the rollout was observed change by change ({instants} changes)");
    assert!(violations.is_empty(), "invariants broken: {violations:#?}");

    let status = done.status.unwrap();
    assert_eq!((status.replicas, status.updated_replicas, status.available_replicas), (10, 10, 10));
    assert_eq!(status.stable_revision, status.updated_revision);
    let cond = |t: &str| {
        status.conditions.iter().find(|c| c.type_ == t).map(|c| (c.status.clone(), c.reason.clone()))
    };
    assert_eq!(cond("Healthy"), Some(("True".into(), "RolloutCompleted".into())));
    assert_eq!(cond("Progressing"), Some(("True".into(), "NewReplicaSetAvailable".into())));

    let events: Api<Event> = Api::namespaced(env.client.clone(), "default");
    let reasons: Vec<String> = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("web"))
        .filter_map(|e| e.reason)
        .collect();
    for want in ["NewReplicaSetCreated", "RolloutCompleted"] {
        assert!(reasons.iter().any(|r| r == want), "no {want} event among {reasons:?}");
    }
    // Sizes are on the ReplicaSets; an event per scale would double the rollout's writes.
    assert!(!reasons.iter().any(|r| r.starts_with("Scaled")), "{reasons:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_rollout_is_reported_and_does_not_hold_back_a_valid_one() {
    let mut env = Env::new().await;
    env.start_controller("ramp-a");
    let api = env.rollouts();
    // Passes the schema, fails validate(): the deadline must exceed minReadySeconds.
    let mut bad = rollout("bad", "web:v1");
    bad.spec.min_ready_seconds = 900;
    api.create(&PostParams::default(), &bad).await.unwrap();
    api.create(&PostParams::default(), &rollout("good", "web:v1")).await.unwrap();
    wait_healthy(&api, "good", None).await;
    let invalid = |r: Option<&Rollout>| {
        r.and_then(|r| r.status.as_ref())
            .is_some_and(|s| s.conditions.iter().any(|c| c.type_ == "InvalidSpec" && c.status == "True"))
    };
    let bad = tokio::time::timeout(Duration::from_secs(20), await_condition(api.clone(), "bad", invalid))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let status = bad.status.unwrap();
    assert_eq!(status.phase, Some(RolloutPhase::Degraded));
    let c = status.conditions.iter().find(|c| c.type_ == "InvalidSpec").unwrap();
    assert!(
        c.message.contains("spec.progressDeadline: must be greater than minReadySeconds"),
        "{}",
        c.message
    );
    let rss = Api::<k8s_openapi::api::apps::v1::ReplicaSet>::namespaced(env.client.clone(), "default");
    let owned = rss.list(&ListParams::default().labels("app=bad")).await.unwrap().items;
    assert!(owned.is_empty(), "an invalid Rollout creates nothing");
}
