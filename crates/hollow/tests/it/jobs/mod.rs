//! batch/v1 Jobs on the hollow cluster: the hollow Job controller and kubelet run them to
//! completion on a virtual clock (`runs`), the API server defaults, generates and refuses as
//! the real one (`api`), and the real kubectl creates, waits for and lists one (`kubectl`).

mod api;
mod kubectl;
mod runs;

use std::time::Duration;

use crate::common::http;
use hollow::{clock::Clock, clock::epoch, controllers::Controllers, embedded};
use k8s_openapi::api::batch::v1::Job;
use kube::{
    Api, Client,
    api::{ListParams, PostParams},
};
use serde_json::{Value, json};

/// A hollow cluster on a virtual clock, its controllers run by hand.
pub struct Hollow {
    pub running: embedded::Running,
    pub client: Client,
    pub controllers: Controllers,
}

impl Hollow {
    pub async fn new() -> Self {
        let running =
            embedded::start("127.0.0.1:0".parse().unwrap(), Clock::virtual_at(epoch())).await.unwrap();
        let client = Client::try_from(kube::Config::new(running.url().parse().unwrap())).unwrap();
        let controllers = Controllers::new(running.server.clone());
        Self { running, client, controllers }
    }

    pub fn settle(&self) {
        self.controllers.settle();
    }

    pub fn advance(&self, secs: u64) {
        self.running.server.clock.advance(Duration::from_secs(secs));
        self.settle();
    }

    pub fn jobs(&self) -> Api<Job> {
        Api::namespaced(self.client.clone(), "default")
    }

    /// Creates a Job through kube-rs from its JSON and runs the controllers.
    pub async fn create(&self, job: Value) -> Job {
        let job: Job = serde_json::from_value(job).unwrap();
        let created = self.jobs().create(&PostParams::default(), &job).await.unwrap();
        self.settle();
        created
    }

    /// A Job as stored.
    pub async fn job(&self, name: &str) -> Value {
        let a =
            http::get(&self.running.server, &format!("/apis/batch/v1/namespaces/default/jobs/{name}")).await;
        assert_eq!(a.code, 200, "{}", a.body);
        a.body
    }

    /// The pods of a Job, by its job-name label, oldest first.
    pub async fn pods(&self, job: &str) -> Vec<Value> {
        let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(self.client.clone(), "default");
        let list =
            pods.list(&ListParams::default().labels(&format!("batch.kubernetes.io/job-name={job}"))).await;
        let mut out: Vec<Value> =
            list.unwrap().items.into_iter().map(|p| serde_json::to_value(p).unwrap()).collect();
        out.sort_by_key(|p| p["metadata"]["creationTimestamp"].as_str().unwrap().to_string());
        out
    }
}

/// A Job whose one container runs `image` for `run`, with more template annotations and spec.
pub fn job(name: &str, image: &str, run: &str, spec: Value) -> Value {
    let mut j = json!({
        "metadata": {"name": name},
        "spec": {"template": {"metadata": {"annotations": {"sim.ramp.dev/run-duration": run}},
                              "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": image}]}}},
    });
    for (k, v) in spec.as_object().unwrap() {
        j["spec"][k] = v.clone();
    }
    j
}

/// `(type, status, reason)` of a Job's conditions, in order.
pub fn conditions(job: &Value) -> Vec<(String, String, String)> {
    job["status"]["conditions"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| {
                    let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                    (s("type"), s("status"), s("reason"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `(type, "True", reason)`.
pub fn cond(type_: &str, reason: &str) -> (String, String, String) {
    (type_.into(), "True".into(), reason.into())
}
