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
pub mod analysis;
pub mod clock;
pub mod context;
pub mod error;
pub mod events;
pub mod health;
pub mod lease;
pub mod metrics;
pub mod observe;
pub mod owners;
pub mod pacing;
pub mod pods;
pub mod reconcile;
pub mod render;
pub mod serve;
pub mod workload;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use futures::{StreamExt, future::join_all};
use k8s_openapi::{
    api::{
        apps::v1::{Deployment, ReplicaSet},
        core::v1::{Pod, Service},
        policy::v1::PodDisruptionBudget,
    },
    apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api, Client,
    api::DynamicObject,
    runtime::{
        Controller, WatchStreamExt,
        controller::Config as ControllerConfig,
        events::Reporter,
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
    /// The dashboard cannot listen.
    #[error("cannot serve the dashboard")]
    Dashboard(#[source] std::io::Error),
    /// The leader-election task ended on its own: this instance stopped acting rather than
    /// run on as a silent standby.
    #[error("leader election stopped unexpectedly ({0}); the controller stopped acting")]
    LeaseTask(String),
}

/// Waits for the leader-election task. If it ends before shutdown was asked for (a panic, or
/// a return), asks every part to stop and says why.
async fn watch_lease_task(
    task: tokio::task::JoinHandle<()>,
    stop: Arc<watch::Sender<bool>>,
) -> Result<(), RunError> {
    let ended = task.await;
    if *stop.borrow() {
        return Ok(());
    }
    stop.send_replace(true);
    let why = match ended {
        Ok(()) => "it returned".to_string(),
        Err(e) if e.is_panic() => "it panicked".to_string(),
        Err(e) => e.to_string(),
    };
    tracing::error!(reason = %why, "leader election task died; stopping");
    Err(RunError::LeaseTask(why))
}

/// Whether a budget selects the pods of a Rollout's template: only those Rollouts are
/// reconciled when the budget changes. A selector that cannot be evaluated counts as
/// selecting them (the planner then holds their scale-downs); no selector selects nothing.
fn budget_covers(pdb: &PodDisruptionBudget, rollout: &Rollout) -> bool {
    let Some(selector) = pdb.spec.as_ref().and_then(|s| s.selector.as_ref()) else { return false };
    let labels = rollout
        .spec
        .template
        .as_ref()
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    crate::api::selector::matches(selector, &labels).unwrap_or(true)
}

/// The Rollouts in `ns` for which `names` holds (a Service or route they name changed).
fn naming(
    rollouts: &reflector::Store<Rollout>,
    ns: Option<String>,
    names: impl Fn(&Rollout) -> bool,
) -> Vec<ObjectRef<Rollout>> {
    rollouts
        .state()
        .into_iter()
        .filter(|r| r.metadata.namespace == ns && names(r))
        .map(|r| ObjectRef::from(r.as_ref()))
        .collect()
}

/// Reports each watch event's outcome to `health`: errors fail `/readyz` (and are counted and
/// logged) until the watch delivers again.
fn watch_health<K>(
    health: health::Health,
    resource: &'static str,
    scope: &str,
) -> impl FnMut(&Result<watcher::Event<K>, watcher::Error>) + use<K> {
    let name = format!("{resource} in {scope}");
    move |e| match e {
        Ok(_) => health.watch_ok(&name),
        Err(err) => health.watch_failed(resource, &name, err),
    }
}

/// What the caches keep of an object: everything but `managedFields` and kubectl's
/// `last-applied-configuration` annotation, which nothing here reads and which are most of a
/// stored object's size (a ReplicaSet written by two managers carries two copies of its field
/// set; the annotation is a copy of the whole spec). Writes are server-side applies, which
/// never send either back.
fn lean<K: kube::Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    meta.managed_fields = None;
    if let Some(a) = meta.annotations.as_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

/// Hands each Rollout watch event (after the cache took it) to the dashboard's feed.
fn announce_rollout(
    feed: &Option<Arc<crate::dashboard::feed::Feed>>,
) -> impl FnMut(&Result<watcher::Event<Rollout>, watcher::Error>) + use<> {
    let feed = feed.clone();
    move |e| {
        if let Some(f) = &feed {
            f.rollout_event(e);
        }
    }
}

/// Hands each event of a watch of a Rollout's children to the dashboard's feed.
fn announce_child<K: kube::Resource>(
    feed: &Option<Arc<crate::dashboard::feed::Feed>>,
) -> impl FnMut(&Result<watcher::Event<K>, watcher::Error>) + use<K> {
    let feed = feed.clone();
    move |e| {
        if let Some(f) = &feed {
            f.child_event(e);
        }
    }
}

/// Fires each time this instance wins the lease (a late renewal of a lease it kept is not a
/// win: those reconciles retry on their own, so 10,000 Rollouts are not all requeued at once).
fn leadership_gained(rx: watch::Receiver<lease::Leadership>) -> impl futures::Stream<Item = ()> + Send {
    futures::stream::unfold((rx, false), |(mut rx, mut could)| async move {
        loop {
            rx.changed().await.ok()?;
            let can = rx.borrow_and_update().leader;
            let rising = can && !could;
            could = can;
            if rising {
                return Some(((), (rx, could)));
            }
        }
    })
}

/// Runs until `shutdown` resolves: finishes in-flight reconciles, then releases the lease.
pub async fn run(
    client: Client,
    s: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    run_with(client, s, None, shutdown).await
}

/// Like [`run`], also serving the dashboard when `dashboard` is given (on this replica,
/// leader or not, from the same caches).
pub async fn run_with(
    client: Client,
    s: Settings,
    dashboard: Option<crate::dashboard::Settings>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    s.timing.check().map_err(RunError::Settings)?;
    // The CRD by name: allowed by the chart's RBAC whatever namespaces are watched.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    match act::bounded(crds.get("rollouts.ramp.dev")).await {
        Err(kube::Error::Api(e)) if e.code == 404 => return Err(RunError::CrdMissing),
        Err(e) => return Err(RunError::Api(e)),
        Ok(_) => {}
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    {
        let stop_tx = stop_tx.clone();
        tokio::spawn(async move {
            shutdown.await;
            stop_tx.send_replace(true);
        });
    }
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };

    let mut registry = Registry::default();
    let metrics = Metrics::register(&mut registry);
    let (elector, leadership) =
        Elector::new(client.clone(), &s.lease_namespace, &s.lease_name, &s.identity, s.timing);
    let lease_task =
        tokio::spawn(watch_lease_task(tokio::spawn(elector.run(stop_rx.clone())), stop_tx.clone()));
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
    // Gateway API kinds the cluster serves (routes of a kind it does not serve are reported
    // missing by the planner rather than failing every watch).
    let mut route_kinds = Vec::new();
    for kind in [crate::api::RouteKind::Http, crate::api::RouteKind::Grpc] {
        let gvk = kube::api::GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", kind.kind());
        match act::bounded(kube::discovery::pinned_kind(&client, &gvk)).await {
            Ok((resource, _)) => route_kinds.push((kind, resource)),
            Err(e) => {
                tracing::info!(kind = kind.kind(), error = %e, "Gateway API route kind not served; canaries routed through it wait")
            }
        }
    }
    // AnalysisRuns, when the cluster serves them (otherwise analyses wait, said in the log).
    let analysis_gvk = kube::api::GroupVersionKind::gvk("ramp.dev", "v1alpha1", "AnalysisRun");
    let analysis_served = match act::bounded(kube::discovery::pinned_kind(&client, &analysis_gvk)).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "the AnalysisRun CRD is not served; rollouts with analysis wait (install crds/rollout.yaml)");
            false
        }
    };
    let providers = analysis::provider::Providers::new(Some(client.clone()))
        .map_err(|e| RunError::Settings(format!("cannot build the HTTP client for metric providers: {e}")))?;
    let scopes: Vec<Option<String>> =
        if s.namespaces.is_empty() { vec![None] } else { s.namespaces.iter().cloned().map(Some).collect() };
    let health = health::Health::new(scopes.len(), metrics.clone());
    let server = match s.listen {
        Some(addr) => {
            let router = serve::router(Arc::new(registry), health.clone());
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(RunError::Serve)?;
            let stop = stopped(stop_rx.clone());
            Some(tokio::spawn(
                async move { axum::serve(listener, router).with_graceful_shutdown(stop).await },
            ))
        }
        None => None,
    };
    // Fed by this controller's own watches: the dashboard starts none of its own.
    let feed = dashboard.as_ref().map(|_| Arc::new(crate::dashboard::feed::Feed::new(s.clock)));
    let mut contexts = Vec::new();
    let recorder = events::Recorder::new(
        client.clone(),
        Reporter { controller: "ramp".into(), instance: Some(s.identity.clone()) },
        s.clock,
    );
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
        let services: Api<Service> = match &ns {
            Some(n) => Api::namespaced(client.clone(), n),
            None => Api::all(client.clone()),
        };
        let (rs_reader, rs_writer) = reflector::store();
        let (pdb_reader, pdb_writer) = reflector::store();
        let owners = Arc::new(owners::OwnerIndex::default());
        let index = owners.clone();
        let scope_name = ns.as_deref().map_or_else(|| "all namespaces".to_string(), str::to_string);
        let rs_stream = watcher(rss, watcher::Config::default().labels(act::ROLLOUT_LABEL))
            .default_backoff()
            .modify(lean)
            .inspect(watch_health(health.clone(), "replicasets", &scope_name))
            .inspect(move |e| {
                if let Ok(e) = e {
                    index.apply(e);
                }
            })
            .reflect(rs_writer)
            .inspect(announce_child(&feed))
            .touched_objects();
        let pdb_stream = watcher(pdbs, watcher::Config::default())
            .default_backoff()
            .modify(lean)
            .inspect(watch_health(health.clone(), "poddisruptionbudgets", &scope_name))
            .reflect(pdb_writer)
            .touched_objects();
        let pod_health = Arc::new(pods::PodHealthIndex::default());
        let pods_api: Api<Pod> = match &ns {
            Some(n) => Api::namespaced(client.clone(), n),
            None => Api::all(client.clone()),
        };
        let pod_index = pod_health.clone();
        // Only the pods of Ramp's ReplicaSets, projected to a few numbers; a pod wakes its
        // Rollout only when its restarts or flaps change (readiness reaches the planner
        // through the ReplicaSet's status).
        let pod_stream = watcher(pods_api, watcher::Config::default().labels(act::ROLLOUT_LABEL))
            .default_backoff()
            .inspect(watch_health(health.clone(), "pods", &scope_name))
            .filter_map(move |e| {
                let woken = match e {
                    Ok(watcher::Event::Apply(pod) | watcher::Event::InitApply(pod))
                        if !pod_index.apply_pod(&pod).is_empty() =>
                    {
                        Some(Ok(pod))
                    }
                    Ok(ev) => {
                        pod_index.apply(&ev);
                        None
                    }
                    Err(e) => Some(Err(e)),
                };
                std::future::ready(woken)
            });
        let deployments_api: Api<Deployment> = match &ns {
            Some(n) => Api::namespaced(client.clone(), n),
            None => Api::all(client.clone()),
        };
        let (deploy_reader, deploy_writer) = reflector::store();
        let deploy_stream = watcher(deployments_api, watcher::Config::default())
            .default_backoff()
            .modify(lean)
            .inspect(watch_health(health.clone(), "deployments", &scope_name))
            .reflect(deploy_writer)
            .touched_objects();
        let (svc_reader, svc_writer) = reflector::store();
        let svc_stream = watcher(services, watcher::Config::default())
            .default_backoff()
            .modify(lean)
            .inspect(watch_health(health.clone(), "services", &scope_name))
            .reflect(svc_writer)
            .touched_objects();
        let mut route_caches = Vec::new();
        let mut route_readers = Vec::new();
        let mut route_streams = Vec::new();
        for (kind, resource) in &route_kinds {
            let api: Api<DynamicObject> = match &ns {
                Some(n) => Api::namespaced_with(client.clone(), n, resource),
                None => Api::all_with(client.clone(), resource),
            };
            let writer = reflector::store::Writer::<DynamicObject>::new(resource.clone());
            let reader = writer.as_reader();
            let stream = watcher(api, watcher::Config::default())
                .default_backoff()
                .modify(lean)
                .inspect(watch_health(health.clone(), kind.plural(), &scope_name))
                .reflect(writer)
                .touched_objects();
            route_readers.push(reader.clone());
            route_caches.push(context::RouteCache { kind: *kind, resource: resource.clone(), store: reader });
            route_streams.push((*kind, stream));
        }
        let runs_api: Api<crate::api::analysis::AnalysisRun> = match &ns {
            Some(n) => Api::namespaced(client.clone(), n),
            None => Api::all(client.clone()),
        };
        let run_owners = Arc::new(owners::OwnerIndex::default());
        let (run_reader, run_stream) = if analysis_served {
            let (reader, writer) = reflector::store();
            let index = run_owners.clone();
            let stream = watcher(runs_api.clone(), watcher::Config::default().labels(act::ROLLOUT_LABEL))
                .default_backoff()
                .modify(lean)
                .inspect(watch_health(health.clone(), "analysisruns", &scope_name))
                .inspect(move |e| {
                    if let Ok(e) = e {
                        index.apply(e);
                    }
                })
                .reflect(writer)
                .inspect(announce_child(&feed))
                .touched_objects();
            (Some(reader), Some(stream))
        } else {
            (None, None)
        };
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
            .modify(lean)
            .inspect(watch_health(health.clone(), "rollouts", &scope_name))
            .reflect(rollout_writer)
            .inspect(announce_rollout(&feed))
            .applied_objects();
        let (webhooks, webhook_wakeups) =
            crate::gates::Webhooks::new(client.clone(), s.clock, rollout_store.clone(), metrics.clone());
        let controller = Controller::for_stream(rollout_stream, rollout_store.clone())
            .with_config(ControllerConfig::default().concurrency(s.concurrency))
            // A webhook gate's confirmation wakes its Rollout.
            .reconcile_on(webhook_wakeups);
        let ctx = Arc::new(Context {
            client: client.clone(),
            clock: s.clock,
            recorder: recorder.clone(),
            metrics: metrics.clone(),
            leadership: leadership.clone(),
            scope: ns.clone(),
            rollouts: rollout_store.clone(),
            replica_sets: rs_reader.clone(),
            owners,
            budgets: pdb_reader.clone(),
            services: svc_reader.clone(),
            pod_health,
            deployments: deploy_reader.clone(),
            routes: route_caches,
            analysis_runs: run_reader.clone(),
            run_owners,
            failures: Default::default(),
            pacer: Default::default(),
            webhooks,
        });
        contexts.push(ctx.clone());

        // The runner: its own controller over AnalysisRuns, each woken at its next deadline.
        let runner = analysis_served.then(|| {
            let r = Arc::new(analysis::runner::Runner {
                client: client.clone(),
                clock: s.clock,
                leadership: leadership.clone(),
                providers: providers.clone(),
                recorder: recorder.clone(),
                rollouts: rollout_store.clone(),
                metrics: metrics.clone(),
            });
            let jobs: Api<k8s_openapi::api::batch::v1::Job> = match &ns {
                Some(n) => Api::namespaced(client.clone(), n),
                None => Api::all(client.clone()),
            };
            Controller::new(runs_api.clone(), watcher::Config::default().labels(act::ROLLOUT_LABEL))
                // A `job` metric's Job wakes its run when it finishes.
                .owns(jobs, watcher::Config::default().labels(analysis::provider::job::RUN_LABEL))
                .with_config(ControllerConfig::default().concurrency(s.concurrency))
                .reconcile_all_on(leadership_gained(leadership.clone()))
                .graceful_shutdown_on(stopped(stop_rx.clone()))
                .run(analysis::runner::reconcile, analysis::runner::error_policy, r)
                .for_each(|r| async move {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "analysis runner event");
                    }
                })
        });
        let run_reader_ready = run_reader.clone();
        let health = health.clone();
        let rs_of_pod = rs_reader.clone();
        let by_deployment = rollout_store.clone();
        tokio::spawn(async move {
            let mut ok = rollouts_synced.wait_for(|s| *s).await.is_ok()
                && rs_reader.wait_until_ready().await.is_ok()
                && pdb_reader.wait_until_ready().await.is_ok()
                && svc_reader.wait_until_ready().await.is_ok()
                && deploy_reader.wait_until_ready().await.is_ok();
            if let Some(r) = run_reader_ready {
                ok = ok && r.wait_until_ready().await.is_ok();
            }
            for r in route_readers {
                ok = ok && r.wait_until_ready().await.is_ok();
            }
            if ok {
                health.scope_synced();
            }
        });
        let (by_service, by_route) = (rollout_store.clone(), rollout_store.clone());
        let mut controller = controller
            .reconcile_all_on(leadership_gained(leadership.clone()))
            .owns_stream(rs_stream)
            .watches_stream(pdb_stream, move |pdb: PodDisruptionBudget| {
                let ns = pdb.metadata.namespace.clone();
                rollout_store
                    .state()
                    .into_iter()
                    .filter(move |r| r.metadata.namespace == ns && budget_covers(&pdb, r))
                    .map(|r| ObjectRef::from(r.as_ref()))
                    .collect::<Vec<_>>()
            })
            .watches_stream(pod_stream, move |pod: Pod| {
                // The pod's ReplicaSet's controller is the Rollout to wake.
                let ns = pod.metadata.namespace.clone().unwrap_or_default();
                let rs = pod
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .find(|o| o.controller == Some(true))?
                    .name
                    .clone();
                rs_of_pod.get(&ObjectRef::new(&rs).within(&ns)).and_then(|rs| {
                    rs.metadata
                        .owner_references
                        .iter()
                        .flatten()
                        .find(|o| o.controller == Some(true) && o.kind == "Rollout")
                        .map(|o| ObjectRef::<Rollout>::new(&o.name).within(&ns))
                })
            })
            .watches_stream(deploy_stream, move |d: Deployment| {
                let (ns, name) = (d.metadata.namespace.clone(), d.metadata.name.clone().unwrap_or_default());
                naming(&by_deployment, ns, |r| r.spec.workload_ref.as_ref().is_some_and(|w| w.name == name))
            })
            .watches_stream(svc_stream, move |svc: Service| {
                let (ns, name) =
                    (svc.metadata.namespace.clone(), svc.metadata.name.clone().unwrap_or_default());
                naming(&by_service, ns, |r| {
                    crate::plan::traffic::services_named(&r.spec).contains(&name.as_str())
                })
            });
        if let Some(stream) = run_stream {
            controller = controller.owns_stream(stream);
        }
        for ((kind, stream), (_, resource)) in route_streams.into_iter().zip(&route_kinds) {
            let rollouts = by_route.clone();
            controller = controller.watches_stream_with(
                stream,
                move |route: DynamicObject| {
                    let (ns, name) =
                        (route.metadata.namespace.clone(), route.metadata.name.clone().unwrap_or_default());
                    naming(&rollouts, ns, |r| {
                        crate::plan::traffic::routes_named(&r.spec).contains(&(kind, name.as_str()))
                    })
                },
                resource.clone(),
            );
        }
        let main = controller
            .graceful_shutdown_on(stopped(stop_rx.clone()))
            .run(reconcile::reconcile, reconcile::error_policy, ctx)
            .for_each(|r| async move {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "controller event");
                }
            });
        futures::future::join(main, futures::future::OptionFuture::from(runner))
    });
    // Built now (not as `join_all` polls them), so the dashboard gets every scope's caches.
    let runs: Vec<_> = runs.collect();
    let dashboard_server = match (&dashboard, feed) {
        (Some(d), Some(feed)) => {
            let parts = crate::dashboard::Parts {
                client: client.clone(),
                contexts,
                feed,
                clock: s.clock,
                instance: s.identity.clone(),
                leadership: leadership.clone(),
                stop: stop_rx.clone(),
            };
            Some(crate::dashboard::start(d, parts).await.map_err(RunError::Dashboard)?)
        }
        _ => None,
    };
    // Once asked to stop, in-flight reconciles get SHUTDOWN_GRACE to finish (their writes are
    // already refused: leadership ends first); past it they are dropped, which is safe because
    // every write is idempotent and the next leader re-derives everything.
    let overdue = {
        let stop = stopped(stop_rx.clone());
        async move {
            stop.await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        }
    };
    tokio::select! {
        _ = join_all(runs) => {}
        () = overdue => tracing::warn!(grace = ?SHUTDOWN_GRACE, "reconciles still running at shutdown were dropped"),
    }
    // The lease task releases the lease within its own bound (lease::RELEASE_TIMEOUT).
    let lease = lease_task.await.map_err(|e| RunError::LeaseTask(e.to_string())).and_then(|r| r);
    // Open keep-alive connections to /metrics or the dashboard must not hold the process.
    let servers = futures::future::join(
        futures::future::OptionFuture::from(server),
        futures::future::OptionFuture::from(dashboard_server),
    );
    let _ = tokio::time::timeout(SERVER_GRACE, servers).await;
    lease
}

/// How long in-flight reconciles may take to finish after shutdown is asked for.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long the health server may take to close its connections.
const SERVER_GRACE: Duration = Duration::from_secs(1);
/// The bound on shutdown this module keeps, whatever the API server does: reconciles, the
/// lease release and the health server, one after another.
pub const SHUTDOWN_BOUND: Duration =
    SHUTDOWN_GRACE.saturating_add(lease::RELEASE_TIMEOUT).saturating_add(SERVER_GRACE);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dead_lease_task_stops_everything_and_is_an_error() {
        let (stop, mut stopped) = watch::channel(false);
        let stop = Arc::new(stop);
        let task = tokio::spawn(async { panic!("injected") });
        let result = watch_lease_task(task, stop.clone()).await;
        assert!(matches!(&result, Err(RunError::LeaseTask(why)) if why.contains("panicked")), "{result:?}");
        assert!(*stopped.borrow_and_update(), "every part was asked to stop");

        // A task that returns on its own is as bad.
        let (stop, _) = watch::channel(false);
        let result = watch_lease_task(tokio::spawn(async {}), Arc::new(stop)).await;
        assert!(matches!(result, Err(RunError::LeaseTask(_))));

        // Ending after shutdown was asked for is the normal way out.
        let (stop, _) = watch::channel(true);
        assert!(watch_lease_task(tokio::spawn(async {}), Arc::new(stop)).await.is_ok());
    }

    #[test]
    fn a_budget_requeues_only_the_rollouts_whose_pods_it_selects() {
        let rollout = |app: &str| -> Rollout {
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": app, "namespace": "default"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}}, "strategy": {"rollingUpdate": {}},
                         "template": {"metadata": {"labels": {"app": app, "tier": "web"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}},
            }))
            .unwrap()
        };
        let pdb = |selector: serde_json::Value| -> PodDisruptionBudget {
            serde_json::from_value(serde_json::json!({"metadata": {"name": "b", "namespace": "default"}, "spec": {"selector": selector}})).unwrap()
        };
        let (web, api) = (rollout("web"), rollout("api"));
        let only_web = pdb(serde_json::json!({"matchLabels": {"app": "web"}}));
        assert!(budget_covers(&only_web, &web));
        assert!(!budget_covers(&only_web, &api));
        let tier = pdb(
            serde_json::json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}),
        );
        assert!(budget_covers(&tier, &web) && budget_covers(&tier, &api));
        let everything = pdb(serde_json::json!({}));
        assert!(budget_covers(&everything, &api), "an empty selector selects every pod");
        let broken = pdb(serde_json::json!({"matchExpressions": [{"key": "tier", "operator": "Bogus"}]}));
        assert!(budget_covers(&broken, &api), "a selector that cannot be evaluated covers them");
        let none: PodDisruptionBudget = serde_json::from_value(
            serde_json::json!({"metadata": {"name": "n", "namespace": "default"}, "spec": {}}),
        )
        .unwrap();
        assert!(!budget_covers(&none, &api));
    }
}
