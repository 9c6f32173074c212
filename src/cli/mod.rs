//! The command line: `ramp` and the `kubectl ramp` plugin share this tree.

pub mod analysis;
#[cfg(feature = "hollow")]
pub mod bench;
#[cfg(feature = "hollow")]
pub mod bench_faults;
pub mod controller;
pub mod crd;
#[cfg(feature = "hollow")]
pub mod demo;
pub mod manifest;
pub mod ops;
pub mod plan;
pub mod plugin;
#[cfg(feature = "hollow")]
pub mod sim;
#[cfg(feature = "hollow")]
pub mod timeline;

use std::{io::Write, process::ExitCode};

use clap::{Parser, Subcommand, ValueEnum};

/// Progressive delivery for Kubernetes: rolling, blue-green and canary rollouts.
#[derive(Debug, Parser)]
#[command(name = "ramp", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analysis templates and runs: `render` a template's queries, `replay` a run offline.
    Analysis(analysis::AnalysisArgs),
    /// Measure the hollow cluster and the controller at scale (`ramp bench scale`).
    #[cfg(feature = "hollow")]
    Bench(bench::BenchArgs),
    /// Reconcile Rollouts on a cluster (kubeconfig or in-cluster), with leader election.
    Controller(Box<controller::ControllerArgs>),
    /// Print the CustomResourceDefinitions as YAML.
    Crd(crd::CrdArgs),
    /// The whole product on this machine, no cluster needed: a hollow cluster, the controller
    /// and a canary story (a healthy version promoted, a faulty one aborted by analysis).
    #[cfg(feature = "hollow")]
    Demo(demo::DemoArgs),
    /// What the controller will do next to a live Rollout (`plan ROLLOUT`, read only); or
    /// simulate a manifest without a cluster and print its timeline (`plan --file FILE`).
    Plan(plan::PlanArgs),
    /// List Rollouts: strategy, phase, step, weight, readiness, age.
    #[command(visible_alias = "ls")]
    List(plugin::list::ListArgs),
    /// Show a Rollout as a tree: revisions, ReplicaSets, pods, steps, analysis, approvals.
    Get(plugin::get::GetArgs),
    /// Wait for a Rollout to settle; the exit code says how (for CI).
    Status(plugin::status::StatusArgs),
    /// Change a Rollout (`set image`).
    Set(SetArgs),
    /// Revisions of a Rollout: numbers, images, hashes, which is stable or aborted.
    History(plugin::history::HistoryArgs),
    /// Check Rollout and AnalysisTemplate manifests offline, as the API server and the
    /// controller would.
    #[cfg(feature = "hollow")]
    Lint(plugin::lint::LintArgs),
    /// Print a shell completion script.
    Completion(plugin::completion::CompletionArgs),
    /// Completion candidates for kubectl's plugin completion (`kubectl_complete-ramp`).
    #[command(name = "__complete", hide = true)]
    Complete(plugin::completion::CompleteArgs),
    /// Run the hollow cluster (a Kubernetes-compatible API server in memory) until Ctrl-C.
    #[cfg(feature = "hollow")]
    Sim(sim::SimArgs),
    /// Move past the current pause (canary) or approve the switch (blue-green); `--full`
    /// skips every remaining step and analysis.
    Promote(ops::PromoteArgs),
    /// Return traffic and capacity to the stable revision; the rollout stays Aborted until a
    /// new revision or `retry`.
    Abort(ops::OpArgs),
    /// Start an aborted revision again from its first step.
    Retry(ops::OpArgs),
    /// Hold the rollout where it is (without editing its spec).
    Pause(ops::OpArgs),
    /// Release a `pause`.
    Resume(ops::OpArgs),
    /// Approve the approval step (or blue-green switch) waiting for the current revision.
    Approve(ops::OpArgs),
    /// Reject it: the rollout aborts.
    Reject(ops::OpArgs),
    /// Run an earlier revision again (the stable one, or --to-revision), steps and analysis
    /// skipped, until the spec's template changes; the spec is not edited.
    Undo(ops::UndoArgs),
    /// Re-create every pod of the running revision within the strategy's limits and the
    /// PodDisruptionBudgets.
    Restart(ops::OpArgs),
}

/// `set` and its subcommands.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// What to set.
    #[command(subcommand)]
    pub command: plugin::set_image::SetCommand,
}

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    #[default]
    Text,
    /// For scripts.
    Json,
    /// For scripts and manifests.
    Yaml,
}

/// Exit codes: 0 success, 1 the command failed, 2 bad input (usage or an invalid manifest).
/// `status` has its own (see [`plugin::status::codes`]).
pub mod exit {
    /// The command failed.
    pub const FAILURE: u8 = 1;
    /// Bad input.
    pub const BAD_INPUT: u8 = 2;
}

/// A failure with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input was wrong; nothing was done.
    #[error("{0}")]
    BadInput(String),
    /// Something failed while running.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
    /// Exit with this code; the command has said why.
    #[error("exit code {0}")]
    Exit(u8),
}

/// Runs the CLI with the process's arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Analysis(args) => analysis::run(&args, &mut stdout),
        #[cfg(feature = "hollow")]
        Command::Bench(args) => bench::run(&args, &mut stdout),
        Command::Controller(args) => controller::run(&args),
        Command::Crd(args) => crd::run(&args, &mut stdout),
        #[cfg(feature = "hollow")]
        Command::Demo(args) => demo::run(&args, &mut stdout),
        Command::Plan(args) => plan::run(&args, &mut stdout),
        Command::List(args) => plugin::list::run(&args, &mut stdout),
        Command::Get(args) => plugin::get::run(&args, &mut stdout),
        Command::Status(args) => plugin::status::run(&args, &mut stdout),
        Command::Set(args) => match &args.command {
            plugin::set_image::SetCommand::Image(a) => plugin::set_image::run(a, &mut stdout),
        },
        Command::History(args) => plugin::history::run(&args, &mut stdout),
        #[cfg(feature = "hollow")]
        Command::Lint(args) => plugin::lint::run(&args, &mut stdout),
        Command::Completion(args) => plugin::completion::run(&args, &mut stdout),
        Command::Complete(args) => plugin::completion::complete(&args, &mut stdout),
        #[cfg(feature = "hollow")]
        Command::Sim(args) => sim::run(&args, &mut stdout),
        Command::Promote(a) => ops::run(if a.full { "promoteFull" } else { "promote" }, &a.op, &mut stdout),
        Command::Abort(a) => ops::run("abort", &a, &mut stdout),
        Command::Retry(a) => ops::run("retry", &a, &mut stdout),
        Command::Pause(a) => ops::run("pause", &a, &mut stdout),
        Command::Resume(a) => ops::run("resume", &a, &mut stdout),
        Command::Approve(a) => ops::run("approve", &a, &mut stdout),
        Command::Reject(a) => ops::run("reject", &a, &mut stdout),
        Command::Undo(a) => {
            let mut fields = serde_json::Map::new();
            if let Some(n) = a.to_revision {
                fields.insert("toRevision".into(), n.into());
            }
            ops::run_with("undo", &a.op, fields, &mut stdout)
        }
        Command::Restart(a) => ops::run("restart", &a, &mut stdout),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`ramp plan ... | head`) is not an error.
        Err(CliError::Failed(e)) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(CliError::Exit(code)) => ExitCode::from(code),
        Err(e) => {
            let code = match e {
                CliError::BadInput(_) => exit::BAD_INPUT,
                CliError::Failed(_) | CliError::Exit(_) => exit::FAILURE,
            };
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", chain(&e));
            ExitCode::from(code)
        }
    }
}

/// Whether a failure is stdout closed by the reader (`| head`), however it was wrapped.
fn broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == pipe
            || c.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind) == pipe
    })
}

/// An error and its causes on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
