//! Rendering a simulated run: a table for people, JSON for scripts.

use std::{io, io::Write, time::Duration};

use serde_json::{Value, json};

use crate::{
    api::condition::events,
    plan::{Action, EventKind, RolloutView},
    whatif::driver::{Entry, ReplicaSetRow, Run, Scenario, Start, limits_of},
};

/// The run as JSON: settings, every timeline entry, and the outcome.
pub fn json(sc: &Scenario, run: &Run) -> Value {
    json!({
        "rollout": sc.rollout.metadata.name,
        "seed": run.seed,
        "settled": run.settled,
        "elapsedSeconds": run.elapsed.as_secs_f64(),
        "phase": run.status.phase,
        "timeline": run.entries,
        "finalReplicaSets": run.replica_sets,
        "status": run.status,
    })
}

/// The run as a table.
pub fn text(sc: &Scenario, run: &Run, readiness: Duration, out: &mut impl Write) -> io::Result<()> {
    let view = RolloutView::from_rollout(&sc.rollout).map_err(io::Error::other)?;
    let l = limits_of(&view);
    let name = sc.rollout.metadata.name.as_deref().unwrap_or("rollout");
    writeln!(
        out,
        "Rollout {name}: rollingUpdate, {} replicas, maxSurge {}, maxUnavailable {} (at most {} pods, at least {} available)",
        l.replicas,
        l.max_surge,
        l.max_unavailable,
        l.max_total(),
        l.min_available()
    )?;
    let start = match sc.start {
        Start::FromPrevious => "a previous revision runs at full size; the template is the new revision",
        Start::Fresh => "nothing runs yet; this is the first rollout",
    };
    writeln!(
        out,
        "Start: {start}. Pods turn Ready {} after creation (+ up to {} jitter, seed {}); minReadySeconds {}.",
        fmt_duration(readiness),
        fmt_duration(sc.behaviour.jitter),
        run.seed,
        view.spec.min_ready_seconds
    )?;
    for b in &sc.budgets {
        writeln!(
            out,
            "PodDisruptionBudget {} is honoured on every scale-down.",
            b.metadata.name.as_deref().unwrap_or("")
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{:>7}  {:<46}  REPLICASETS desired/current/ready/available", "TIME", "ACTION")?;
    for e in &run.entries {
        write_entry(e, out)?;
    }
    writeln!(out)?;
    let phase = run.status.phase.map_or("unknown", |p| p.as_str());
    let verdict = if run.settled { "settled" } else { "stopped at the time limit" };
    writeln!(
        out,
        "Result: {phase} after {} ({verdict}): {}",
        fmt_duration(run.elapsed),
        run.status.message.as_deref().unwrap_or("")
    )?;
    Ok(())
}

fn write_entry(e: &Entry, out: &mut impl Write) -> io::Result<()> {
    let mut lines: Vec<String> = Vec::new();
    for a in &e.actions {
        match a {
            Action::CreateReplicaSet(n) => {
                lines.push(format!("create {} (rev {}) at {}", n.name, n.revision, n.replicas));
            }
            Action::ScaleReplicaSet(s) if s.from != s.to => {
                let verb = if s.to > s.from { "scale up" } else { "scale down" };
                lines.push(format!("{verb} {} {}→{}", s.name, s.from, s.to));
            }
            Action::ScaleReplicaSet(_) => {}
            Action::UpdateReplicaSetRevision(u) => {
                lines.push(format!("renumber {} to rev {}", u.name, u.revision))
            }
            Action::DeleteReplicaSet { name } => lines.push(format!("delete {name} (history limit)")),
            Action::SetServiceSelector(s) => lines.push(format!("select {} on {}", s.hash, s.service)),
            Action::SetRouteWeights(w) => {
                let weights: Vec<String> =
                    w.backends.iter().map(|b| format!("{} {}", b.service, b.weight)).collect();
                lines.push(format!("weights {} {}: {}", w.kind.kind(), w.route, weights.join(", ")));
            }
            Action::ScaleDeployment { name, replicas } => {
                lines.push(format!("scale Deployment {name} to {replicas}"))
            }
            Action::SetRouteRules(r) => lines.push(format!(
                "header routes {} {}: -{} +{}",
                r.kind.kind(),
                r.route,
                r.remove.len(),
                r.add.len()
            )),
            Action::Event(ev) if is_transition(&ev.reason) => {
                let mark = if ev.kind == EventKind::Warning { "warning" } else { "event" };
                lines.push(format!("{mark} {}", ev.reason));
            }
            Action::Event(_) => {}
        }
    }
    if lines.is_empty() {
        lines.push(format!("({})", e.phase.map_or("observe", |p| p.as_str())));
    }
    let rs = rs_cells(&e.replica_sets);
    for (i, line) in lines.iter().enumerate() {
        let time = if i == 0 { fmt_duration(Duration::from_secs_f64(e.at_seconds)) } else { String::new() };
        let cells = if i == 0 { rs.as_str() } else { "" };
        writeln!(out, "{time:>7}  {line:<46}  {cells}")?;
    }
    if e.actions.iter().any(|a| matches!(a, Action::Event(ev) if ev.kind == EventKind::Warning)) {
        writeln!(out, "{:>7}  {}", "", e.message)?;
    }
    Ok(())
}

/// Events already visible as actions are not repeated.
fn is_transition(reason: &str) -> bool {
    ![events::REPLICA_SET_DELETED, "NewReplicaSetCreated"].contains(&reason)
}

fn rs_cells(rows: &[ReplicaSetRow]) -> String {
    rows.iter()
        .map(|r| format!("{} {}/{}/{}/{}", r.name, r.desired, r.current, r.ready, r.available))
        .collect::<Vec<_>>()
        .join("  ")
}

/// `1m05s`, `42s`, `250ms`.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 && ms > 0 && d.as_secs() == 0 {
        return format!("{ms}ms");
    }
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec:02}s"),
        (h, m, sec) => format!("{h}h{m:02}m{sec:02}s"),
    }
}
