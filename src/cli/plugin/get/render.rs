//! The text form of a [`Tree`]: a header, the steps, then revisions → ReplicaSet → pods and
//! analysis runs → metrics, then approvals, pauses, conditions and the last request.

use std::fmt::Write as _;

use super::model::{MetricLine, PodNode, Revision, Run, Tree};
use crate::cli::plugin::output::{Colour, Style, age, phase_colour};

/// Draws the tree at `now` (ages are relative to it).
pub fn render(t: &Tree, style: Style, now: jiff::Timestamp) -> String {
    let mut out = String::new();
    let p = |c: Option<Colour>, s: &str| style.paint(c, s);
    let ago = |at: &Option<String>| {
        at.as_deref().and_then(|a| a.parse::<jiff::Timestamp>().ok()).map_or("?".into(), |a| age(a, now))
    };
    let phase = t.phase.clone().unwrap_or_else(|| "(not yet observed)".into());
    let _ = writeln!(out, "Name:        {}", t.name);
    let _ = writeln!(out, "Namespace:   {}", t.namespace);
    let _ = writeln!(out, "Strategy:    {}", t.strategy);
    let _ = write!(out, "Phase:       {}", p(phase_colour(&phase), &phase));
    if t.generation.is_some() && t.generation != t.observed_generation {
        let _ =
            write!(out, " {}", p(Some(Colour::Yellow), "(the controller has not seen the latest spec yet)"));
    }
    let _ = writeln!(out);
    if let Some(m) = t.message.as_deref().filter(|m| !m.is_empty()) {
        let _ = writeln!(out, "Message:     {m}");
    }
    if let Some(s) = &t.steps {
        let _ = writeln!(out, "Step:        {}/{}", s.current, s.steps.len());
    }
    let show = |w: Option<i32>| w.map_or("-".to_string(), |w| w.to_string());
    let _ = writeln!(out, "Weight:      {} set, {} achieved", show(t.weight.set), show(t.weight.achieved));
    let r = &t.replicas;
    let _ = writeln!(
        out,
        "Replicas:    desired {}, current {}, updated {}, ready {}, available {}",
        r.desired, r.current, r.updated, r.ready, r.available
    );

    if let Some(s) = &t.steps {
        let _ = writeln!(out, "Steps:");
        for step in &s.steps {
            let (mark, colour) = match step.state {
                "done" => ("✔", Some(Colour::Green)),
                "current" => ("▶", Some(Colour::Yellow)),
                _ => (" ", None),
            };
            let _ = writeln!(out, "  {} {:>2}  {}", p(colour, mark), step.index, step.text);
        }
    }

    if let Some(g) = &t.approvals.waiting {
        let at = g.step.map(|s| format!(" (step {s})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{at}: {} — waiting {}; `kubectl ramp approve|reject {}`",
            p(Some(Colour::Yellow), "Approval pending"),
            g.message,
            ago(&Some(g.since.clone())),
            t.name
        );
        if g.required > 1 || !g.approved_by.is_empty() || !g.groups.is_empty() {
            let from =
                if g.groups.is_empty() { String::new() } else { format!(" from {}", g.groups.join(" or ")) };
            let by = if g.approved_by.is_empty() {
                String::new()
            } else {
                format!(": {}", g.approved_by.join(", "))
            };
            let _ =
                writeln!(out, "             {} of {} approvals{from}{by}", g.approved_by.len(), g.required);
        }
    }
    for a in &t.approvals.records {
        let verb = match (a.approved, a.promoted) {
            (_, true) => "promoted past",
            (true, false) => "approved",
            (false, false) => "rejected",
        };
        let why = if a.message.is_empty() { String::new() } else { format!(": {}", a.message) };
        let groups = if a.groups.is_empty() { String::new() } else { format!(" ({})", a.groups.join(", ")) };
        let _ = writeln!(out, "Approval:    step {} {verb} by {}{groups}{why}", a.step, a.by);
    }

    let _ = writeln!(out, "Revisions:");
    if t.revisions.is_empty() {
        let _ = writeln!(out, "  (none yet)");
    }
    let last = t.revisions.len().saturating_sub(1);
    for (i, rev) in t.revisions.iter().enumerate() {
        revision(&mut out, rev, i == last, style, &ago);
    }
    for run in &t.other_analysis_runs {
        let _ = writeln!(out, "AnalysisRun of a revision no longer kept:");
        analysis_run(&mut out, run, "  ", style);
    }

    if !t.pauses.is_empty() {
        let _ = writeln!(out, "Paused by:");
        for pause in &t.pauses {
            let _ = writeln!(out, "  {} (since {} ago)", pause.reason, ago(&Some(pause.since.clone())));
        }
    }
    if !t.conditions.is_empty() {
        let _ = writeln!(out, "Conditions:");
        let w = t.conditions.iter().map(|c| c.type_.len()).max().unwrap_or(0);
        for c in &t.conditions {
            let colour = match (c.type_.as_str(), c.status.as_str()) {
                ("InvalidSpec", "True") => Some(Colour::Red),
                (_, "True") => Some(Colour::Green),
                (_, "False") => Some(Colour::Dim),
                _ => None,
            };
            let status = p(colour, &format!("{:<7}", c.status));
            let _ = writeln!(out, "  {:<w$}  {status}  {}: {}", c.type_, c.reason, c.message);
        }
    }
    if let Some(l) = &t.last_request {
        let by = if l.by.is_empty() { String::new() } else { format!(" by {}", l.by) };
        let _ = writeln!(out, "Last request: {}{by}: {}", l.op, l.outcome);
    }
    out
}

fn revision(
    out: &mut String,
    rev: &Revision,
    last: bool,
    style: Style,
    ago: &dyn Fn(&Option<String>) -> String,
) {
    let (branch, stem) = if last { ("└─", "   ") } else { ("├─", "│  ") };
    let number = rev.revision.map_or("?".to_string(), |n| n.to_string());
    let marks: Vec<String> = rev
        .marks
        .iter()
        .map(|m| {
            let c = match *m {
                "stable" | "active" => Colour::Green,
                "aborted" => Colour::Red,
                _ => Colour::Cyan,
            };
            style.paint(Some(c), m)
        })
        .collect();
    let marks = if marks.is_empty() { String::new() } else { format!(" [{}]", marks.join(", ")) };
    let _ = writeln!(out, "{branch} revision {number}{marks}  {}  {}", rev.hash, rev.images.join(", "));
    let rs = &rev.replica_set;
    let has_runs = !rev.analysis_runs.is_empty();
    let (rs_branch, rs_stem) = if has_runs { ("├─", "│  ") } else { ("└─", "   ") };
    let _ = writeln!(
        out,
        "{stem}{rs_branch} ReplicaSet {}  desired {}, ready {}, available {}  {}",
        rs.name,
        rs.desired,
        rs.ready,
        rs.available,
        ago(&rs.created)
    );
    let n = rs.pods.len();
    for (i, pod) in rs.pods.iter().enumerate() {
        let b = if i + 1 == n { "└─" } else { "├─" };
        let _ = writeln!(out, "{stem}{rs_stem}{b} {}", pod_line(pod, style, ago));
    }
    let n = rev.analysis_runs.len();
    for (i, run) in rev.analysis_runs.iter().enumerate() {
        let (b, s) = if i + 1 == n { ("└─", "   ") } else { ("├─", "│  ") };
        let _ = write!(out, "{stem}{b} ");
        analysis_run(out, run, &format!("{stem}{s}"), style);
    }
}

fn pod_line(pod: &PodNode, style: Style, ago: &dyn Fn(&Option<String>) -> String) -> String {
    let state = match &pod.reason {
        None => style.paint(Some(Colour::Green), "Ready"),
        Some(r) => style.paint(Some(Colour::Red), &format!("not ready: {r}")),
    };
    let restarts = if pod.restarts > 0 {
        style.paint(Some(Colour::Yellow), &format!("  restarts {}", pod.restarts))
    } else {
        String::new()
    };
    format!("pod {}  {state}{restarts}  {}", pod.name, ago(&pod.created))
}

fn analysis_run(out: &mut String, run: &Run, indent: &str, style: Style) {
    let mut notes = Vec::new();
    if run.dry_run {
        notes.push("dry run");
    }
    if run.superseded {
        notes.push("superseded");
    }
    let notes = if notes.is_empty() { String::new() } else { format!(" ({})", notes.join(", ")) };
    let score = run.score.as_ref().map(|s| format!(" score {s}")).unwrap_or_default();
    let message =
        run.message.as_deref().filter(|m| !m.is_empty()).map(|m| format!(": {m}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "AnalysisRun {} [{}] {}{notes}{score}{message}",
        run.name,
        run.point,
        style.paint(phase_colour(&run.phase), &run.phase)
    );
    let n = run.metrics.len();
    for (i, m) in run.metrics.iter().enumerate() {
        let (b, s) = if i + 1 == n { ("└─", "   ") } else { ("├─", "│  ") };
        metric(out, m, run.message.as_deref(), (&format!("{indent}{b} "), &format!("{indent}{s}")), style);
    }
}

/// A metric's lines; what the run's message (`said`) already says is not repeated.
fn metric(out: &mut String, m: &MetricLine, said: Option<&str>, (first, rest): (&str, &str), style: Style) {
    let tally = format!(
        "{} measured: {} ok, {} failed, {} inconclusive, {} errors",
        m.count, m.successful, m.failed, m.inconclusive, m.error
    );
    let _ =
        writeln!(out, "{first}metric {} {}  {tally}", m.name, style.paint(phase_colour(&m.phase), &m.phase));
    let message = m.message.as_deref().filter(|x| !x.is_empty() && Some(*x) != said);
    if let Some(msg) = message {
        let _ = writeln!(out, "{rest}  {msg}");
    }
    let said = [said, m.message.as_deref()];
    if let Some(x) = &m.last {
        let baseline = x.baseline.as_ref().map(|b| format!(" vs baseline {b}")).unwrap_or_default();
        let repeated = said.iter().flatten().any(|s| s.contains(x.message.as_str()));
        let reason =
            if x.message.is_empty() || repeated { String::new() } else { format!(": {}", x.message) };
        let _ = writeln!(out, "{rest}  last {} {}{baseline} ({}){reason}", x.phase, x.value, x.at);
        if let Some(e) = &x.evidence {
            let mut parts = Vec::new();
            if !e.query.is_empty() {
                parts.push(format!("query {}", e.query));
            }
            if !e.window.is_empty() {
                parts.push(format!("window {}", e.window));
            }
            parts.push(format!("{} samples", e.samples));
            if let Some(est) = &e.estimate {
                parts.push(format!("estimate {est}"));
            }
            if let Some(iv) = &e.interval {
                parts.push(format!("interval {iv}"));
            }
            if let Some(c) = &e.class {
                parts.push(format!("class {c}"));
            }
            let _ = writeln!(out, "{rest}  evidence: {}", parts.join(", "));
        }
    }
}
