//! `ramp bench faults`: the fault matrix (every strategy under every fault, on the hollow
//! cluster at virtual time, with the real controller), printed as a grid and one line per
//! cell. Exit code 1 when a cell fails.

use std::io::Write;

use anyhow::Context;

use super::CliError;
use crate::fault_matrix::{self, Fault, Strategy};

/// Arguments of `ramp bench faults`.
#[derive(Debug, clap::Args)]
pub struct FaultsArgs {
    /// Only these strategies (rolling, blue-green, canary-replicas, canary-gateway).
    #[arg(long, value_delimiter = ',')]
    pub strategy: Vec<String>,
    /// Only these faults (none, api-errors-500, api-throttling-429, conflicts-409, watch-drops,
    /// api-latency, pod-kills, readiness-flapping, slow-kubelets, metrics-down, metrics-slow).
    #[arg(long, value_delimiter = ',')]
    pub fault: Vec<String>,
    /// Print the grid only, not the line per cell.
    #[arg(long)]
    pub grid_only: bool,
}

fn pick<T: Copy>(
    names: &[String],
    all: &[T],
    name: impl Fn(T) -> &'static str,
    what: &str,
) -> Result<Vec<T>, CliError> {
    if names.is_empty() {
        return Ok(all.to_vec());
    }
    names
        .iter()
        .map(|n| {
            all.iter().copied().find(|v| name(*v) == n).ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|v| name(*v)).collect();
                CliError::BadInput(format!("unknown {what} {n:?}; known: {}", known.join(", ")))
            })
        })
        .collect()
}

/// Runs `ramp bench faults`.
pub fn run(args: &FaultsArgs, out: &mut impl Write) -> Result<(), CliError> {
    let strategies = pick(&args.strategy, &Strategy::ALL, Strategy::name, "strategy")?;
    let faults = pick(&args.fault, &Fault::ALL, Fault::name, "fault")?;
    writeln!(out, "Fault matrix: the controller on the hollow cluster, virtual time (tokio's paused clock)")
        .context("writing")?;
    for f in &faults {
        writeln!(out, "  {:<20} {}", f.name(), f.describe()).context("writing")?;
    }
    out.flush().context("writing")?;
    let outcomes = fault_matrix::run_all(
        |c| strategies.contains(&c.strategy) && faults.contains(&c.fault),
        |o| {
            tracing::info!(
                strategy = o.cell.strategy.name(),
                fault = o.cell.fault.name(),
                passed = o.passed(),
                "cell done"
            )
        },
    )
    .context("running the fault matrix")?;
    writeln!(out).context("writing")?;
    write!(out, "{}", fault_matrix::render_grid(&outcomes)).context("writing")?;
    if !args.grid_only {
        writeln!(out).context("writing")?;
        write!(out, "{}", fault_matrix::render_details(&outcomes)).context("writing")?;
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    writeln!(out, "\n{} cells, {} passed, {failed} failed", outcomes.len(), outcomes.len() - failed)
        .context("writing")?;
    if failed > 0 {
        return Err(CliError::Exit(super::exit::FAILURE));
    }
    Ok(())
}
