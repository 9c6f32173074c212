//! A controller instance per tokio runtime (so killing one stops everything it started), and a
//! hollow cluster with the Rollout CRD installed.

use std::time::Duration;

use hollow::{clock::Clock, embedded};
use http::{HeaderValue, header::USER_AGENT};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::{
    Api, Client,
    api::PostParams,
    runtime::wait::{await_condition, conditions},
};
use ramp::{
    api::Rollout,
    controller::{self, Settings, lease::Timing},
};
use serde_json::json;
use tokio::sync::oneshot;

/// Lease duration of test instances.
pub const LEASE: Duration = Duration::from_secs(2);
/// Renew deadline of test instances.
pub const RENEW_DEADLINE: Duration = Duration::from_secs(1);

/// A controller instance in its own runtime, so that killing it stops every task it started.
pub struct Instance {
    rt: Option<tokio::runtime::Runtime>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl Instance {
    pub fn start(url: &str, identity: &str) -> Self {
        Self::start_serving(url, identity, None)
    }

    /// Like [`start`](Self::start), serving /healthz, /readyz and /metrics on `listen`.
    pub fn start_serving(url: &str, identity: &str, listen: Option<std::net::SocketAddr>) -> Self {
        Self::start_with(url, identity, |s| s.listen = listen)
    }

    /// Like [`start`](Self::start), with the settings changed by `tweak`.
    pub fn start_with(url: &str, identity: &str, tweak: impl FnOnce(&mut Settings)) -> Self {
        Self::start_full(url, identity, tweak, None)
    }

    /// Like [`start`](Self::start), also serving the dashboard.
    pub fn start_dashboard(url: &str, identity: &str, dashboard: ramp::dashboard::Settings) -> Self {
        Self::start_full(url, identity, |_| {}, Some(dashboard))
    }

    fn start_full(
        url: &str,
        identity: &str,
        tweak: impl FnOnce(&mut Settings),
        dashboard: Option<ramp::dashboard::Settings>,
    ) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let mut config = kube::Config::new(url.parse().unwrap());
        config.headers.push((USER_AGENT, HeaderValue::from_str(&format!("ramp/test ({identity})")).unwrap()));
        let settings = Settings {
            namespaces: Vec::new(),
            selector: None,
            identity: identity.into(),
            lease_name: "ramp-controller".into(),
            lease_namespace: "default".into(),
            timing: Timing {
                lease_duration: LEASE,
                renew_deadline: RENEW_DEADLINE,
                retry_period: Duration::from_millis(200),
            },
            listen: None,
            concurrency: 4,
            clock: ramp::controller::clock::Clock::system(),
        };
        let mut settings = settings;
        tweak(&mut settings);
        let (tx, rx) = oneshot::channel::<()>();
        let done = rt.spawn(async move {
            let client = Client::try_from(config).unwrap();
            controller::run_with(client, settings, dashboard, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self { rt: Some(rt), stop: Some(tx), done: Some(done) }
    }

    /// Crash: every task stops at once, nothing is released.
    pub fn kill(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }

    /// SIGTERM: finish in-flight work, release the lease.
    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            let _ = d.await;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn rollout(image: &str) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 10, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "200ms"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

pub async fn setup() -> (embedded::Running, Client) {
    let running =
        embedded::start_with_controllers("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let client = Client::try_from(kube::Config::new(running.url().parse().unwrap())).unwrap();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in ramp::api::crd::all_crds().unwrap() {
        let name = crd.metadata.name.clone().unwrap();
        crds.create(&PostParams::default(), &crd).await.unwrap();
        tokio::time::timeout(
            Duration::from_secs(5),
            await_condition(crds.clone(), &name, conditions::is_crd_established()),
        )
        .await
        .unwrap()
        .unwrap();
    }
    (running, client)
}
