//! `ramp bench rolling`: a rolling update's wall time, the controller as its own process and
//! pods that turn Ready a fixed delay after creation, against the optimal wave schedule for
//! the same surge, unavailable and delay ([`super::waves`]).

use std::{
    collections::HashMap,
    io::Write,
    str::FromStr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use hollow::apiserver::{ApiServer, store::ChangeKind};
use serde_json::{Value, json};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use super::{
    cluster::BenchCluster,
    objects,
    process::{ControllerProcess, LeaseFlags},
    stats::{load, percentile, secs},
    wall, waves,
};
use crate::cli::CliError;

/// One rolling update to measure: `REPLICAS/SURGE/UNAVAILABLE/DELAY`, e.g. `10/1/0/2s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Pods.
    pub replicas: u32,
    /// `maxSurge` (pods).
    pub surge: u32,
    /// `maxUnavailable` (pods).
    pub unavailable: u32,
    /// Time from a pod's creation to Ready.
    pub delay: Duration,
}

impl FromStr for Case {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let [r, su, un, d] = parts.as_slice() else {
            return Err(format!("expected REPLICAS/SURGE/UNAVAILABLE/DELAY such as 10/1/0/2s, got {s:?}"));
        };
        let n = |v: &str, what: &str| {
            v.parse::<u32>().map_err(|_| format!("{what} must be a whole number, got {v:?}"))
        };
        let case = Self {
            replicas: n(r, "REPLICAS")?,
            surge: n(su, "SURGE")?,
            unavailable: n(un, "UNAVAILABLE")?,
            delay: crate::api::DurationString::new(*d).parse().map_err(|e| e.to_string())?,
        };
        if case.replicas == 0 || case.surge + case.unavailable == 0 {
            return Err(format!("{s}: replicas must be positive and surge + unavailable at least 1"));
        }
        Ok(case)
    }
}

/// Arguments of `ramp bench rolling`.
#[derive(Debug, clap::Args)]
pub struct RollingArgs {
    /// Rolling updates to measure, as REPLICAS/SURGE/UNAVAILABLE/DELAY.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10/1/0/2s,20/5/0/2s,20/3/2/2s,100/25/0/2s,10/0/3/2s"
    )]
    pub cases: Vec<Case>,
    /// Runs of each case (the median is printed).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// Runs `ramp bench rolling`.
pub fn run(args: &RollingArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.cases.is_empty() || args.runs == 0 {
        return Err(CliError::BadInput("--cases and --runs must not be empty".into()));
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    writeln!(
        out,
        "{:>8} {:>5} {:>7} {:>6} {:>5} {:>8} {:>9} {:>9} {:>8} {:>6}",
        "replicas", "surge", "unavail", "ready", "waves", "optimal", "measured", "worst", "rounding", "ratio"
    )
    .context("writing")?;
    rt.block_on(async {
        let cluster = BenchCluster::start(false).await?;
        let mut controller = ControllerProcess::spawn(&cluster, "ramp-1", LeaseFlags::default())?;
        controller.wait_serving(cluster.dir(), Duration::from_secs(60)).await?;
        for (i, case) in args.cases.iter().enumerate() {
            let ideal = waves::optimal(case.replicas, case.surge, case.unavailable, case.delay)
                .context("the case cannot roll")?;
            let (mut times, mut rounding) = (Vec::new(), Vec::new());
            for run in 0..args.runs {
                let (t, r) = measure(&cluster, &mut controller, case, &format!("roll-{i}"), run).await?;
                times.push(t);
                rounding.push(r);
            }
            let median = percentile(&times, 0.5).unwrap_or_default();
            let worst = percentile(&times, 1.0).unwrap_or_default();
            writeln!(
                out,
                "{:>8} {:>5} {:>7} {:>6} {:>5} {:>8} {:>9} {:>9} {:>8} {:>5.3}x",
                case.replicas,
                case.surge,
                case.unavailable,
                format!("{:?}", case.delay),
                ideal.waves,
                secs(Some(ideal.duration)),
                secs(Some(median)),
                secs(Some(worst)),
                secs(percentile(&rounding, 0.5)),
                median.as_secs_f64() / ideal.duration.as_secs_f64()
            )?;
            out.flush()?;
        }
        writeln!(
            out,
            "measured: image change to the Rollout Healthy on it (median of {} runs), plus the rounding: what the \
             hollow kubelet's whole-second creationTimestamp made pods early along the critical chain; optimal: an \
             ideal controller reacting in no time; load {}",
            args.runs,
            load()
        )?;
        writeln!(out, "published: no figure for Argo Rollouts or Flagger")?;
        drop(controller);
        cluster.stop().await;
        anyhow::Ok(())
    })?;
    Ok(())
}

/// What the store's change feed showed during one update: each new pod's creation and the
/// moment it turned Ready, and when the Rollout said Healthy.
#[derive(Default)]
struct Timeline {
    pods: HashMap<String, (Instant, Option<Instant>)>,
    healthy: Option<Instant>,
    lagged: bool,
}

fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

fn rollout_done(r: &Value) -> bool {
    objects::settled_in(r, "Healthy")
        && r.pointer("/status/updatedReplicas") == r.pointer("/spec/replicas")
        && r.pointer("/status/availableReplicas") == r.pointer("/spec/replicas")
        && r.pointer("/status/replicas") == r.pointer("/spec/replicas")
}

/// Follows the change feed from now on (until the task is aborted).
fn follow(server: &Arc<ApiServer>, rollout: &str) -> anyhow::Result<(JoinHandle<()>, Arc<Mutex<Timeline>>)> {
    let (_, mut rx) = server.store.watch_from(server.store.current_rv()).context("watching the store")?;
    let timeline = Arc::new(Mutex::new(Timeline::default()));
    let (out, rollout) = (timeline.clone(), rollout.to_string());
    let task = tokio::spawn(async move {
        loop {
            let c = match rx.recv().await {
                Ok(c) => c,
                Err(RecvError::Lagged(_)) => {
                    out.lock().unwrap_or_else(std::sync::PoisonError::into_inner).lagged = true;
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let at = wall();
            let mut t = out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match (c.key.resource.plural.as_str(), c.kind) {
                ("pods", ChangeKind::Added) => {
                    t.pods.insert(c.key.name.clone(), (at, None));
                }
                ("pods", ChangeKind::Modified) if pod_ready(&c.object) => {
                    if let Some((_, ready @ None)) = t.pods.get_mut(&c.key.name) {
                        *ready = Some(at);
                    }
                }
                ("rollouts", _) if c.key.name == rollout && rollout_done(&c.object) => {
                    t.healthy.get_or_insert(at);
                }
                _ => {}
            }
        }
    });
    Ok((task, timeline))
}

/// How much earlier than `delay` after its creation the pods on the critical chain turned
/// Ready. The hollow kubelet counts the delay from `creationTimestamp`, which has whole
/// seconds (as in Kubernetes), so a pod created at 12:00:00.7 with a 2 s delay is Ready at
/// 12:00:02, 1.3 s later. The chain: the pod that would have turned Ready last, then among
/// the pods Ready before it was created (whose readiness let it be created) the one that
/// would have turned Ready last, and so on back to the first wave;
/// what each was early is added back, so the wall time is what pods that take exactly
/// `delay` would give.
fn early(pods: &[(Instant, Instant)], delay: Duration) -> Duration {
    // When a pod would have turned Ready had it taken exactly `delay` (or later, if it did).
    let real = |&(created, ready): &(Instant, Instant)| (created + delay).max(ready);
    let mut total = Duration::ZERO;
    let mut cur = pods.iter().max_by_key(|p| real(p));
    while let Some(&(created, ready)) = cur {
        total += (created + delay).saturating_duration_since(ready);
        cur = pods.iter().filter(|(_, r)| *r <= created).max_by_key(|p| real(p));
    }
    total
}

/// One update of Rollout `name` (created at the first run) to its next image: its wall time,
/// with the kubelet's whole-second rounding added back (see [`early`]), and that rounding.
async fn measure(
    cluster: &BenchCluster,
    controller: &mut ControllerProcess,
    case: &Case,
    name: &str,
    run: usize,
) -> anyhow::Result<(Duration, Duration)> {
    let timeout = Duration::from_secs(600) + case.delay * case.replicas * 4;
    let every = Duration::from_millis(5);
    let server = cluster.server.clone();
    let healthy = move || Ok(objects::rollout(&server, name).is_some_and(|r| rollout_done(&r)));
    if run == 0 {
        let strategy = json!({"rollingUpdate": {"maxSurge": case.surge, "maxUnavailable": case.unavailable}});
        let delay = format!("{}ms", case.delay.as_millis());
        objects::create(
            &cluster.client,
            &objects::with_strategy(name, case.replicas, "app:v0", Some(&delay), strategy),
        )
        .await?;
        objects::wait_until("the first revision Healthy", timeout, every, healthy.clone()).await?;
    }
    controller.check_alive(cluster.dir())?;
    let (task, timeline) = follow(&cluster.server, name)?;
    let start = wall();
    objects::set_image(&cluster.client, name, &format!("app:v{}", run + 1)).await?;
    objects::wait_until("the rolling update", timeout, every, healthy).await?;
    // The feed may deliver the Healthy change a moment after the poll saw it.
    objects::wait_until("the feed's Healthy", timeout, Duration::from_millis(1), || {
        Ok(timeline.lock().unwrap_or_else(std::sync::PoisonError::into_inner).healthy.is_some())
    })
    .await?;
    task.abort();
    let t = std::mem::take(&mut *timeline.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    if t.lagged {
        bail!("the store's change feed lagged: the timeline is incomplete");
    }
    let pods: Vec<(Instant, Instant)> = t.pods.values().filter_map(|(c, r)| Some((*c, (*r)?))).collect();
    if pods.len() < usize::try_from(case.replicas).unwrap_or(usize::MAX) {
        bail!("only {} new pods turned Ready", pods.len());
    }
    let early = early(&pods, case.delay);
    let end = t.healthy.context("no Healthy in the feed")?;
    Ok((end.saturating_duration_since(start) + early, early))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rounding_is_summed_along_the_chain_of_waves() {
        #[allow(clippy::disallowed_methods)] // any instant will do: only differences are used
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let d = Duration::from_secs(2);
        // Wave 1 created at 0.3 s and 0.9 s, both Ready at 2.0: the later one would have been
        // Ready at 2.9 and holds the wave up. Wave 2 created at 2.05, Ready at 4.0 (0.05 early).
        let pods = [(at(300), at(2000)), (at(900), at(2000)), (at(2050), at(4000))];
        assert_eq!(early(&pods, d), Duration::from_millis(50) + Duration::from_millis(900));
        // A kubelet late (Ready after the delay) adds nothing back.
        assert_eq!(early(&[(at(0), at(2500))], d), Duration::ZERO);
    }

    #[test]
    fn cases_parse() {
        assert_eq!(
            "10/1/0/2s".parse::<Case>(),
            Ok(Case { replicas: 10, surge: 1, unavailable: 0, delay: Duration::from_secs(2) })
        );
        assert!("10/0/0/2s".parse::<Case>().is_err());
        assert!("10/1/2s".parse::<Case>().is_err());
        assert!("10/x/0/2s".parse::<Case>().is_err());
    }
}
