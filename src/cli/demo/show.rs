//! The demo's live timeline: one line per change a person would care about (phase, step,
//! weight, each analysis measurement), and on a terminal a progress line redrawn in place below
//! them.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{IsTerminal, Write},
    time::Duration,
};

use crate::api::{
    Rollout, RolloutPhase,
    analysis::{AnalysisRun, run::MeasurementPhase},
};

/// What a timeline line shows of a Rollout: phase, step, weight, message.
type Shown = (Option<RolloutPhase>, Option<i32>, Option<i32>, Option<String>);

/// Prints the timeline of one act.
pub struct Timeline<'o> {
    out: &'o mut dyn Write,
    tty: bool,
    label: String,
    steps: usize,
    last: Option<Shown>,
    measured: BTreeMap<(String, String), usize>,
    earlier: BTreeSet<String>,
    progress_drawn: bool,
}

impl<'o> Timeline<'o> {
    /// A timeline for version `label` of a canary with `steps` steps; the AnalysisRuns named
    /// in `earlier` belong to earlier acts.
    pub fn new(
        out: &'o mut dyn Write,
        tty: bool,
        label: &str,
        steps: usize,
        earlier: BTreeSet<String>,
    ) -> Self {
        Timeline {
            out,
            tty,
            label: label.into(),
            steps,
            last: None,
            measured: BTreeMap::new(),
            earlier,
            progress_drawn: false,
        }
    }

    /// Whether stdout is a terminal (and colour and redraws are wanted).
    pub fn stdout_is_tty() -> bool {
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    }

    fn line(&mut self, at: Duration, text: &str) {
        if self.progress_drawn {
            let _ = write!(self.out, "\r\x1b[2K");
            self.progress_drawn = false;
        }
        let _ = writeln!(self.out, "  {:>6.1}s  {:<16} {text}", at.as_secs_f64(), self.label);
    }

    /// A line of the story's own.
    pub fn note(&mut self, at: Duration, text: &str) {
        self.line(at, text);
    }

    /// The Rollout changed: a line if what it shows changed.
    pub fn rollout(&mut self, at: Duration, r: &Rollout) {
        let Some(st) = r.status.as_ref() else { return };
        // Until the controller has seen the new template, the status is the previous act's.
        if st.observed_generation < r.metadata.generation {
            return;
        }
        let now = (st.phase, st.current_step, st.weight, st.message.clone());
        if self.last.as_ref() == Some(&now) {
            return;
        }
        self.last = Some(now);
        let phase = st.phase.map_or("-", |p| p.as_str());
        let step = st
            .current_step
            .map_or_else(|| "-".into(), |s| format!("{}/{}", s.min(self.steps as i32), self.steps));
        let weight = st.weight.map_or_else(|| "-".into(), |w| format!("{w}%"));
        let message = st.message.as_deref().unwrap_or_default();
        let text = format!("{phase:<11} step {step:<5} weight {weight:<4} {message}");
        let text = if self.tty { colour(st.phase, &text) } else { text };
        self.line(at, &text);
        self.progress(at);
    }

    /// An AnalysisRun changed: a line per new measurement.
    pub fn run(&mut self, at: Duration, run: &AnalysisRun) {
        let name = run.metadata.name.clone().unwrap_or_default();
        let Some(st) = run.status.as_ref() else { return };
        if self.earlier.contains(&name) {
            return;
        }
        for m in &st.metric_results {
            let seen = self.measured.entry((name.clone(), m.name.clone())).or_default();
            let new: Vec<_> = m.measurements.iter().skip(*seen).cloned().collect();
            *seen = m.measurements.len();
            for x in new {
                let verdict = match x.phase {
                    MeasurementPhase::Successful => "passes",
                    MeasurementPhase::Failed => "FAILS",
                    MeasurementPhase::Inconclusive => "inconclusive",
                    MeasurementPhase::Waiting => "no data yet (the canary has served too few requests)",
                    MeasurementPhase::Undecided => "undecided",
                    MeasurementPhase::Error => "error",
                };
                let text = match x.phase {
                    MeasurementPhase::Waiting => format!("analysis {}: {verdict}", m.name),
                    _ => format!("analysis {}: success rate {} {verdict}", m.name, short(&x.value)),
                };
                self.line(at, &text);
            }
        }
        self.progress(at);
    }

    /// Redraws the progress line (a terminal only).
    pub fn progress(&mut self, at: Duration) {
        if !self.tty {
            return;
        }
        let (step, weight) = self
            .last
            .as_ref()
            .map_or((0, 0), |(_, s, w, _)| (s.unwrap_or(0).max(0) as usize, w.unwrap_or(0)));
        let width = 24;
        let filled = (step.min(self.steps) * width).checked_div(self.steps).unwrap_or(width);
        let bar: String = "█".repeat(filled) + &"░".repeat(width - filled);
        let _ = write!(
            self.out,
            "\r\x1b[2K  {bar}  step {step}/{}  weight {weight}%  {:.0}s",
            self.steps,
            at.as_secs_f64()
        );
        let _ = self.out.flush();
        self.progress_drawn = true;
    }

    /// Ends the act's progress line; returns every AnalysisRun seen so far.
    pub fn finish(&mut self) -> BTreeSet<String> {
        if self.progress_drawn {
            let _ = writeln!(self.out);
            self.progress_drawn = false;
        }
        let mut seen = self.earlier.clone();
        seen.extend(self.measured.keys().map(|(run, _)| run.clone()));
        seen
    }
}

fn short(value: &str) -> String {
    value.parse::<f64>().map_or_else(|_| value.to_string(), |v| format!("{v:.3}"))
}

fn colour(phase: Option<RolloutPhase>, text: &str) -> String {
    let code = match phase {
        Some(RolloutPhase::Healthy) => "32",
        Some(RolloutPhase::Aborted | RolloutPhase::Degraded) => "31",
        Some(RolloutPhase::Paused) => "33",
        _ => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
