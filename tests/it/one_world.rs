//! One model of Kubernetes: the same scenario run by `ramp plan`'s what-if driver and by the
//! real controller (kube-runtime, leader election, kube-rs over the in-process transport)
//! against the hollow API server leaves the same ReplicaSet and pod histories.
//!
//! The controller run is on tokio's paused clock, with the hollow cluster's clock following it,
//! so an hour of virtual time passes in milliseconds and nothing depends on the wall clock.

use crate::common;

use std::time::Duration;

use common::{ios, rollout as view, spec};
use hollow::{apiserver::ApiServer, clock::Clock, controllers::Controllers};
use jiff::SignedDuration;
use k8s_openapi::{
    api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec},
    apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta},
};
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
};
use ramp::{
    api::{Rollout, RolloutPhase, crd::rollout_crd},
    controller::{self, Settings, clock::Clock as ControllerClock, lease::Timing},
    whatif::{
        driver::{self, PodBehaviour, Scenario, Start, epoch},
        history,
    },
};
use serde_json::json;

/// Pods turn Ready this long after creation, in both runs.
const READINESS: Duration = Duration::from_secs(5);

fn scenario() -> Scenario {
    let mut s = spec(4, "1", "0", "v2");
    s.min_ready_seconds = 2;
    let rollout = Rollout {
        metadata: ObjectMeta {
            name: Some("web".into()),
            namespace: Some("default".into()),
            ..Default::default()
        },
        spec: view(s).spec,
        status: None,
    };
    let budget = PodDisruptionBudget {
        metadata: ObjectMeta {
            name: Some("web".into()),
            namespace: Some("default".into()),
            ..Default::default()
        },
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(ios("1")),
            selector: Some(LabelSelector { match_labels: Some(common::labels()), ..Default::default() }),
            ..Default::default()
        }),
        status: None,
    };
    Scenario {
        rollout,
        budgets: vec![budget],
        start: Start::FromPrevious,
        behaviour: PodBehaviour {
            readiness_delay: READINESS,
            jitter: Duration::ZERO,
            never_ready_templates: Vec::new(),
        },
        seed: 7,
        changes: Vec::new(),
        lag_chance: 0.0,
        time_limit: Duration::from_secs(3600),
        traffic: Default::default(),
    }
}

/// Polls (on the paused clock) until the Rollout is Healthy at its current generation.
async fn healthy(api: &Api<Rollout>) {
    for _ in 0..10_000 {
        let r = api.get("web").await.unwrap();
        let status = r.status.clone().unwrap_or_default();
        if status.phase == Some(RolloutPhase::Healthy) && status.observed_generation == r.metadata.generation
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the Rollout never became Healthy");
}

/// The same scenario, carried out by `ramp controller` against a hollow cluster.
async fn controller_history(sc: &Scenario) -> history::History {
    let origin = epoch() - SignedDuration::from_hours(1);
    let server = ApiServer::new(Clock::tokio_at(origin));
    // The previous revision's pods turn Ready at once, as in the what-if run.
    server.faults.update(|f| f.readiness_delay_ms = Some(0));
    tokio::spawn(Controllers::new(server.clone()).run());
    let client: Client = hollow::transport::client(&server);
    let crds = Api::all(client.clone());
    crds.create(&PostParams::default(), &rollout_crd().unwrap()).await.unwrap();
    let pdbs: Api<PodDisruptionBudget> = Api::namespaced(client.clone(), "default");
    pdbs.create(&PostParams::default(), &sc.budgets[0]).await.unwrap();
    let rollouts: Api<Rollout> = Api::namespaced(client.clone(), "default");
    let mut first = sc.rollout.clone();
    let template = first.spec.template.clone().unwrap();
    first.spec.template = Some(driver::previous_template(&template));
    rollouts.create(&PostParams::default(), &first).await.unwrap();

    let settings = Settings {
        namespaces: Vec::new(),
        selector: None,
        identity: "ramp-one-world".into(),
        lease_name: "ramp".into(),
        lease_namespace: "default".into(),
        timing: Timing::default(),
        listen: None,
        concurrency: 1,
        clock: ControllerClock::starting_at(origin),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(controller::run(client.clone(), settings, async move {
        let _ = stopped.await;
    }));
    let start = tokio::time::Instant::now();
    healthy(&rollouts).await;
    // The update, an hour after the first rollout began, as in the what-if run.
    tokio::time::sleep_until(start + Duration::from_secs(3600)).await;
    server.faults.update(|f| f.readiness_delay_ms = Some(READINESS.as_millis() as u64));
    // Back to the scenario's template: drop the previous revision's marker (null deletes it).
    let patch = json!({"spec": {"template": {"metadata": {"annotations": null}}}});
    rollouts.patch("web", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap();
    let now = rollouts.get("web").await.unwrap();
    assert_eq!(now.spec.template.as_ref(), Some(&template), "the update restores the scenario's template");
    healthy(&rollouts).await;
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    history::of_server(&server)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn ramp_plan_and_the_controller_leave_the_same_histories() {
    let sc = scenario();
    let (run, world) = driver::run_in_world(&sc).unwrap();
    assert_eq!(run.status.phase, Some(RolloutPhase::Healthy), "{:?}", run.status.message);
    let planned = history::of_server(world.server());
    let live = controller_history(&sc).await;
    assert!(planned.replica_sets.len() > 4, "too short to compare: {planned:?}");
    assert_eq!(planned.replica_sets, live.replica_sets, "ReplicaSet sizes differ");
    assert_eq!(planned.pods, live.pods, "pod counts differ");
}
