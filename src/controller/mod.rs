//! The controller shell: kube-runtime around the pure planner.
//!
//! ```text
//!  watch Rollouts ─┐
//!  watch ReplicaSets (label ramp.dev/rollout) ─► stores ─► observe ─► plan ─► act (leader only)
//!  watch PodDisruptionBudgets ─┘                                         └─► status, events
//!  Lease ─► leadership (writes stop at last renew + renew deadline)
//!  /healthz /readyz /metrics
//! ```

pub mod act;
pub mod clock;
pub mod context;
pub mod error;
pub mod lease;
pub mod metrics;
pub mod observe;
pub mod owners;
pub mod reconcile;
pub mod render;
pub mod serve;

use std::{future::Future, net::SocketAddr, sync::Arc};

use futures::{StreamExt, future::join_all};
use k8s_openapi::{
    api::{apps::v1::ReplicaSet, policy::v1::PodDisruptionBudget},
    apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api, Client,
    runtime::{
        Controller, WatchStreamExt,
        controller::Config as ControllerConfig,
        events::{Recorder, Reporter},
        reflector::{self, ObjectRef},
        watcher,
    },
};
use prometheus_client::registry::Registry;
use tokio::sync::watch;

use self::{context::Context, lease::Elector, metrics::Metrics};
use crate::api::Rollout;

/// How the controller runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Namespaces to watch (empty: all).
    pub namespaces: Vec<String>,
    /// Only Rollouts matching this label selector.
    pub selector: Option<String>,
    /// This instance's name (pod name): lease holder and event reporter.
    pub identity: String,
    /// Lease name.
    pub lease_name: String,
    /// Lease namespace.
    pub lease_namespace: String,
    /// Lease timing.
    pub timing: lease::Timing,
    /// Where to serve /healthz, /readyz and /metrics (None: not served).
    pub listen: Option<SocketAddr>,
    /// Rollouts reconciled at once.
    pub concurrency: u16,
    /// Where time comes from: [`Clock::system`](clock::Clock::system) in production, a clock at
    /// a fixed start under tokio's paused time in tests.
    pub clock: clock::Clock,
}

/// Why the controller could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The Rollout CRD is not installed.
    #[error(
        "the Rollout CRD is not served by this cluster: install it first (kubectl apply -f crds/rollout.yaml, or the Helm chart)"
    )]
    CrdMissing,
    /// The API server could not be reached or refused.
    #[error("cannot reach the API server")]
    Api(#[source] kube::Error),
    /// Bad settings.
    #[error("invalid settings: {0}")]
    Settings(String),
    /// The health and metrics server failed.
    #[error("cannot serve health and metrics")]
    Serve(#[source] std::io::Error),
}

/// Runs until `shutdown` resolves: finishes in-flight reconciles, then releases the lease.
pub async fn run(
    client: Client,
    s: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    s.timing.check().map_err(RunError::Settings)?;
    // The CRD by name: allowed by the chart's RBAC whatever namespaces are watched.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    match crds.get("rollouts.ramp.dev").await {
        Err(kube::Error::Api(e)) if e.code == 404 => return Err(RunError::CrdMissing),
        Err(e) => return Err(RunError::Api(e)),
        Ok(_) => {}
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };

    let mut registry = Registry::default();
    let metrics = Metrics::register(&mut registry);
    let (elector, leadership) =
        Elector::new(client.clone(), &s.lease_namespace, &s.lease_name, &s.identity, s.timing);
    let lease_task = tokio::spawn(elector.run(stop_rx.clone()));
    {
        let (mut l, gauge) = (leadership.clone(), metrics.leader.clone());
        tokio::spawn(async move {
            loop {
                gauge.set(i64::from(l.borrow().leader));
                if l.changed().await.is_err() {
                    break;
                }
            }
        });
    }
    let (ready_tx, ready_rx) = watch::channel(false);
    let server = match s.listen {
        Some(addr) => {
            let router = serve::router(Arc::new(registry), ready_rx);
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(RunError::Serve)?;
            let stop = stopped(stop_rx.clone());
            Some(tokio::spawn(
                async move { axum::serve(listener, router).with_graceful_shutdown(stop).await },
            ))
        }
        None => None,
    };
    let recorder = Recorder::new(
        client.clone(),
        Reporter { controller: "ramp".into(), instance: Some(s.identity.clone()) },
    );
    let scopes: Vec<Option<String>> =
        if s.namespaces.is_empty() { vec![None] } else { s.namespaces.iter().cloned().map(Some).collect() };
    let ready_count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n_scopes = scopes.len();
    let runs = scopes.into_iter().map(|ns| {
        let api = |c: &Client| match &ns {
            Some(n) => (
                Api::<Rollout>::namespaced(c.clone(), n),
                Api::<ReplicaSet>::namespaced(c.clone(), n),
                Api::<PodDisruptionBudget>::namespaced(c.clone(), n),
            ),
            None => (Api::all(c.clone()), Api::all(c.clone()), Api::all(c.clone())),
        };
        let (rollouts, rss, pdbs) = api(&client);
        let (rs_reader, rs_writer) = reflector::store();
        let (pdb_reader, pdb_writer) = reflector::store();
        let owners = Arc::new(owners::OwnerIndex::default());
        let index = owners.clone();
        let rs_stream = watcher(rss, watcher::Config::default().labels(act::ROLLOUT_LABEL))
            .default_backoff()
            .inspect(move |e| {
                if let Ok(e) = e {
                    index.apply(e);
                }
            })
            .reflect(rs_writer)
            .touched_objects();
        let pdb_stream =
            watcher(pdbs, watcher::Config::default()).default_backoff().reflect(pdb_writer).touched_objects();
        let mut wc = watcher::Config::default();
        if let Some(sel) = &s.selector {
            wc = wc.labels(sel);
        }
        // The Rollout cache is ours (not the controller's internal one) so readiness can wait on it.
        let (rollout_store, rollout_writer) = reflector::store();
        // Synced once the Rollout watch has delivered its initial list (observed on the stream
        // itself: the store's own readiness signal did not wake its waiters here).
        let (rollouts_synced_tx, mut rollouts_synced) = watch::channel(false);
        let rollout_stream = watcher(rollouts, wc)
            .inspect(move |e| {
                if matches!(e, Ok(watcher::Event::InitDone)) {
                    rollouts_synced_tx.send_replace(true);
                }
            })
            .default_backoff()
            .reflect(rollout_writer)
            .applied_objects();
        let controller = Controller::for_stream(rollout_stream, rollout_store.clone())
            .with_config(ControllerConfig::default().concurrency(s.concurrency));
        let ctx = Arc::new(Context {
            client: client.clone(),
            clock: s.clock,
            recorder: recorder.clone(),
            metrics: metrics.clone(),
            leadership: leadership.clone(),
            rollouts: rollout_store.clone(),
            replica_sets: rs_reader.clone(),
            owners,
            budgets: pdb_reader.clone(),
            failures: Default::default(),
        });

        let (ready_tx, ready_count) = (ready_tx.clone(), ready_count.clone());
        tokio::spawn(async move {
            let ok = rollouts_synced.wait_for(|s| *s).await.is_ok()
                && rs_reader.wait_until_ready().await.is_ok()
                && pdb_reader.wait_until_ready().await.is_ok();
            if ok && ready_count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == n_scopes {
                let _ = ready_tx.send(true);
            }
        });
        controller
            .owns_stream(rs_stream)
            .watches_stream(pdb_stream, move |pdb: PodDisruptionBudget| {
                // A budget can cover any Rollout in its namespace.
                let ns = pdb.metadata.namespace.clone();
                rollout_store
                    .state()
                    .into_iter()
                    .filter(move |r| r.metadata.namespace == ns)
                    .map(|r| ObjectRef::from(r.as_ref()))
                    .collect::<Vec<_>>()
            })
            .graceful_shutdown_on(stopped(stop_rx.clone()))
            .run(reconcile::reconcile, reconcile::error_policy, ctx)
            .for_each(|r| async move {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "controller event");
                }
            })
    });
    join_all(runs).await;
    // In-flight reconciles are done: give the lease up so a standby takes over at once.
    let _ = lease_task.await;
    if let Some(server) = server {
        let _ = server.await;
    }
    Ok(())
}
