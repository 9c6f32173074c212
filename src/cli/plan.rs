//! `ramp plan --file rollout.yaml`: run the planner against simulated pods and print the
//! timeline. Needs no cluster. `kubectl ramp plan ROLLOUT`: what the controller will do next
//! on the live cluster ([`super::plugin::plan_live`]).

use std::{io::Write, path::PathBuf, time::Duration};

#[cfg(feature = "hollow")]
use anyhow::Context;

use super::{CliError, Output, plugin::target::Target};
#[cfg(feature = "hollow")]
use super::{manifest, timeline};
use crate::api::DurationString;
#[cfg(feature = "hollow")]
use crate::{
    api::{StrategyRef, validate},
    plan::revision,
    whatif::driver::{self, Change, PodBehaviour, Scenario, ScheduledChange, Start},
};

/// Readiness delay when the template has no readiness probe delay.
#[cfg(feature = "hollow")]
const DEFAULT_READINESS_DELAY: Duration = Duration::from_secs(5);

/// Arguments of `ramp plan`: a live Rollout, or a manifest to simulate.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["rollout", "file"]))]
pub struct PlanArgs {
    /// A Rollout on the cluster: print what the controller will do next (read only).
    pub rollout: Option<String>,
    #[command(flatten)]
    pub target: Target,
    /// Manifest with one Rollout and, optionally, PodDisruptionBudgets over its pods: simulate
    /// it on the hollow cluster and print the timeline (the flags below apply to this).
    #[arg(short, long)]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
    /// Time from pod creation to Ready [default: the first container's
    /// readinessProbe.initialDelaySeconds, else 5s].
    #[arg(long, value_parser = parse_duration)]
    pub readiness_delay: Option<Duration>,
    /// Extra random readiness delay, up to this much per pod.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub jitter: Duration,
    /// Seed for the jitter; the same seed gives the same timeline.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Start from nothing instead of from a running previous revision.
    #[arg(long)]
    pub fresh: bool,
    /// Pods of the new template never become Ready (shows the progress deadline at work).
    #[arg(long)]
    pub fail_new: bool,
    /// Change spec.replicas during the run, as REPLICAS@TIME (e.g. 15@20s); repeatable.
    #[arg(long = "scale", value_name = "REPLICAS@TIME", value_parser = parse_scale)]
    pub scale: Vec<(i32, Duration)>,
    /// Stop after this much simulated time.
    #[arg(long, default_value = "6h", value_parser = parse_duration)]
    pub time_limit: Duration,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    DurationString::new(s).parse().map_err(|e| e.to_string())
}

fn parse_scale(s: &str) -> Result<(i32, Duration), String> {
    let (n, at) =
        s.split_once('@').ok_or_else(|| format!("expected REPLICAS@TIME such as 15@20s, got {s:?}"))?;
    let n: i32 = n.parse().map_err(|_| format!("replicas must be a whole number, got {n:?}"))?;
    if n < 0 {
        return Err(format!("replicas must be >= 0, got {n}"));
    }
    Ok((n, parse_duration(at)?))
}

/// Runs `ramp plan`.
pub fn run(args: &PlanArgs, out: &mut dyn Write) -> Result<(), CliError> {
    match (&args.rollout, &args.file) {
        (Some(name), _) => super::plugin::plan_live::run(name, &args.target, args.output, out),
        (None, Some(file)) => simulate(args, file, out),
        (None, None) => Err(CliError::BadInput("name a Rollout, or a manifest with --file".into())),
    }
}

#[cfg(not(feature = "hollow"))]
fn simulate(_: &PlanArgs, _: &std::path::Path, _: &mut dyn Write) -> Result<(), CliError> {
    Err(CliError::BadInput(
        "this build has no hollow cluster: `plan --file` needs the default `hollow` feature".into(),
    ))
}

#[cfg(feature = "hollow")]
fn simulate(args: &PlanArgs, file: &std::path::Path, out: &mut dyn Write) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", file.display())))?;
    let manifests =
        manifest::parse(&text).map_err(|e| CliError::BadInput(format!("{}: {e}", file.display())))?;
    let rollout = manifests.rollout;
    let name = rollout.metadata.name.clone().unwrap_or_default();
    if let Err(invalid) = validate(&rollout.spec) {
        let list: Vec<String> = invalid.0.iter().map(|e| format!("  - {e}")).collect();
        return Err(CliError::BadInput(format!("Rollout {name} is invalid:\n{}", list.join("\n"))));
    }
    if !matches!(rollout.spec.strategy.selected(), Some(StrategyRef::RollingUpdate(_)))
        || rollout.spec.template.is_none()
    {
        return Err(CliError::BadInput(format!(
            "Rollout {name}: only strategy.rollingUpdate with a template can be planned so far"
        )));
    }
    let template = rollout.spec.template.clone().unwrap_or_default();
    let readiness_delay =
        args.readiness_delay.unwrap_or_else(|| probe_delay(&template).unwrap_or(DEFAULT_READINESS_DELAY));
    let scenario = Scenario {
        budgets: manifests.budgets,
        start: if args.fresh { Start::Fresh } else { Start::FromPrevious },
        behaviour: PodBehaviour {
            readiness_delay,
            jitter: args.jitter,
            never_ready_templates: if args.fail_new {
                vec![revision::fingerprint(&template)]
            } else {
                Vec::new()
            },
        },
        seed: args.seed,
        changes: args
            .scale
            .iter()
            .map(|(n, at)| ScheduledChange { at: *at, change: Change::Replicas(*n) })
            .collect(),
        lag_chance: 0.0,
        time_limit: args.time_limit,
        traffic: Default::default(),
        rollout,
    };
    let run = driver::run(&scenario).context("simulating the rollout")?;
    match args.output {
        Output::Json | Output::Yaml => {
            super::plugin::output::structured(out, args.output, &timeline::json(&scenario, &run))?;
        }
        Output::Text => timeline::text(&scenario, &run, readiness_delay, &mut &mut *out)
            .context("writing the timeline")?,
    }
    Ok(())
}

#[cfg(feature = "hollow")]
fn probe_delay(template: &k8s_openapi::api::core::v1::PodTemplateSpec) -> Option<Duration> {
    let probe = template.spec.as_ref()?.containers.first()?.readiness_probe.as_ref()?;
    let secs = probe.initial_delay_seconds?;
    Some(Duration::from_secs(u64::try_from(secs).ok()?))
}
