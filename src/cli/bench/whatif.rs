//! `ramp bench whatif`: how fast the what-if driver (`src/whatif/`) runs rollouts, the real
//! planner against the hollow cluster on its virtual clock, in simulated rollout-hours per
//! wall-clock second.

use std::{io::Write, time::Duration};

use anyhow::Context;
use serde_json::{Value, json};

use super::{stats::load, wall};
use crate::{
    api::Rollout,
    cli::CliError,
    whatif::driver::{self, PodBehaviour, Scenario, Start, Traffic},
};

/// Arguments of `ramp bench whatif`.
#[derive(Debug, clap::Args)]
pub struct WhatifArgs {
    /// Runs of each scenario, each with its own seed.
    #[arg(long, default_value_t = 20)]
    pub runs: u64,
}

fn rollout(replicas: u32, strategy: Value) -> anyhow::Result<Rollout> {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "strategy": strategy,
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}
    }))
    .context("a what-if Rollout does not parse")
}

/// The scenarios: (name, what it is, the scenario for a seed).
fn scenarios() -> anyhow::Result<Vec<(&'static str, Scenario)>> {
    let base = |rollout: Rollout, services: Vec<String>| Scenario {
        rollout,
        budgets: Vec::new(),
        start: Start::FromPrevious,
        behaviour: PodBehaviour {
            readiness_delay: Duration::from_secs(30),
            jitter: Duration::from_secs(10),
            never_ready_templates: Vec::new(),
        },
        seed: 1,
        changes: Vec::new(),
        lag_chance: 0.0,
        time_limit: Duration::from_secs(24 * 3600),
        traffic: Traffic { services, route: None },
    };
    let rolling = rollout(50, json!({"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))?;
    let canary = rollout(
        10,
        json!({"canary": {"steps": [
            {"setWeight": 10}, {"pause": {"duration": "10m"}},
            {"setWeight": 30}, {"pause": {"duration": "10m"}},
            {"setWeight": 60}, {"pause": {"duration": "10m"}}]}}),
    )?;
    let blue_green = rollout(
        20,
        json!({"blueGreen": {"activeService": "web-active", "previewService": "web-preview",
                             "autoPromotionEnabled": true, "scaleDownDelay": "30m"}}),
    )?;
    Ok(vec![
        ("rolling 50 pods, surge 1, ready 30-40s", base(rolling, Vec::new())),
        ("canary 10 pods, 3 steps with 10m pauses", base(canary, Vec::new())),
        (
            "blue-green 20 pods, scale-down delay 30m",
            base(blue_green, vec!["web-active".into(), "web-preview".into()]),
        ),
    ])
}

/// Runs `ramp bench whatif`.
pub fn run(args: &WhatifArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.runs == 0 {
        return Err(CliError::BadInput("--runs must be at least 1".into()));
    }
    writeln!(
        out,
        "{:<42} {:>5} {:>12} {:>10} {:>16}",
        "scenario", "runs", "simulated", "wall", "rollout-h/wall-s"
    )
    .context("writing")?;
    let (mut all_sim, mut all_wall) = (Duration::ZERO, Duration::ZERO);
    for (name, mut sc) in scenarios()? {
        let (mut simulated, start) = (Duration::ZERO, wall());
        for seed in 1..=args.runs {
            sc.seed = seed;
            let run = driver::run(&sc).with_context(|| format!("what-if run of {name} (seed {seed})"))?;
            if !run.settled {
                return Err(CliError::Failed(anyhow::anyhow!(
                    "{name} (seed {seed}) did not finish in 24 simulated hours"
                )));
            }
            simulated += run.elapsed;
        }
        let took = start.elapsed();
        all_sim += simulated;
        all_wall += took;
        writeln!(out, "{}", row(name, args.runs, simulated, took)).context("writing")?;
    }
    writeln!(out, "{}", row("all", args.runs * 3, all_sim, all_wall)).context("writing")?;
    writeln!(
        out,
        "simulated: the virtual time from the new revision to its rollout settled; one thread; load {}",
        load()
    )
    .context("writing")?;
    writeln!(out, "published: neither Argo Rollouts nor Flagger has a what-if simulator")
        .context("writing")?;
    Ok(())
}

fn row(name: &str, runs: u64, simulated: Duration, took: Duration) -> String {
    let hours = simulated.as_secs_f64() / 3600.0;
    format!(
        "{name:<42} {runs:>5} {:>11.1}h {:>9.2}s {:>16.1}",
        hours,
        took.as_secs_f64(),
        hours / took.as_secs_f64().max(1e-9)
    )
}
