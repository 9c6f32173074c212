//! `kubectl ramp status ROLLOUT`: waits for a Rollout to settle and says how, in its exit
//! code, for CI. A line is printed each time the phase, step or message changes.
//!
//! The status is judged only once the controller has observed the current spec
//! (`status.observedGeneration == metadata.generation`), so a spec applied a moment ago is
//! not read as the previous revision's Healthy.

use std::{io::Write, time::Duration};

use anyhow::Context;
use futures::StreamExt;
use kube::{
    Api,
    runtime::{WatchStreamExt, watcher},
};
use serde::Serialize;

use super::{output, target::Target};
use crate::{
    api::{Rollout, RolloutPhase, StrategyRef, condition::types},
    cli::{CliError, Output},
    plan::{
        blue_green::PREVIEW_PAUSE,
        canary::PAUSE_STEP,
        gate::{AWAITING_PROMOTION_CONFIRMATION, AWAITING_ROLLOUT_CONFIRMATION},
    },
};

/// The exit codes of `status`.
pub mod codes {
    /// Healthy (or, with `--until paused`, Paused).
    pub const HEALTHY: u8 = 0;
    /// Degraded or Aborted, or the Rollout cannot be read.
    pub const FAILED: u8 = 1;
    /// Paused, waiting for a person (promote, approve, resume).
    pub const PAUSED: u8 = 2;
    /// Still going when the timeout ran out.
    pub const TIMEOUT: u8 = 3;
    /// The spec is invalid (condition InvalidSpec).
    pub const INVALID_SPEC: u8 = 4;
}

/// What `status` waits for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Until {
    /// Healthy; a pause that waits for a person ends the wait with exit code 2.
    #[default]
    Healthy,
    /// Paused (exit 0) or Healthy (exit 0): e.g. to test a canary at its pause step.
    Paused,
}

/// Arguments of `status`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes:\n  \
    0  Healthy (with --until paused: Paused or Healthy)\n  \
    1  Degraded or Aborted (or the Rollout cannot be read)\n  \
    2  Paused, waiting for promote / approve / resume (timed pauses are waited out)\n  \
    3  timeout: still progressing when --timeout ran out\n  \
    4  invalid spec (condition InvalidSpec)")]
pub struct StatusArgs {
    /// The Rollout.
    pub rollout: String,
    #[command(flatten)]
    pub target: Target,
    /// What to wait for.
    #[arg(long, value_enum, default_value_t)]
    pub until: Until,
    /// How long to wait (`0s`: judge the current state once).
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Output format of the progress lines (`json`/`yaml`: one object per change).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// The verdict on one state of the Rollout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Not settled: keep waiting.
    Wait,
    /// Settled: exit with this code.
    Exit(u8),
}

/// One progress line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The phase (`Waiting` until the controller has observed the spec).
    pub phase: String,
    /// `3/7` for a canary.
    pub step: Option<String>,
    /// The status message.
    pub message: String,
}

impl Progress {
    /// The line as text.
    pub fn text(&self) -> String {
        let step = self.step.as_ref().map(|s| format!(" (step {s})")).unwrap_or_default();
        let message = if self.message.is_empty() { String::new() } else { format!(": {}", self.message) };
        format!("{}{step}{message}", self.phase)
    }
}

/// Whether the controller has written a status for the current spec.
fn observed(r: &Rollout) -> bool {
    let status = r.status.as_ref();
    status.and_then(|s| s.observed_generation).is_some_and(|g| Some(g) == r.metadata.generation)
}

/// What a line says of the Rollout now.
pub fn progress(r: &Rollout) -> Progress {
    if !observed(r) {
        return Progress {
            phase: "Waiting".into(),
            step: None,
            message: format!(
                "for the controller to observe generation {}",
                r.metadata.generation.unwrap_or_default()
            ),
        };
    }
    let status = r.status.clone().unwrap_or_default();
    let step = match r.spec.strategy.selected() {
        Some(StrategyRef::Canary(c)) => {
            Some(format!("{}/{}", status.current_step.unwrap_or(0), c.steps.len()))
        }
        _ => None,
    };
    Progress {
        phase: status.phase.map_or("Unknown", |p| p.as_str()).into(),
        step,
        message: status.message.unwrap_or_default(),
    }
}

/// Whether every reason the rollout is paused ends on its own (a timed pause step, a
/// blue-green auto-promotion delay, a webhook's confirmation): then `status` keeps waiting.
fn pause_ends_by_itself(r: &Rollout) -> bool {
    let status = r.status.clone().unwrap_or_default();
    if r.spec.paused || status.pause_conditions.is_empty() {
        return false;
    }
    status.pause_conditions.iter().all(|p| match (p.reason.as_str(), r.spec.strategy.selected()) {
        (PAUSE_STEP, Some(StrategyRef::Canary(c))) => usize::try_from(status.current_step.unwrap_or(0))
            .ok()
            .and_then(|i| c.steps.get(i))
            .and_then(|s| s.pause.as_ref())
            .is_some_and(|p| p.duration.is_some()),
        (PREVIEW_PAUSE, Some(StrategyRef::BlueGreen(b))) => {
            b.approval.is_none()
                && b.auto_promotion_enabled.unwrap_or(true)
                && b.auto_promotion_after.is_some()
        }
        // A webhook answers, not a person.
        (AWAITING_ROLLOUT_CONFIRMATION | AWAITING_PROMOTION_CONFIRMATION, _) => true,
        _ => false,
    })
}

/// Judges one state of the Rollout (pure; the exit codes are in [`codes`]).
pub fn judge(r: &Rollout, until: Until) -> Judgement {
    if !observed(r) {
        return Judgement::Wait;
    }
    let status = r.status.clone().unwrap_or_default();
    if status.conditions.iter().any(|c| c.type_ == types::INVALID_SPEC && c.status == "True") {
        return Judgement::Exit(codes::INVALID_SPEC);
    }
    match status.phase {
        Some(RolloutPhase::Healthy) => Judgement::Exit(codes::HEALTHY),
        Some(RolloutPhase::Degraded | RolloutPhase::Aborted) => Judgement::Exit(codes::FAILED),
        Some(RolloutPhase::Paused) if until == Until::Paused => Judgement::Exit(codes::HEALTHY),
        Some(RolloutPhase::Paused) if pause_ends_by_itself(r) => Judgement::Wait,
        Some(RolloutPhase::Paused) => Judgement::Exit(codes::PAUSED),
        Some(RolloutPhase::Progressing) | None => Judgement::Wait,
    }
}

/// Runs `status`.
pub fn run(args: &StatusArgs, out: &mut dyn Write) -> Result<(), CliError> {
    super::target::runtime()?.block_on(wait(args, out))
}

fn say(out: &mut dyn Write, format: Output, p: &Progress) -> Result<(), CliError> {
    match format {
        Output::Text => writeln!(out, "{}", p.text()).context("writing output")?,
        Output::Json => writeln!(out, "{}", serde_json::to_string(p).context("encoding JSON")?)
            .context("writing output")?,
        Output::Yaml => {
            writeln!(out, "---").context("writing output")?;
            output::structured(out, format, p)?;
        }
    }
    out.flush().context("writing output")?;
    Ok(())
}

async fn wait(args: &StatusArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let client = args.target.client().await?;
    let ns = args.target.namespace(&client);
    let api: Api<Rollout> = Api::namespaced(client, &ns);
    let config = watcher::Config::default().fields(&format!("metadata.name={}", args.rollout));
    let mut events = watcher(api, config).default_backoff().boxed();
    let mut last: Option<Progress> = None;
    let mut seen = false;
    let mut current: Option<Rollout> = None;
    let waiting = async {
        while let Some(event) = events.next().await {
            let rollout = match event {
                Ok(watcher::Event::Apply(r) | watcher::Event::InitApply(r)) => r,
                Ok(watcher::Event::InitDone) if !seen => {
                    return Err(failed(format!("rollout {} not found in namespace {ns}", args.rollout)));
                }
                Ok(watcher::Event::Delete(_)) => {
                    return Err(failed(format!("rollout {} was deleted", args.rollout)));
                }
                Ok(_) => continue,
                Err(e) => {
                    tracing::debug!(error = %e, "watch failed; retrying");
                    continue;
                }
            };
            seen = true;
            let p = progress(&rollout);
            if last.as_ref() != Some(&p) {
                say(out, args.output, &p)?;
                last = Some(p);
            }
            let verdict = judge(&rollout, args.until);
            current = Some(rollout);
            if let Judgement::Exit(code) = verdict {
                return Ok(code);
            }
            if args.timeout.is_zero() {
                return Ok(codes::TIMEOUT);
            }
        }
        Err(failed("the watch ended".into()))
    };
    let code = if args.timeout.is_zero() {
        // Judged once, on the first state the watch lists.
        waiting.await?
    } else {
        match tokio::time::timeout(args.timeout, waiting).await {
            Ok(result) => result?,
            Err(_) => codes::TIMEOUT,
        }
    };
    if code == codes::TIMEOUT {
        let state = current.as_ref().map(|r| progress(r).text()).unwrap_or_else(|| "unknown".into());
        eprintln!(
            "timed out after {}: rollout {} is {state}",
            humantime::format_duration(args.timeout),
            args.rollout
        );
    }
    match code {
        codes::HEALTHY => Ok(()),
        c => Err(CliError::Exit(c)),
    }
}

/// A failure to read the Rollout: exit code 1, with the reason.
fn failed(message: String) -> CliError {
    CliError::Failed(anyhow::anyhow!(message))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rollout(status: serde_json::Value, steps: serde_json::Value) -> Rollout {
        serde_json::from_value(json!({
            "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "web", "namespace": "default", "generation": 2},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"canary": {"steps": steps}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}},
            "status": status,
        }))
        .unwrap()
    }

    fn paused_at(step: i32, reason: &str) -> serde_json::Value {
        json!({"observedGeneration": 2, "phase": "Paused", "currentStep": step,
               "pauseConditions": [{"reason": reason, "startTime": "2026-01-01T00:00:00Z"}]})
    }

    #[test]
    fn each_phase_has_its_exit_code() {
        let steps = json!([{"setWeight": 50}, {"pause": {}}]);
        let at = |phase: &str| rollout(json!({"observedGeneration": 2, "phase": phase}), steps.clone());
        assert_eq!(judge(&at("Healthy"), Until::Healthy), Judgement::Exit(0));
        assert_eq!(judge(&at("Degraded"), Until::Healthy), Judgement::Exit(1));
        assert_eq!(judge(&at("Aborted"), Until::Healthy), Judgement::Exit(1));
        assert_eq!(judge(&at("Progressing"), Until::Healthy), Judgement::Wait);
        let paused = rollout(paused_at(1, PAUSE_STEP), steps.clone());
        assert_eq!(judge(&paused, Until::Healthy), Judgement::Exit(2));
        assert_eq!(judge(&paused, Until::Paused), Judgement::Exit(0));
        let invalid = rollout(
            json!({"observedGeneration": 2, "phase": "Degraded", "conditions": [{
                "type": "InvalidSpec", "status": "True", "reason": "InvalidSpec", "message": "x",
                "lastTransitionTime": "2026-01-01T00:00:00Z"}]}),
            steps,
        );
        assert_eq!(judge(&invalid, Until::Healthy), Judgement::Exit(4));
    }

    #[test]
    fn a_status_of_an_older_generation_is_not_judged() {
        let stale = rollout(json!({"observedGeneration": 1, "phase": "Healthy"}), json!([]));
        assert_eq!(judge(&stale, Until::Healthy), Judgement::Wait);
        assert_eq!(progress(&stale).text(), "Waiting: for the controller to observe generation 2");
        let none = rollout(json!(null), json!([]));
        assert_eq!(judge(&none, Until::Healthy), Judgement::Wait);
    }

    #[test]
    fn a_timed_pause_is_waited_out() {
        let steps = json!([{"setWeight": 50}, {"pause": {"duration": "30s"}}, {"pause": {}}]);
        assert_eq!(judge(&rollout(paused_at(1, PAUSE_STEP), steps.clone()), Until::Healthy), Judgement::Wait);
        assert_eq!(
            judge(&rollout(paused_at(2, PAUSE_STEP), steps.clone()), Until::Healthy),
            Judgement::Exit(2)
        );
        let approval = rollout(paused_at(1, "AwaitingApproval"), steps);
        assert_eq!(judge(&approval, Until::Healthy), Judgement::Exit(2));
    }

    #[test]
    fn progress_lines_name_phase_step_and_message() {
        let r = rollout(
            json!({"observedGeneration": 2, "phase": "Progressing", "currentStep": 1, "message": "canary at 50%"}),
            json!([{"setWeight": 50}, {"pause": {}}]),
        );
        assert_eq!(progress(&r).text(), "Progressing (step 1/2): canary at 50%");
    }
}
