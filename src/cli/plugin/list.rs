//! `kubectl ramp list` (alias `ls`): one line per Rollout — strategy, phase, step, weight,
//! readiness and age — in one namespace or, with `-A`, all of them.

use std::io::Write;

use anyhow::Context;
use kube::{Api, ResourceExt, api::ListParams};
use serde::Serialize;

use super::{
    output::{self, Cell, Style},
    target::Target,
};
use crate::{
    api::{Rollout, StrategyRef},
    cli::{CliError, Output},
};

/// Arguments of `list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub target: Target,
    /// List the Rollouts of every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Only Rollouts whose labels match this selector.
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// One Rollout's line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// `rollingUpdate`, `blueGreen` or `canary` (`-` when none is set).
    pub strategy: String,
    /// `status.phase` (empty before the controller has seen it).
    pub phase: String,
    /// Canary steps done (`status.currentStep`).
    pub step: Option<i32>,
    /// Canary steps in all.
    pub steps: Option<usize>,
    /// Weight the strategy set.
    pub weight: Option<i32>,
    /// Weight achieved.
    pub achieved_weight: Option<i32>,
    /// Ready pods.
    pub ready: i32,
    /// `spec.replicas`.
    pub desired: i32,
    /// `metadata.creationTimestamp`.
    pub created: Option<String>,
}

/// The line of one Rollout.
pub fn row(r: &Rollout) -> Row {
    let status = r.status.clone().unwrap_or_default();
    let strategy = r.spec.strategy.selected();
    let steps = match strategy {
        Some(StrategyRef::Canary(c)) => Some(c.steps.len()),
        _ => None,
    };
    Row {
        name: r.name_any(),
        namespace: r.namespace().unwrap_or_default(),
        strategy: strategy.map_or("-", |s| s.name()).to_string(),
        phase: status.phase.map(|p| p.as_str().to_string()).unwrap_or_default(),
        step: steps.and(status.current_step),
        steps,
        weight: status.weight,
        achieved_weight: status.achieved_weight,
        ready: status.ready_replicas,
        desired: r.spec.replicas,
        created: r.metadata.creation_timestamp.as_ref().map(|t| t.0.to_string()),
    }
}

/// `3/7` (steps done of all), or `-` for strategies without steps.
pub fn step_text(step: Option<i32>, steps: Option<usize>) -> String {
    match steps {
        Some(n) => format!("{}/{n}", step.unwrap_or(0)),
        None => "-".into(),
    }
}

/// `50/48` (set/achieved), `-` where unknown.
pub fn weight_text(weight: Option<i32>, achieved: Option<i32>) -> String {
    let show = |w: Option<i32>| w.map_or("-".to_string(), |w| w.to_string());
    format!("{}/{}", show(weight), show(achieved))
}

/// Runs `list`.
pub fn run(args: &ListArgs, out: &mut dyn Write) -> Result<(), CliError> {
    super::target::runtime()?.block_on(list(args, out))
}

async fn list(args: &ListArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let client = args.target.client().await?;
    let api: Api<Rollout> = if args.all_namespaces {
        Api::all(client)
    } else {
        let ns = args.target.namespace(&client);
        Api::namespaced(client, &ns)
    };
    let mut lp = ListParams::default();
    if let Some(s) = &args.selector {
        lp = lp.labels(s);
    }
    let mut rows: Vec<Row> = api.list(&lp).await.context("listing Rollouts")?.iter().map(row).collect();
    rows.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    if args.output != Output::Text {
        return output::structured(out, args.output, &rows);
    }
    if rows.is_empty() {
        let scope = match (&args.all_namespaces, &args.target.namespace) {
            (true, _) => "any namespace".to_string(),
            (false, Some(ns)) => format!("namespace {ns}"),
            (false, None) => "this namespace".to_string(),
        };
        // kubectl says this on stderr, so scripts reading stdout see nothing.
        eprintln!("No Rollouts found in {scope}.");
        return Ok(());
    }
    let now = output::now();
    let style = Style::detect();
    let mut headers = vec!["NAME", "STRATEGY", "PHASE", "STEP", "WEIGHT", "READY", "AGE"];
    if args.all_namespaces {
        headers.insert(0, "NAMESPACE");
    }
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let age = r
                .created
                .as_deref()
                .and_then(|c| c.parse::<jiff::Timestamp>().ok())
                .map_or("<unknown>".to_string(), |t| output::age(t, now));
            let mut line = vec![
                Cell::from(r.name.as_str()),
                Cell::from(r.strategy.as_str()),
                Cell { text: r.phase.clone(), colour: output::phase_colour(&r.phase) },
                Cell::from(step_text(r.step, r.steps)),
                Cell::from(weight_text(r.weight, r.achieved_weight)),
                Cell::from(format!("{}/{}", r.ready, r.desired)),
                Cell::from(age),
            ];
            if args.all_namespaces {
                line.insert(0, Cell::from(r.namespace.as_str()));
            }
            line
        })
        .collect();
    output::table(out, style, &headers, &cells)
}
