//! The matrix as text: a grid of faults by strategies (each cell: passed or not, where it
//! ended, how long the rollout took on the cell's clock), then one line per cell with its
//! evidence.

use std::fmt::Write;

use super::{Cell, Fault, Outcome, Strategy};

fn mark(o: &Outcome) -> String {
    let end = if o.failure.is_some() { "stuck" } else { o.expected.name() };
    let ok = if o.passed() { "ok" } else { "FAIL" };
    format!("{ok} {end} {}s", o.rollout_time.as_secs())
}

/// The grid: one row per fault, one column per strategy; `-` where the fault does not apply,
/// blank where the cell was not run.
pub fn render_grid(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let width = 22;
    let _ = write!(out, "{:<20}", "fault");
    for s in Strategy::ALL {
        let _ = write!(out, " {:<width$}", s.name());
    }
    out.push('\n');
    for f in Fault::ALL {
        if !outcomes.iter().any(|o| o.cell.fault == f) {
            continue;
        }
        let _ = write!(out, "{:<20}", f.name());
        for s in Strategy::ALL {
            let cell = Cell { strategy: s, fault: f };
            let text = match outcomes.iter().find(|o| o.cell == cell) {
                Some(o) => mark(o),
                None if !f.applies_to(s) => "-".into(),
                None => String::new(),
            };
            let _ = write!(out, " {text:<width$}");
        }
        out.push('\n');
    }
    out
}

/// One line per cell: what the controller sent, the fault's evidence, how often each check
/// ran, the longest traffic reached a Service without a Ready pod (`exposed`: a killed or
/// flapping pod under it, until routing moved off), and what went wrong, if anything.
pub fn render_details(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:<19} {:<8} {:>7} {:>9} {:>7} {:<26} {:>7} {:>6} {:>7} {:>8} {:>6}",
        "strategy",
        "fault",
        "result",
        "rollout",
        "requests",
        "writes",
        "fault evidence",
        "routing",
        "scales",
        "status",
        "exposed",
        "wall"
    );
    for o in outcomes {
        let result = if o.passed() {
            "ok".to_string()
        } else if o.failure.is_some() {
            "stuck".to_string()
        } else if !o.fault_seen {
            "no-fault".to_string()
        } else {
            "VIOLATED".to_string()
        };
        let _ = writeln!(
            out,
            "{:<16} {:<19} {:<8} {:>6}s {:>9} {:>7} {:<26} {:>7} {:>6} {:>7} {:>6}ms {:>5.2}s",
            o.cell.strategy.name(),
            o.cell.fault.name(),
            result,
            o.rollout_time.as_secs(),
            o.requests.0,
            o.requests.1,
            o.evidence,
            o.checked.routing,
            o.checked.scale_downs,
            o.checked.statuses,
            o.checked.longest_exposure_ms,
            o.wall.as_secs_f64()
        );
        if let Some(f) = &o.failure {
            let _ = writeln!(out, "    failure: {f}");
        }
        for v in &o.violations {
            let _ = writeln!(out, "    violation: {v}");
        }
    }
    out
}
