//! `ramp bench scale`: the hollow cluster and the Ramp controller in this process (TCP
//! loopback, real clock), measured at growing numbers of Rollouts: time from creation to all
//! Healthy, idle CPU, and how long a spec change takes to produce the new ReplicaSet.

use std::{
    io::Write,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use futures::StreamExt;
use hollow::{
    apiserver::{ApiServer, store::ChangeKind},
    clock::Clock,
    embedded,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
    runtime::wait::{await_condition, conditions},
};
use serde_json::{Value, json};
use tokio::sync::{broadcast::error::RecvError, oneshot};

mod cluster;
mod detection;
mod failover;
mod minimum;
mod objects;
mod process;
mod requests;
mod rolling;
mod stats;
mod steady;
mod waves;
mod whatif;

use super::CliError;
use crate::{
    api::Rollout,
    controller::{self, Settings, lease::Timing},
};

/// Arguments of `ramp bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub what: BenchWhat,
}

/// Benchmarks.
#[derive(Debug, clap::Subcommand)]
pub enum BenchWhat {
    /// Rollouts to Healthy, idle CPU and spec-change latency at growing numbers of Rollouts.
    Scale(ScaleArgs),
    /// The fault matrix: every strategy under every fault, with the checks that must hold.
    Faults(super::bench_faults::FaultsArgs),
    /// Leader failover: `ramp controller` processes whose leader is killed or stopped mid-canary.
    Failover(failover::FailoverArgs),
    /// The controller process at N Rollouts: memory, idle CPU and requests, reaction latency.
    Steady(steady::SteadyArgs),
    /// Rolling update wall time against the optimal wave schedule.
    Rolling(rolling::RollingArgs),
    /// What-if throughput: simulated rollout-hours per wall-clock second.
    Whatif(whatif::WhatifArgs),
    /// Detection time and false alarms of each judge, simulated through the runner's path.
    Detection(detection::DetectionArgs),
    /// API requests per completed rollout of each strategy against the minimum necessary.
    Requests(requests::RequestsArgs),
}

/// Arguments of `ramp bench scale`.
#[derive(Debug, clap::Args)]
pub struct ScaleArgs {
    /// Numbers of Rollouts to measure, each on a fresh cluster.
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000")]
    pub rollouts: Vec<usize>,
    /// Replicas of each Rollout.
    #[arg(long, default_value_t = 2)]
    pub replicas: u32,
    /// Length of each idle CPU window, in seconds (0 skips idle measurement).
    #[arg(long, default_value_t = 10)]
    pub idle_secs: u64,
    /// Spec changes sampled for the latency figures (0 skips them).
    #[arg(long, default_value_t = 50)]
    pub changes: usize,
    /// Give up waiting for Healthy after this many seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
}

/// One row of the table.
struct Row {
    rollouts: usize,
    replica_sets: usize,
    pods: usize,
    to_healthy: Duration,
    idle_all: Option<f64>,
    idle_hollow: Option<f64>,
    change: Option<(Duration, Duration)>,
}

/// Runs `ramp bench`.
pub fn run(args: &BenchArgs, out: &mut impl Write) -> Result<(), CliError> {
    let args = match &args.what {
        BenchWhat::Scale(args) => args,
        BenchWhat::Faults(args) => return super::bench_faults::run(args, out),
        BenchWhat::Failover(args) => return failover::run(args, out),
        BenchWhat::Steady(args) => return steady::run(args, out),
        BenchWhat::Rolling(args) => return rolling::run(args, out),
        BenchWhat::Whatif(args) => return whatif::run(args, out),
        BenchWhat::Detection(args) => return detection::run(args, out),
        BenchWhat::Requests(args) => return requests::run(args, out),
    };
    if args.rollouts.is_empty() || args.rollouts.contains(&0) {
        return Err(CliError::BadInput("--rollouts takes positive numbers, e.g. 1,100,1000".into()));
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    writeln!(
        out,
        "{:>8} {:>6} {:>7} {:>11} {:>13} {:>13} {:>9} {:>9}",
        "rollouts", "rs", "pods", "to-healthy", "idle-cpu-all", "idle-hollow", "change50", "change99"
    )
    .context("writing")?;
    for &n in &args.rollouts {
        let row = rt.block_on(measure(n, args))?;
        let pct = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0));
        let ms = |d: Duration| format!("{:.1}ms", d.as_secs_f64() * 1000.0);
        let (p50, p99) =
            row.change.map_or_else(|| ("-".to_string(), "-".to_string()), |(a, b)| (ms(a), ms(b)));
        writeln!(
            out,
            "{:>8} {:>6} {:>7} {:>10.2}s {:>13} {:>13} {:>9} {:>9}",
            row.rollouts,
            row.replica_sets,
            row.pods,
            row.to_healthy.as_secs_f64(),
            pct(row.idle_all),
            pct(row.idle_hollow),
            p50,
            p99
        )
        .context("writing")?;
        out.flush().context("writing")?;
    }
    writeln!(out, "idle CPU is of one core; -all: hollow cluster + controller, -hollow: controller stopped")
        .context("writing")?;
    Ok(())
}

/// Now, by the system clock: a benchmark measures wall time.
#[allow(clippy::disallowed_methods)]
fn wall() -> Instant {
    Instant::now()
}

/// CPU time this process has used (utime + stime from /proc/self/stat; USER_HZ is 100).
fn cpu_time() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).context("parsing /proc/self/stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields.get(i).and_then(|f| f.parse().ok()).context("parsing /proc/self/stat")
    };
    // Fields 14 and 15 of the file; the state (field 3) is the first after the name.
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// The share of one core the process used over `window`.
async fn idle_cpu(window: Duration) -> anyhow::Result<f64> {
    let (cpu0, t0) = (cpu_time()?, wall());
    tokio::time::sleep(window).await;
    Ok((cpu_time()? - cpu0).as_secs_f64() / t0.elapsed().as_secs_f64())
}

fn controller_settings() -> Settings {
    Settings {
        namespaces: Vec::new(),
        selector: None,
        identity: "ramp-bench".into(),
        lease_name: "ramp-controller".into(),
        lease_namespace: "default".into(),
        timing: Timing::default(),
        listen: None,
        concurrency: 16,
        clock: crate::controller::clock::Clock::system(),
    }
}

async fn measure(n: usize, args: &ScaleArgs) -> anyhow::Result<Row> {
    let running =
        embedded::start_with_controllers("127.0.0.1:0".parse().context("address")?, Clock::system())
            .await
            .context("starting the hollow cluster")?;
    let server = running.server.clone();
    let client =
        Client::try_from(kube::Config::new(running.url().parse().context("url")?)).context("client")?;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &crate::api::crd::rollout_crd().context("CRD")?)
        .await
        .context("CRD")?;
    tokio::time::timeout(
        Duration::from_secs(10),
        await_condition(crds, "rollouts.ramp.dev", conditions::is_crd_established()),
    )
    .await
    .context("CRD not established")?
    .context("CRD")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let controller = tokio::spawn(controller::run(client.clone(), controller_settings(), async {
        let _ = stopped.await;
    }));

    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    let start = wall();
    let created = futures::stream::iter(0..n)
        .map(|i| {
            let api = api.clone();
            async move {
                let r: Rollout = serde_json::from_value(objects::rolling(
                    &format!("r-{i}"),
                    args.replicas,
                    "app:v1",
                    None,
                ))?;
                api.create(&PostParams::default(), &r).await.map(|_| ()).map_err(anyhow::Error::from)
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    if let Some(e) = created.into_iter().find_map(Result::err) {
        return Err(e.context("creating Rollouts"));
    }
    let deadline = start + Duration::from_secs(args.timeout_secs);
    while objects::healthy_count(&server) < n {
        if wall() > deadline || controller.is_finished() {
            bail!("{} of {n} Rollouts Healthy after {:?}", objects::healthy_count(&server), start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let to_healthy = start.elapsed();
    let (replica_sets, pods) =
        (objects::count(&server, "apps", "replicasets"), objects::count(&server, "", "pods"));

    let window = Duration::from_secs(args.idle_secs);
    let idle_all = if window.is_zero() {
        None
    } else {
        // Let the last status writes land first.
        tokio::time::sleep(Duration::from_secs(2)).await;
        Some(idle_cpu(window).await?)
    };
    let change =
        if args.changes == 0 { None } else { Some(spec_changes(&server, &api, n, args.changes).await?) };
    let _ = stop.send(());
    let _ = controller.await;
    let idle_hollow = if window.is_zero() {
        None
    } else {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Some(idle_cpu(window).await?)
    };
    running.stop().await.context("stopping the hollow cluster")?;
    Ok(Row { rollouts: n, replica_sets, pods, to_healthy, idle_all, idle_hollow, change })
}

/// Changes the image of `samples` Rollouts one after another and times each from the patch
/// being sent to the new ReplicaSet appearing in the store. Returns (p50, p99).
async fn spec_changes(
    server: &Arc<ApiServer>,
    api: &Api<Rollout>,
    n: usize,
    samples: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let mut times = Vec::with_capacity(samples);
    for s in 0..samples {
        let i = s * n / samples.max(1) % n;
        let name = format!("r-{i}");
        let image = format!("app:v2-{s}");
        let (_, mut rx) = server.store.watch_from(server.store.current_rv()).context("watching the store")?;
        let patch =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
        let t0 = wall();
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch)).await.context("patching")?;
        let found = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                match rx.recv().await {
                    Ok(c)
                        if c.kind == ChangeKind::Added
                            && c.key.resource.plural == "replicasets"
                            && c.object
                                .pointer("/spec/template/spec/containers/0/image")
                                .and_then(Value::as_str)
                                == Some(image.as_str()) =>
                    {
                        return true;
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return false,
                }
            }
        })
        .await;
        if !matches!(found, Ok(true)) {
            bail!("no new ReplicaSet for {name} within 60 s");
        }
        times.push(t0.elapsed());
    }
    let at = |q| stats::percentile(&times, q).unwrap_or_default();
    Ok((at(0.50), at(0.99)))
}
