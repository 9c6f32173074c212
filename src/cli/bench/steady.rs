//! `ramp bench steady`: the controller as its own process (`ramp controller`, one replica)
//! against the bench cluster holding N Rollouts with two ReplicaSets each. Measured:
//!
//! - footprint: the controller's resident memory (now and peak) and CPU over an idle window,
//!   the reconciles it ran and the API requests it made in that window, lease renewal apart;
//! - reaction: spec change → the new ReplicaSet in the store, and failing verdict (an
//!   AnalysisRun's status turned `Failed`, as the runner writes it) → the HTTPRoute back to
//!   100% stable, with the canary's pods already Ready.

use std::{io::Write, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use futures::StreamExt;
use hollow::apiserver::{ApiServer, store::ResourceId};
use kube::{
    Api,
    api::{Patch, PatchParams},
};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::{
    cluster::{BenchCluster, Counts},
    objects::{self, NAMESPACE},
    process::{ControllerProcess, LeaseFlags},
    stats::{load, mib, ms, percentile},
    wall,
};
use crate::{
    api::{Rollout, analysis::AnalysisRun},
    cli::CliError,
};

/// Arguments of `ramp bench steady`.
#[derive(Debug, clap::Args)]
pub struct SteadyArgs {
    /// Numbers of Rollouts, each on a fresh cluster.
    #[arg(long, value_delimiter = ',', default_value = "100,1000")]
    pub rollouts: Vec<usize>,
    /// Pods of each Rollout.
    #[arg(long, default_value_t = 1)]
    pub replicas: u32,
    /// Length of the idle window, in seconds.
    #[arg(long, default_value_t = 30)]
    pub idle_secs: u64,
    /// Spec changes sampled (0 skips them).
    #[arg(long, default_value_t = 50)]
    pub changes: usize,
    /// Failing verdicts sampled (0 skips them).
    #[arg(long, default_value_t = 50)]
    pub verdicts: usize,
    /// Give up waiting for the Rollouts to settle after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub timeout_secs: u64,
}

/// Footprint at one N.
struct Footprint {
    rollouts: usize,
    replica_sets: usize,
    pods: usize,
    populate: Duration,
    rss: u64,
    peak: u64,
    cpu: f64,
    reconciles: f64,
    requests: Counts,
    window: Duration,
}

/// Reaction at one N: (p50, p99) of each.
struct Reaction {
    rollouts: usize,
    change: Option<(Duration, Duration)>,
    verdict: Option<(Duration, Duration)>,
}

/// Runs `ramp bench steady`.
pub fn run(args: &SteadyArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.rollouts.is_empty() || args.rollouts.contains(&0) {
        return Err(CliError::BadInput("--rollouts takes positive numbers, e.g. 100,1000,10000".into()));
    }
    if args.idle_secs == 0 {
        return Err(CliError::BadInput("--idle-secs must be at least 1".into()));
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let mut footprints = Vec::new();
    let mut reactions = Vec::new();
    for &n in &args.rollouts {
        let (f, r) = rt.block_on(measure(n, args))?;
        footprints.push(f);
        reactions.push(r);
    }
    print(&footprints, &reactions, out)?;
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn per_sec(n: u64, window: Duration) -> String {
    format!("{:.2}", n as f64 / window.as_secs_f64())
}

fn print(footprints: &[Footprint], reactions: &[Reaction], out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:>8} {:>6} {:>6} {:>9} {:>9} {:>9} {:>8} {:>12} {:>8} {:>8} {:>8}",
        "rollouts",
        "rs",
        "pods",
        "populate",
        "rss",
        "peak-rss",
        "idle-cpu",
        "reconciles/s",
        "lease/s",
        "other/s",
        "writes/s"
    )?;
    for f in footprints {
        let other = f.requests.beyond_lease();
        writeln!(
            out,
            "{:>8} {:>6} {:>6} {:>8.0}s {:>9} {:>9} {:>7.2}% {:>12.2} {:>8} {:>8} {:>8}",
            f.rollouts,
            f.replica_sets,
            f.pods,
            f.populate.as_secs_f64(),
            mib(f.rss),
            mib(f.peak),
            f.cpu * 100.0,
            f.reconciles / f.window.as_secs_f64(),
            per_sec(f.requests.lease, f.window),
            per_sec(other, f.window),
            per_sec(f.requests.writes + f.requests.events, f.window),
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:>8} {:>11} {:>11} {:>12} {:>12}",
        "rollouts", "change-p50", "change-p99", "verdict-p50", "verdict-p99"
    )?;
    for r in reactions {
        let (c50, c99) = r.change.map_or((None, None), |(a, b)| (Some(a), Some(b)));
        let (v50, v99) = r.verdict.map_or((None, None), |(a, b)| (Some(a), Some(b)));
        writeln!(out, "{:>8} {:>11} {:>11} {:>12} {:>12}", r.rollouts, ms(c50), ms(c99), ms(v50), ms(v99))?;
    }
    writeln!(
        out,
        "the controller is one `ramp controller` process; idle-cpu is of one core over the idle window; \
         other/s: its requests beyond the lease (watch restarts included); load {}",
        load()
    )?;
    writeln!(
        out,
        "published: Argo Rollouts 11-14 GB RSS and 2-3 CPUs at 11-13k Rollouts (argo-rollouts#2855); \
         Flagger advances on a 10 s ticker, at least one analysis interval per step (flagger#638 at ~50 canaries)"
    )?;
    out.flush()?;
    Ok(())
}

/// The canary the verdict samples use: routed by an HTTPRoute, paused on an analysis whose
/// only metric waits an hour, so the benchmark is the one to fail it.
async fn install_verdict_canary(cluster: &BenchCluster) -> anyhow::Result<()> {
    let client = &cluster.client;
    let post = |path: &str, body: Value| {
        let client = client.clone();
        let path = path.to_string();
        async move {
            let req = http::Request::post(&path)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).context("encoding")?)
                .context("building a request")?;
            client.request::<Value>(req).await.with_context(|| format!("POST {path}"))
        }
    };
    for svc in ["canary-stable", "canary-canary"] {
        post(
            &format!("/api/v1/namespaces/{NAMESPACE}/services"),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc},
                   "spec": {"selector": {"app": "canary"}, "ports": [{"port": 80}]}}),
        )
        .await?;
    }
    post(
        &format!("/apis/gateway.networking.k8s.io/v1/namespaces/{NAMESPACE}/httproutes"),
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "canary"},
               "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
                   {"name": "canary-stable", "port": 80, "weight": 100},
                   {"name": "canary-canary", "port": 80, "weight": 0}]}]}}),
    )
    .await?;
    post(
        &format!("/apis/ramp.dev/v1alpha1/namespaces/{NAMESPACE}/analysistemplates"),
        json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": "held"},
               "spec": {"metrics": [{"name": "held", "initialDelay": "1h",
                   "provider": {"web": {"url": "http://127.0.0.1:9/never", "jsonPath": "$.value"}},
                   "judge": {"threshold": {"successCondition": "result >= 0"}}}]}}),
    )
    .await?;
    let strategy = json!({"canary": {
        "stableService": "canary-stable", "canaryService": "canary-canary",
        "trafficRouting": {"gatewayApi": {"httpRoute": "canary"}},
        "steps": [{"setWeight": 50}, {"analysis": {"templates": [{"templateName": "held"}]}}]}});
    objects::create(client, &objects::with_strategy("canary", 2, "canary:v1", None, strategy)).await
}

/// The canary backend's weight in the route.
fn canary_weight(route: &Value) -> Option<i64> {
    route
        .pointer("/spec/rules/0/backendRefs")?
        .as_array()?
        .iter()
        .find(|b| b.get("name").and_then(Value::as_str) == Some("canary-canary"))?
        .get("weight")?
        .as_i64()
}

/// The canary's AnalysisRuns in a line each (for an error message).
fn runs_shown(server: &ApiServer) -> String {
    let (runs, _) = server.store.list(&ResourceId::new("ramp.dev", "analysisruns"), Some(NAMESPACE));
    let field = |r: &Value, p: &str| r.pointer(p).map(Value::to_string).unwrap_or_default();
    runs.iter()
        .map(|r| {
            format!(
                "{} phase {} superseded {} terminate {} message {}",
                field(r, "/metadata/name"),
                field(r, "/status/phase"),
                field(r, "/spec/superseded"),
                field(r, "/spec/terminate"),
                field(r, "/status/message")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The canary's AnalysisRun once the controller's runner has taken it (phase `Running`): a
/// verdict written before the runner's own first status write would be overwritten by it, as
/// the runner owns that status.
fn running_run(server: &ApiServer) -> Option<String> {
    let (runs, _) = server.store.list(&ResourceId::new("ramp.dev", "analysisruns"), Some(NAMESPACE));
    runs.iter()
        .filter(|r| r.pointer("/spec/rollout").and_then(Value::as_str) == Some("canary"))
        .filter(|r| r.pointer("/spec/superseded").and_then(Value::as_bool) != Some(true))
        .find(|r| r.pointer("/status/phase").and_then(Value::as_str) == Some("Running"))
        .and_then(|r| r.pointer("/metadata/name").and_then(Value::as_str).map(str::to_string))
}

fn route(server: &ApiServer) -> Option<Arc<Value>> {
    server.store.get(&hollow::apiserver::store::ObjectKey {
        resource: ResourceId::new("gateway.networking.k8s.io", "httproutes"),
        namespace: NAMESPACE.into(),
        name: "canary".into(),
    })
}

/// Each sample: a new canary revision reaches its analysis at 50% with its pods Ready; the
/// run is failed; timed until the route's canary weight is 0. Returns (p50, p99).
async fn verdicts(
    cluster: &BenchCluster,
    samples: usize,
    timeout: Duration,
) -> anyhow::Result<(Duration, Duration)> {
    let server = cluster.server.clone();
    let runs: Api<AnalysisRun> = Api::namespaced(cluster.client.clone(), NAMESPACE);
    let mut times = Vec::with_capacity(samples);
    // Its first revision has no stable to compare with: it goes straight to full size.
    objects::wait_until(
        "the verdict canary's first revision Healthy",
        timeout,
        Duration::from_millis(10),
        || Ok(objects::rollout(&server, "canary").is_some_and(|r| objects::settled_in(&r, "Healthy"))),
    )
    .await?;
    for s in 0..samples {
        objects::set_image(&cluster.client, "canary", &format!("canary:v{}", s + 2)).await?;
        let mut run = None;
        objects::wait_until(
            "the canary at its analysis with its pods Ready",
            timeout,
            Duration::from_millis(5),
            || {
                let r = objects::rollout(&server, "canary");
                // Step 1 (the analysis) is reached once setWeight 50 is done: the canary's
                // pods are Ready and the route carries the weight.
                let ready = r.as_ref().is_some_and(|r| {
                    r.pointer("/status/observedGeneration") == r.pointer("/metadata/generation")
                        && r.pointer("/status/currentStep").and_then(Value::as_i64) == Some(1)
                });
                run = running_run(&server);
                Ok(ready && run.is_some() && route(&server).as_deref().and_then(canary_weight) == Some(50))
            },
        )
        .await
        .with_context(|| {
            let r = objects::rollout(&server, "canary");
            let field = |p: &str| r.as_ref().and_then(|r| r.pointer(p)).cloned().unwrap_or_default();
            format!(
                "sample {s}: canary status: step {}, {}; route canary weight {:?}; runs: {}",
                field("/status/currentStep"),
                field("/status/message"),
                route(&server).as_deref().and_then(canary_weight),
                runs_shown(&server)
            )
        })?;
        let name = run.context("no running AnalysisRun")?;
        let (_, mut rx) = server.store.watch_from(server.store.current_rv()).context("watching the store")?;
        let t0 = wall();
        let verdict = json!({"status": {"phase": "Failed", "message": "ramp bench: a failing verdict"}});
        runs.patch_status(&name, &PatchParams::default(), &Patch::Merge(&verdict))
            .await
            .with_context(|| format!("failing AnalysisRun {name}"))?;
        let back = tokio::time::timeout(timeout, async {
            loop {
                match rx.recv().await {
                    Ok(c) if c.key.resource.plural == "httproutes" && canary_weight(&c.object) == Some(0) => {
                        return true;
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return false,
                }
            }
        })
        .await;
        if !matches!(back, Ok(true)) {
            let r = objects::rollout(&server, "canary");
            let field = |p: &str| r.as_ref().and_then(|r| r.pointer(p)).cloned().unwrap_or_default();
            let run =
                runs.get_status(&name).await.ok().and_then(|r| r.status).map(|s| format!("{:?}", s.phase));
            bail!(
                "traffic not back on stable within {timeout:?} of failing AnalysisRun {name} (sample {s}): \
                 canary phase {}, step {}, {}; run phase {run:?}; route canary weight {:?}",
                field("/status/phase"),
                field("/status/currentStep"),
                field("/status/message"),
                route(&server).as_deref().and_then(canary_weight)
            );
        }
        times.push(t0.elapsed());
    }
    let p = |q| percentile(&times, q).unwrap_or_default();
    Ok((p(0.5), p(0.99)))
}

/// Creates `n` Rollouts `r-<i>` and waits until all are Healthy; then gives each a second
/// revision and waits again (two ReplicaSets each).
async fn populate(
    cluster: &BenchCluster,
    n: usize,
    args: &SteadyArgs,
    controller: &mut ControllerProcess,
) -> anyhow::Result<()> {
    let timeout = Duration::from_secs(args.timeout_secs);
    let client = cluster.client.clone();
    let created = futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            async move {
                objects::create(&client, &objects::rolling(&format!("r-{i}"), args.replicas, "app:v1", None))
                    .await
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    created.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    settle(cluster, n, timeout, controller).await?;
    let changed = futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            async move { objects::set_image(&client, &format!("r-{i}"), "app:v2").await }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    changed.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    settle(cluster, n, timeout, controller).await
}

/// Waits until `n` Rollouts are Healthy for their current spec.
async fn settle(
    cluster: &BenchCluster,
    n: usize,
    timeout: Duration,
    controller: &mut ControllerProcess,
) -> anyhow::Result<()> {
    let start = wall();
    loop {
        let healthy = objects::healthy_count(&cluster.server);
        if healthy >= n {
            return Ok(());
        }
        controller.check_alive(cluster.dir())?;
        if start.elapsed() > timeout {
            bail!("{healthy} of {n} Rollouts Healthy after {:?}", start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn measure(n: usize, args: &SteadyArgs) -> anyhow::Result<(Footprint, Reaction)> {
    let cluster = BenchCluster::start(true).await?;
    let mut controller = ControllerProcess::spawn(&cluster, "ramp-1", LeaseFlags::default())?;
    controller.wait_serving(cluster.dir(), Duration::from_secs(60)).await?;
    let start = wall();
    populate(&cluster, n, args, &mut controller).await?;
    let populate_time = start.elapsed();
    let (replica_sets, pods) =
        (objects::count(&cluster.server, "apps", "replicasets"), objects::count(&cluster.server, "", "pods"));
    eprintln!(
        "{n} Rollouts Healthy on their second revision after {populate_time:.1?}; idle window (load {})",
        load()
    );

    // The last status writes and events land first.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let window = Duration::from_secs(args.idle_secs);
    let (cpu0, rec0, req0, t0) = (
        controller.cpu()?,
        controller.metric("ramp_reconciles_total").await?,
        cluster.requests.of(&controller.identity),
        wall(),
    );
    tokio::time::sleep(window).await;
    let elapsed = t0.elapsed();
    let footprint = Footprint {
        rollouts: n,
        replica_sets,
        pods,
        populate: populate_time,
        rss: controller.rss()?,
        peak: controller.peak_rss()?,
        cpu: (controller.cpu()? - cpu0).as_secs_f64() / elapsed.as_secs_f64(),
        reconciles: controller.metric("ramp_reconciles_total").await? - rec0,
        requests: cluster.requests.of(&controller.identity).since(&req0),
        window: elapsed,
    };

    let api: Api<Rollout> = Api::namespaced(cluster.client.clone(), NAMESPACE);
    let timeout = Duration::from_secs(60);
    let change = if args.changes == 0 {
        None
    } else {
        Some(super::spec_changes(&cluster.server, &api, n, args.changes).await?)
    };
    let verdict = if args.verdicts == 0 {
        None
    } else {
        install_verdict_canary(&cluster).await?;
        Some(verdicts(&cluster, args.verdicts, timeout).await?)
    };
    controller.check_alive(cluster.dir())?;
    drop(controller);
    cluster.stop().await;
    Ok((footprint, Reaction { rollouts: n, change, verdict }))
}
