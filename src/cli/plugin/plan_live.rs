//! `kubectl ramp plan ROLLOUT`: what the controller will do next, from the live state. The
//! observation is read from the API ([`crate::controller::observe::from_api`]) and handed to
//! the same planner `reconcile` runs; the actions, the analyses it waits on and the status it
//! would write are printed. Read only: nothing is written.

use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use super::output;
use crate::{
    api::RolloutStatus,
    cli::{CliError, Output},
    controller::{
        observe::{FromApiError, from_api},
        render::{StatusChange, status_change},
    },
    plan::{Action, EventKind, Plan, plan},
};

/// What `plan ROLLOUT` prints as data.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LivePlan {
    /// The Rollout.
    pub rollout: String,
    /// Its namespace.
    pub namespace: String,
    /// The time the plan was made for.
    pub now: String,
    /// The writes and events, in order.
    pub actions: Vec<Action>,
    /// The analyses the strategy waits on (an AnalysisRun each).
    pub analyses: Vec<WantedRun>,
    /// The status it would write.
    pub status: RolloutStatus,
    /// How that differs from the status now: `same`, `countsOnly` (pod counts, messages and
    /// the progress time: the controller paces such writes) or `meaning`.
    pub status_change: &'static str,
    /// When the controller would look again without an event, in seconds.
    pub requeue_after_seconds: Option<f64>,
}

/// An analysis the strategy waits on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WantedRun {
    /// Where: `background`, `step-N`, `prePromotion`, `postPromotion`.
    pub point: String,
    /// The revision judged.
    pub revision: String,
    /// Its templates.
    pub templates: Vec<String>,
}

/// The plan as data.
pub fn live_plan(name: &str, ns: &str, now: jiff::Timestamp, before: &RolloutStatus, p: &Plan) -> LivePlan {
    LivePlan {
        rollout: name.into(),
        namespace: ns.into(),
        now: now.to_string(),
        actions: p.actions.clone(),
        analyses: p
            .analyses
            .iter()
            .map(|a| WantedRun {
                point: a.point.label(),
                revision: a.revision.clone(),
                templates: a.analysis.templates.iter().map(|t| t.template_name.clone()).collect(),
            })
            .collect(),
        status_change: match status_change(Some(before), &p.status) {
            StatusChange::Same => "same",
            StatusChange::CountsOnly => "countsOnly",
            StatusChange::Meaning => "meaning",
        },
        status: p.status.clone(),
        requeue_after_seconds: p.requeue_after.map(|d| d.as_secs_f64()),
    }
}

/// One action in words.
pub fn describe(a: &Action) -> String {
    match a {
        Action::CreateReplicaSet(n) => {
            format!("create ReplicaSet {} (revision {}) with {} replicas", n.name, n.revision, n.replicas)
        }
        Action::ScaleReplicaSet(s) if s.from == s.to => {
            format!("annotate ReplicaSet {} (size {})", s.name, s.to)
        }
        Action::ScaleReplicaSet(s) => format!("scale ReplicaSet {} from {} to {}", s.name, s.from, s.to),
        Action::UpdateReplicaSetRevision(u) => format!("make ReplicaSet {} revision {}", u.name, u.revision),
        Action::DeleteReplicaSet { name } => format!("delete ReplicaSet {name}"),
        Action::SetServiceSelector(s) => format!("point Service {} at revision {}", s.service, s.hash),
        Action::SetRouteWeights(w) => {
            let weights: Vec<String> =
                w.backends.iter().map(|b| format!("{} {}", b.service, b.weight)).collect();
            format!("weight {} {}: {}", w.kind.kind(), w.route, weights.join(", "))
        }
        Action::ScaleDeployment { name, replicas } => format!("scale Deployment {name} to {replicas}"),
        Action::SetRouteRules(r) => {
            format!(
                "header routes in {} {}: remove {}, add {}",
                r.kind.kind(),
                r.route,
                r.remove.len(),
                r.add.len()
            )
        }
        Action::Event(e) => {
            let kind = match e.kind {
                EventKind::Normal => "Normal",
                EventKind::Warning => "Warning",
            };
            format!("event {kind} {}: {}", e.reason, e.message)
        }
    }
}

fn text(out: &mut dyn Write, before: &RolloutStatus, lp: &LivePlan) -> std::io::Result<()> {
    writeln!(out, "Rollout {} in {}, planned at {}", lp.rollout, lp.namespace, lp.now)?;
    writeln!(out, "Actions:")?;
    if lp.actions.is_empty() {
        writeln!(out, "  none: the cluster is as the controller wants it")?;
    }
    for (i, a) in lp.actions.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, describe(a))?;
    }
    if !lp.analyses.is_empty() {
        writeln!(out, "Analyses it waits on:")?;
        for a in &lp.analyses {
            writeln!(out, "  {} of revision {}: {}", a.point, a.revision, a.templates.join(", "))?;
        }
    }
    let s = &lp.status;
    let phase = |p: Option<crate::api::RolloutPhase>| p.map_or("-", |p| p.as_str());
    let change = match lp.status_change {
        "same" => " (unchanged)",
        "countsOnly" => " (only counts, messages or the progress time change)",
        _ => "",
    };
    writeln!(out, "Status it would write{change}:")?;
    if before.phase != s.phase {
        writeln!(out, "  phase:   {} (now {})", phase(s.phase), phase(before.phase))?;
    } else {
        writeln!(out, "  phase:   {}", phase(s.phase))?;
    }
    writeln!(out, "  message: {}", s.message.as_deref().unwrap_or(""))?;
    if let Some(step) = s.current_step {
        writeln!(out, "  step:    {step}")?;
    }
    let w = |v: Option<i32>| v.map_or("-".to_string(), |v| v.to_string());
    writeln!(out, "  weight:  {} set, {} achieved", w(s.weight), w(s.achieved_weight))?;
    for c in &s.conditions {
        writeln!(out, "  {} {} {}: {}", c.type_, c.status, c.reason, c.message)?;
    }
    match lp.requeue_after_seconds {
        Some(secs) => writeln!(out, "Looks again in {secs}s, or at the next change."),
        None => writeln!(out, "Looks again at the next change."),
    }
}

/// Arguments of `plan ROLLOUT` are `plan`'s ([`crate::cli::plan::PlanArgs`]); this runs it.
pub fn run(
    name: &str,
    target: &super::target::Target,
    format: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    super::target::runtime()?.block_on(async {
        let client = target.client().await?;
        let ns = target.namespace(&client);
        let now = output::now();
        let obs = from_api(&client, &ns, name, now).await.map_err(|e| match e {
            FromApiError::NotFound { .. } => CliError::BadInput(e.to_string()),
            other => CliError::Failed(anyhow::Error::new(other)),
        })?;
        let p = plan(&obs);
        let lp = live_plan(name, &ns, now, &obs.rollout.status, &p);
        if format != Output::Text {
            return output::structured(out, format, &lp);
        }
        text(out, &obs.rollout.status, &lp).context("writing output")?;
        Ok(())
    })
}
