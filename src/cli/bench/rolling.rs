//! `ramp bench rolling`: a rolling update's wall time, the controller as its own process and
//! pods that turn Ready a fixed delay after creation, against the optimal wave schedule for
//! the same surge, unavailable and delay ([`super::waves`]).

use std::{io::Write, str::FromStr, time::Duration};

use anyhow::Context;
use serde_json::json;

use super::{
    cluster::BenchCluster,
    objects,
    process::{ControllerProcess, LeaseFlags},
    stats::{load, percentile, secs},
    waves,
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
        "{:>8} {:>5} {:>7} {:>6} {:>5} {:>8} {:>9} {:>9} {:>6}",
        "replicas", "surge", "unavail", "ready", "waves", "optimal", "measured", "worst", "ratio"
    )
    .context("writing")?;
    rt.block_on(async {
        let cluster = BenchCluster::start(false).await?;
        let mut controller = ControllerProcess::spawn(&cluster, "ramp-1", LeaseFlags::default())?;
        controller.wait_serving(cluster.dir(), Duration::from_secs(60)).await?;
        for (i, case) in args.cases.iter().enumerate() {
            let ideal = waves::optimal(case.replicas, case.surge, case.unavailable, case.delay)
                .context("the case cannot roll")?;
            let mut times = Vec::new();
            for run in 0..args.runs {
                times.push(measure(&cluster, &mut controller, case, &format!("roll-{i}"), run).await?);
            }
            let median = percentile(&times, 0.5).unwrap_or_default();
            let worst = percentile(&times, 1.0).unwrap_or_default();
            writeln!(
                out,
                "{:>8} {:>5} {:>7} {:>6} {:>5} {:>8} {:>9} {:>9} {:>5.3}x",
                case.replicas,
                case.surge,
                case.unavailable,
                format!("{:?}", case.delay),
                ideal.waves,
                secs(Some(ideal.duration)),
                secs(Some(median)),
                secs(Some(worst)),
                median.as_secs_f64() / ideal.duration.as_secs_f64()
            )?;
            out.flush()?;
        }
        writeln!(
            out,
            "measured: image change to the Rollout Healthy on it (median of {} runs); optimal: an ideal controller \
             reacting in no time; load {}",
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

/// One update of Rollout `name` (created at the first run) to its next image; its wall time.
async fn measure(
    cluster: &BenchCluster,
    controller: &mut ControllerProcess,
    case: &Case,
    name: &str,
    run: usize,
) -> anyhow::Result<Duration> {
    let timeout = Duration::from_secs(600) + case.delay * case.replicas * 4;
    let every = Duration::from_millis(5);
    let server = cluster.server.clone();
    let healthy = move || {
        Ok(objects::rollout(&server, name).is_some_and(|r| {
            objects::settled_in(&r, "Healthy")
                && r.pointer("/status/updatedReplicas") == r.pointer("/spec/replicas")
                && r.pointer("/status/availableReplicas") == r.pointer("/spec/replicas")
                && r.pointer("/status/replicas") == r.pointer("/spec/replicas")
        }))
    };
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
    let start = super::wall();
    objects::set_image(&cluster.client, name, &format!("app:v{}", run + 1)).await?;
    objects::wait_until("the rolling update", timeout, every, healthy).await?;
    Ok(start.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

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
