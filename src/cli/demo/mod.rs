//! `ramp demo`: the whole product on one machine, no cluster and no Prometheus. It starts the
//! hollow cluster, the controller and (when built) the dashboard in this process, applies
//! `examples/demo/`, sends synthetic traffic, then tells a story in three acts with a live
//! timeline: v1 comes up; v2 is a healthy canary, judged by analysis and promoted; v3 fails 20%
//! of its requests and analysis aborts it, traffic back on v2. It exits 0 when both outcomes are
//! the expected ones. `--pace 0.1` compresses the timeline tenfold; `--keep-running` stays up
//! to explore with kubectl.

mod manifests;
mod show;

use std::{io::Write, net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context as _;
use futures::StreamExt;
use hollow::{clock::Clock, embedded};
use k8s_openapi::{
    api::core::v1::Service, apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
};
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
    runtime::{
        WatchStreamExt,
        wait::{await_condition, conditions},
        watcher,
    },
};
use serde_json::json;
use tokio::time::Instant;

use super::CliError;
use crate::{
    api::{Rollout, RolloutPhase, analysis::AnalysisRun, analysis::AnalysisTemplate},
    controller::{self, Settings, lease::Timing},
};
use show::Timeline;

/// `ramp demo` flags.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Compress the timeline: every pause, analysis interval and readiness delay is multiplied
    /// by this (0.1 runs ten times faster).
    #[arg(long, default_value_t = 1.0, value_parser = parse_pace)]
    pub pace: f64,
    /// Stay up after the story (cluster, controller and dashboard) until Ctrl-C, to explore
    /// with kubectl and `kubectl ramp`.
    #[arg(long)]
    pub keep_running: bool,
    /// Where the hollow cluster's API server listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Where to write the kubeconfig [default: <temp dir>/ramp-demo/kubeconfig].
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Where the dashboard listens (port 0: any free port, printed at the start). Its login
    /// token is written beside the kubeconfig as a demo-only static token file.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub dashboard: SocketAddr,
    /// Do not serve the dashboard.
    #[arg(long)]
    pub no_dashboard: bool,
}

fn parse_pace(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.01..=10.0).contains(&p) => Ok(p),
        _ => Err(format!("expected a number from 0.01 to 10, got {s:?}")),
    }
}

/// How an act ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Promoted,
    Aborted(String),
    Other(String),
}

/// Runs the demo.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(story(args, out))
}

async fn story(args: &DemoArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let start = Instant::now();
    let running = embedded::start_with_controllers(args.listen, Clock::system())
        .await
        .context("starting the hollow cluster")?;
    let url = running.url();
    let kubeconfig =
        args.kubeconfig.clone().unwrap_or_else(|| std::env::temp_dir().join("ramp-demo").join("kubeconfig"));
    embedded::write_kubeconfig(&kubeconfig, &url).context("writing the kubeconfig")?;
    let client = Client::try_from(kube::Config::new(url.parse().context("the cluster's URL")?))
        .context("a client for the hollow cluster")?;
    install_crds(&client).await?;

    let objects = manifests::load(args.pace, &url).map_err(anyhow::Error::from)?;
    let dashboard = if args.no_dashboard { None } else { Some(dashboard(args.dashboard, &kubeconfig)?) };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let dashboard_line =
        dashboard.as_ref().map(|(d, token)| format!("http://{}  (log in with token {token})", d.listen));
    let controller = tokio::spawn(controller::run_with(
        client.clone(),
        settings(),
        dashboard.map(|(d, _)| d),
        async move {
            let _ = stop_rx.await;
        },
    ));
    writeln!(
        out,
        "Ramp demo: a hollow cluster, the controller and a canary judged by analysis, in one process."
    )
    .context("writing")?;
    writeln!(out, "  cluster:    {url}  (kubectl --kubeconfig {})", kubeconfig.display())
        .context("writing")?;
    if let Some(line) = &dashboard_line {
        writeln!(out, "  dashboard:  {line}").context("writing")?;
    }
    writeln!(
        out,
        "  analysis:   the `web` provider on the hollow cluster's own SLIs ({url}/sim/sli); on a real cluster, point examples/analysis/success-rate-threshold.yaml at Prometheus"
    )
    .context("writing")?;
    if (args.pace - 1.0).abs() > f64::EPSILON {
        writeln!(out, "  pace:       every duration × {}", args.pace).context("writing")?;
    }
    writeln!(out).context("writing")?;

    let ns = "default";
    let services: Api<Service> = Api::namespaced(client.clone(), ns);
    services.create(&PostParams::default(), &objects.service).await.context("creating Service demo")?;
    let templates: Api<AnalysisTemplate> = Api::namespaced(client.clone(), ns);
    templates
        .create(&PostParams::default(), &objects.template)
        .await
        .context("creating the AnalysisTemplate")?;
    send_traffic(&url).await?;

    let rollouts: Api<Rollout> = Api::namespaced(client.clone(), ns);
    let steps = objects.rollout.spec.strategy.canary.as_ref().map_or(0, |c| c.steps.len());
    let limit = Duration::from_secs_f64((300.0 * args.pace).max(60.0));
    let tty = Timeline::stdout_is_tty();

    writeln!(out, "Act 1 — v1 comes up").context("writing")?;
    rollouts.create(&PostParams::default(), &objects.rollout).await.context("creating Rollout demo")?;
    let mut t = Timeline::new(out, tty, "demo:v1", steps, Default::default());
    let first = follow(&client, &rollouts, &mut t, start, limit).await?;
    let seen = t.finish();
    writeln!(out).context("writing")?;

    writeln!(out, "Act 2 — v2, a healthy version: canary at 20%, analysis, 60%, promotion")
        .context("writing")?;
    set_image(&rollouts, "demo:v2").await?;
    let mut t = Timeline::new(out, tty, "demo:v2", steps, seen);
    let healthy = follow(&client, &rollouts, &mut t, start, limit).await?;
    let seen = t.finish();
    writeln!(out).context("writing")?;

    writeln!(out, "Act 3 — v3, a faulty version (20% of its requests fail): analysis aborts it")
        .context("writing")?;
    set_image(&rollouts, "demo:v3-errors20").await?;
    let mut t = Timeline::new(out, tty, "demo:v3-errors20", steps, seen);
    let faulty = follow(&client, &rollouts, &mut t, start, limit).await?;
    t.finish();
    writeln!(out).context("writing")?;

    let ok =
        first == Outcome::Promoted && healthy == Outcome::Promoted && matches!(faulty, Outcome::Aborted(_));
    writeln!(out, "Outcome").context("writing")?;
    writeln!(out, "  demo:v2           {}", says(&healthy)).context("writing")?;
    writeln!(out, "  demo:v3-errors20  {}", says(&faulty)).context("writing")?;
    writeln!(out, "  in {:.1}s", start.elapsed().as_secs_f64()).context("writing")?;

    if args.keep_running {
        writeln!(out, "\nStill running; Ctrl-C stops. Try:").context("writing")?;
        writeln!(out, "  export KUBECONFIG={}", kubeconfig.display()).context("writing")?;
        writeln!(out, "  kubectl get rollouts,analysisruns    kubectl ramp promote demo")
            .context("writing")?;
        if let Some(line) = &dashboard_line {
            writeln!(out, "  the dashboard: {line}").context("writing")?;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = stop_tx.send(());
    let _ = controller.await;
    running.stop().await.context("stopping the hollow cluster")?;
    if ok {
        Ok(())
    } else {
        Err(CliError::Failed(anyhow::anyhow!(
            "the demo did not end as expected: v2 {}, v3 {}",
            says(&healthy),
            says(&faulty)
        )))
    }
}

fn says(o: &Outcome) -> String {
    match o {
        Outcome::Promoted => "promoted: Healthy, serving all traffic".into(),
        Outcome::Aborted(why) => format!("aborted by analysis: {why}"),
        Outcome::Other(what) => format!("did not finish: {what}"),
    }
}

/// The dashboard's settings and its login token: a token made for this run, written as a
/// static token file (`--dashboard-token-file`'s format: full rights, no reviews — which is
/// what the static token file exists for, and only for) beside the kubeconfig.
fn dashboard(
    listen: SocketAddr,
    kubeconfig: &std::path::Path,
) -> Result<(crate::dashboard::Settings, String), CliError> {
    use sha2::{Digest, Sha256};
    // A free port now, if asked for any (the demo prints the address before serving).
    let listen = std::net::TcpListener::bind(listen)
        .and_then(|l| l.local_addr())
        .with_context(|| format!("the dashboard cannot listen on {listen}"))?;
    let seed = format!(
        "{} {:?} {} {:p}",
        controller::clock::Clock::system().now().as_nanosecond(),
        Instant::now(),
        std::process::id(),
        &listen
    );
    let token: String = Sha256::digest(seed.as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect();
    let file = kubeconfig.with_file_name("dashboard-tokens");
    std::fs::write(
        &file,
        format!("# ramp demo only: full rights on the dashboard\n{token},demo,demo-admins\n"),
    )
    .with_context(|| format!("writing {}", file.display()))?;
    let mut d = crate::dashboard::Settings::new(listen);
    d.static_tokens =
        Some(crate::dashboard::tokens::StaticTokens::read(&file).map_err(|e| CliError::Failed(e.into()))?);
    Ok((d, token))
}

fn settings() -> Settings {
    Settings {
        namespaces: Vec::new(),
        selector: None,
        identity: "ramp-demo".into(),
        lease_name: "ramp-controller".into(),
        lease_namespace: "default".into(),
        timing: Timing {
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        },
        listen: None,
        concurrency: 4,
        clock: controller::clock::Clock::system(),
    }
}

async fn install_crds(client: &Client) -> Result<(), CliError> {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for crd in crate::api::crd::all_crds().context("generating the CRDs")? {
        let name = crd.metadata.name.clone().unwrap_or_default();
        crds.create(&PostParams::default(), &crd).await.with_context(|| format!("creating CRD {name}"))?;
        tokio::time::timeout(
            Duration::from_secs(10),
            await_condition(crds.clone(), &name, conditions::is_crd_established()),
        )
        .await
        .map_err(|_| anyhow::anyhow!("CRD {name} was not established"))?
        .with_context(|| format!("waiting for CRD {name}"))?;
    }
    Ok(())
}

/// 100 requests a second to Service `demo`, split across its ready pods by version.
async fn send_traffic(url: &str) -> Result<(), CliError> {
    let body = json!([{"namespace": "default", "service": "demo", "ratePerSecond": 100}]);
    let resp = reqwest::Client::new()
        .post(format!("{url}/sim/traffic"))
        .json(&body)
        .send()
        .await
        .context("starting the synthetic traffic")?;
    if !resp.status().is_success() {
        return Err(CliError::Failed(anyhow::anyhow!(
            "the hollow cluster refused the traffic: {}",
            resp.status()
        )));
    }
    Ok(())
}

async fn set_image(api: &Api<Rollout>, image: &str) -> Result<(), CliError> {
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}});
    api.patch("demo", &PatchParams::default(), &Patch::Merge(&patch)).await.context("changing the image")?;
    Ok(())
}

/// What the Rollout's status says about the current template, once the controller has seen it.
fn outcome(r: &Rollout) -> Option<Outcome> {
    let st = r.status.as_ref()?;
    if st.observed_generation < r.metadata.generation {
        return None;
    }
    match st.phase? {
        RolloutPhase::Healthy
            if st.stable_revision.is_some() && st.stable_revision == st.updated_revision =>
        {
            Some(Outcome::Promoted)
        }
        RolloutPhase::Aborted => Some(Outcome::Aborted(st.message.clone().unwrap_or_default())),
        _ => None,
    }
}

/// Follows Rollout `demo` and its AnalysisRuns until it is promoted or aborted (or `limit`).
async fn follow(
    client: &Client,
    rollouts: &Api<Rollout>,
    t: &mut Timeline<'_>,
    start: Instant,
    limit: Duration,
) -> Result<Outcome, CliError> {
    let runs: Api<AnalysisRun> = Api::namespaced(client.clone(), "default");
    let cfg = watcher::Config::default().fields("metadata.name=demo");
    let mut rollout_events = watcher(rollouts.clone(), cfg).applied_objects().boxed();
    let mut run_events = watcher(runs, watcher::Config::default()).applied_objects().boxed();
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            Some(Ok(r)) = rollout_events.next() => {
                t.rollout(start.elapsed(), &r);
                if let Some(o) = outcome(&r) {
                    return Ok(o);
                }
            }
            Some(Ok(run)) = run_events.next() => t.run(start.elapsed(), &run),
            _ = ticker.tick() => t.progress(start.elapsed()),
            () = &mut deadline => {
                let st = rollouts.get("demo").await.ok().and_then(|r| r.status);
                let what = st.and_then(|s| s.message).unwrap_or_else(|| "no status".into());
                t.note(start.elapsed(), &format!("gave up after {}s: {what}", limit.as_secs()));
                return Ok(Outcome::Other(what));
            }
        }
    }
}
