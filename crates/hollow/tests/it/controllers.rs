//! The hollow controllers and kubelets on a virtual clock: each test moves time by hand and
//! runs the controllers to quiescence, so nothing depends on wall-clock timing.

use std::time::Duration;

use hollow::{clock::Clock, clock::epoch, controllers::Controllers, embedded};
use k8s_openapi::api::{
    apps::v1::{Deployment, ReplicaSet},
    core::v1::Pod,
    policy::v1::PodDisruptionBudget,
};
use kube::{
    Api, Client,
    api::{DeleteParams, EvictParams, ListParams, Patch, PatchParams, PostParams},
};
use serde_json::json;

struct Hollow {
    running: embedded::Running,
    client: Client,
    controllers: Controllers,
}

impl Hollow {
    async fn new() -> Self {
        let running =
            embedded::start("127.0.0.1:0".parse().unwrap(), Clock::virtual_at(epoch())).await.unwrap();
        let mut config = kube::Config::new(running.url().parse().unwrap());
        // These tests assert 429s; kube's default client would retry them.
        config.default_retry = false;
        let client = Client::try_from(config).unwrap();
        let controllers = Controllers::new(running.server.clone());
        Self { running, client, controllers }
    }
    fn settle(&self) {
        self.controllers.settle();
    }
    fn advance(&self, secs: u64) {
        self.running.server.clock.advance(Duration::from_secs(secs));
        self.settle();
    }
    fn api<K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>>(&self) -> Api<K>
    where
        K::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), "default")
    }
}

fn replica_set(name: &str, replicas: i32, image: &str, delay: &str, min_ready: i32) -> ReplicaSet {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "minReadySeconds": min_ready, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}, "annotations": {"sim.ramp.dev/readiness-delay": delay}},
                              "spec": {"containers": [{"name": "c", "image": image}]}}}
    }))
    .unwrap()
}

fn pdb(name: &str, spec: serde_json::Value) -> PodDisruptionBudget {
    let mut spec = spec;
    spec["selector"] = json!({"matchLabels": {"app": "web"}});
    serde_json::from_value(json!({"metadata": {"name": name}, "spec": spec})).unwrap()
}

async fn rs_counts(h: &Hollow, name: &str) -> (i32, i32, i32) {
    let s = h.api::<ReplicaSet>().get(name).await.unwrap().status.unwrap();
    (s.replicas, s.ready_replicas.unwrap_or(0), s.available_replicas.unwrap_or(0))
}

#[tokio::test]
async fn twenty_replicas_become_ready_exactly_after_their_readiness_delay() {
    let h = Hollow::new().await;
    h.api::<ReplicaSet>()
        .create(&PostParams::default(), &replica_set("web", 20, "nginx:1.27", "10s", 5))
        .await
        .unwrap();
    h.settle();
    assert_eq!(rs_counts(&h, "web").await, (20, 0, 0));
    let pods = h.api::<Pod>().list(&ListParams::default().labels("app=web")).await.unwrap();
    assert!(pods.items.iter().all(|p| p.status.as_ref().unwrap().phase.as_deref() == Some("Running")));
    h.advance(9);
    assert_eq!(rs_counts(&h, "web").await, (20, 0, 0), "not Ready before 10s");
    h.advance(1);
    assert_eq!(
        rs_counts(&h, "web").await,
        (20, 20, 0),
        "all Ready at 10s, none available before minReadySeconds"
    );
    h.advance(5);
    assert_eq!(rs_counts(&h, "web").await, (20, 20, 20), "available after 5s more");
}

#[tokio::test]
async fn budget_status_follows_pods_as_they_come_and_go() {
    let h = Hollow::new().await;
    h.api::<ReplicaSet>()
        .create(&PostParams::default(), &replica_set("web", 4, "nginx:1.27", "5s", 0))
        .await
        .unwrap();
    h.api::<PodDisruptionBudget>()
        .create(&PostParams::default(), &pdb("max1", json!({"maxUnavailable": 1})))
        .await
        .unwrap();
    h.api::<PodDisruptionBudget>()
        .create(&PostParams::default(), &pdb("min2", json!({"minAvailable": 2})))
        .await
        .unwrap();
    h.settle();
    let status = |name: &'static str| {
        let api = h.api::<PodDisruptionBudget>();
        async move {
            let s = api.get(name).await.unwrap().status.unwrap();
            (s.current_healthy, s.desired_healthy, s.expected_pods, s.disruptions_allowed)
        }
    };
    assert_eq!(status("max1").await, (0, 3, 4, 0));
    h.advance(5);
    assert_eq!(status("max1").await, (4, 3, 4, 1));
    assert_eq!(status("min2").await, (4, 2, 4, 2));
    // Scaling up: the new pods are expected but not healthy yet.
    h.api::<ReplicaSet>()
        .patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 6}})))
        .await
        .unwrap();
    h.settle();
    assert_eq!(status("max1").await, (4, 5, 6, 0));
    assert_eq!(status("min2").await, (4, 2, 6, 2));
    h.advance(5);
    assert_eq!(status("max1").await, (6, 5, 6, 1));
}

#[tokio::test]
async fn eviction_honours_the_budget() {
    let h = Hollow::new().await;
    h.api::<ReplicaSet>()
        .create(&PostParams::default(), &replica_set("web", 3, "nginx:1.27", "1s", 0))
        .await
        .unwrap();
    h.api::<PodDisruptionBudget>()
        .create(&PostParams::default(), &pdb("web", json!({"maxUnavailable": 1})))
        .await
        .unwrap();
    h.settle();
    h.advance(1);
    let pods: Vec<String> = h
        .api::<Pod>()
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    let first = h.api::<Pod>().evict(&pods[0], &EvictParams::default()).await;
    assert!(first.is_ok(), "{first:?}");
    let budget = h.api::<PodDisruptionBudget>().get("web").await.unwrap().status.unwrap();
    assert_eq!(budget.disruptions_allowed, 0);
    assert!(budget.disrupted_pods.unwrap_or_default().contains_key(&pods[0]));
    let second = h.api::<Pod>().evict(&pods[1], &EvictParams::default()).await.unwrap_err();
    assert!(matches!(&second, kube::Error::Api(s) if s.code == 429), "{second:?}");
    // The ReplicaSet replaces the evicted pod; once it is Ready the budget allows one again.
    h.settle();
    assert_eq!(
        h.api::<PodDisruptionBudget>().get("web").await.unwrap().status.unwrap().disruptions_allowed,
        0
    );
    h.advance(1);
    assert_eq!(
        h.api::<PodDisruptionBudget>().get("web").await.unwrap().status.unwrap().disruptions_allowed,
        1
    );
}

#[tokio::test]
async fn never_ready_and_crash_looping_images() {
    let h = Hollow::new().await;
    h.api::<ReplicaSet>()
        .create(&PostParams::default(), &replica_set("stuck", 2, "app:v2-unready", "1s", 0))
        .await
        .unwrap();
    h.api::<ReplicaSet>()
        .create(&PostParams::default(), &replica_set("crash", 1, "app:v2-crashloop", "1s", 0))
        .await
        .unwrap();
    h.advance(60);
    assert_eq!(rs_counts(&h, "stuck").await, (2, 0, 0));
    assert_eq!(rs_counts(&h, "crash").await, (1, 0, 0));
    let crash =
        h.api::<Pod>().list(&ListParams::default().labels("app=crash")).await.unwrap().items.remove(0);
    let state = crash.status.unwrap().container_statuses.unwrap().remove(0).state.unwrap();
    assert_eq!(state.waiting.unwrap().reason.as_deref(), Some("CrashLoopBackOff"));
}

#[tokio::test]
async fn shrinking_removes_unready_pods_first_and_gc_takes_the_rest() {
    let h = Hollow::new().await;
    h.api::<ReplicaSet>()
        .create(&PostParams::default(), &replica_set("web", 2, "nginx:1.27", "1s", 0))
        .await
        .unwrap();
    h.settle();
    h.advance(1);
    let ready: Vec<String> = h
        .api::<Pod>()
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    h.api::<ReplicaSet>()
        .patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 4}})))
        .await
        .unwrap();
    h.settle();
    h.api::<ReplicaSet>()
        .patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 2}})))
        .await
        .unwrap();
    h.settle();
    let left: Vec<String> = h
        .api::<Pod>()
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    assert_eq!(left, ready, "the two new, not yet Ready pods went first");
    h.api::<ReplicaSet>().delete("web", &DeleteParams::default()).await.unwrap();
    h.settle();
    assert!(
        h.api::<Pod>().list(&ListParams::default()).await.unwrap().items.is_empty(),
        "pods collected with their owner"
    );
}

#[tokio::test]
async fn deployment_owns_a_replica_set_whose_pods_become_ready() {
    let h = Hollow::new().await;
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                     "readinessProbe": {"initialDelaySeconds": 3, "httpGet": {"path": "/", "port": 80}}}]}}}
    }))
    .unwrap();
    h.api::<Deployment>().create(&PostParams::default(), &d).await.unwrap();
    h.settle();
    let rss = h.api::<ReplicaSet>().list(&ListParams::default()).await.unwrap().items;
    assert_eq!(rss.len(), 1);
    let owner = &rss[0].metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!((owner.kind.as_str(), owner.controller), ("Deployment", Some(true)));
    h.advance(3);
    let status = h.api::<Deployment>().get("web").await.unwrap().status.unwrap();
    assert_eq!((status.ready_replicas, status.available_replicas), (Some(3), Some(3)));
}

/// When each pod of `app=web` turned Ready (None while it is not).
async fn ready_since(h: &Hollow) -> Vec<Option<jiff::Timestamp>> {
    let pods = h.api::<Pod>().list(&ListParams::default().labels("app=web")).await.unwrap();
    pods.items
        .iter()
        .map(|p| {
            let conds = p.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default();
            let ready = conds.into_iter().find(|c| c.type_ == "Ready" && c.status == "True")?;
            Some(ready.last_transition_time?.0)
        })
        .collect()
}

#[tokio::test]
async fn pods_turn_ready_each_at_its_own_time_and_stay_ready_when_the_delay_changes() {
    let h = Hollow::new().await;
    h.running.server.faults.update(|f| {
        f.readiness_delay_ms = Some(10_000);
        f.readiness_jitter_ms = 5_000;
        f.readiness_seed = 3;
    });
    h.api::<ReplicaSet>()
        .create(&PostParams::default(), &replica_set("web", 6, "nginx:1.27", "0s", 0))
        .await
        .unwrap();
    h.settle();
    let start = h.running.server.clock.now();
    for second in 1..=16 {
        h.advance(1);
        let now = h.running.server.clock.now();
        let since = ready_since(&h).await;
        for t in since.iter().flatten() {
            assert!(*t <= now, "Ready at {t} reported before it ({now})");
            let after = t.duration_since(start).as_secs_f64();
            assert!((10.0..=15.0).contains(&after), "Ready {after}s after creation, outside 10-15s");
        }
        let ready = since.iter().flatten().count() as i32;
        assert_eq!(rs_counts(&h, "web").await.1, ready, "ReplicaSet status at {second}s");
    }
    let since = ready_since(&h).await;
    assert!(since.iter().all(Option::is_some), "all Ready after 16s: {since:?}");
    let distinct: std::collections::BTreeSet<_> = since.iter().flatten().collect();
    assert!(distinct.len() > 1, "the jitter spreads the pods' Ready times: {since:?}");

    // A longer delay (or a slower kubelet) is about pods not Ready yet.
    h.running.server.faults.update(|f| {
        f.readiness_delay_ms = Some(3_600_000);
        f.kubelet_delay_ms = 60_000;
    });
    h.advance(1);
    assert_eq!(ready_since(&h).await, since, "Ready pods keep their Ready condition and its time");
}

#[tokio::test]
async fn a_forked_server_holds_the_same_objects_and_goes_its_own_way() {
    let h = Hollow::new().await;
    let rs = h.api::<ReplicaSet>();
    rs.create(&PostParams::default(), &replica_set("web", 2, "nginx:1.27", "0s", 0)).await.unwrap();
    h.settle();
    let original = &h.running.server;
    let fork = original.fork(Clock::virtual_at(original.clock.now()));
    let key = |s: &hollow::apiserver::ApiServer| {
        let (items, rv) =
            s.store.list(&hollow::apiserver::store::ResourceId::new("", "pods"), Some("default"));
        (items.iter().map(|p| p["metadata"]["name"].as_str().unwrap().to_string()).collect::<Vec<_>>(), rv)
    };
    assert_eq!(key(original), key(&fork), "same pods at the same resourceVersion");
    assert_eq!(fork.store.current_rv(), original.store.current_rv());

    // Scaling the fork's ReplicaSet to 4 changes nothing in the original.
    let forked = Controllers::new(fork.clone());
    let def = fork.registry.lookup("apps", "v1", "replicasets").unwrap();
    let key_rs = hollow::apiserver::objects::object_key(&def, Some("default"), "web");
    let old = fork.store.get(&key_rs).unwrap();
    let mut obj = (*old).clone();
    obj["spec"]["replicas"] = json!(4);
    let ctx = hollow::controllers::Ctx::new(fork.clone(), "test");
    ctx.update(&def, &old, obj, hollow::apiserver::objects::Part::Main).unwrap();
    forked.settle();
    assert_eq!(key(&fork).0.len(), 4);
    assert_eq!(key(original).0.len(), 2, "the original still has its two pods");
    assert!(fork.store.current_rv() > original.store.current_rv());
    let names: std::collections::BTreeSet<String> = key(&fork).0.into_iter().collect();
    assert!(key(original).0.iter().all(|n| names.contains(n)), "the fork kept the original's pods");
}
