//! The planner: a pure function from what is observed to what should happen.
//!
//! ```text
//!  Observed { rollout, replica_sets, disruption_budgets, now }
//!        │  plan()  — no I/O, no clock reads, deterministic
//!        ▼
//!  Plan { actions: [CreateReplicaSet | ScaleReplicaSet | … | Event], status, requeue_after }
//! ```
//!
//! Guarantees: the same `Observed` always gives the same `Plan`; every action is idempotent;
//! `status` carries only what cannot be re-derived (stable and aborted revisions, the last
//! progress time, the collision count) plus the counts and conditions users read.

pub mod action;
pub mod analysis;
pub mod blue_green;
pub mod budget;
pub mod canary;
pub mod gate;
pub mod notify;
pub mod observed;
pub mod operations;
pub mod replicas;
pub mod request;
pub mod request_patch;
pub mod revision;
pub mod rolling;
pub mod scaling;
pub mod status;
pub mod traffic;
pub mod working;
pub mod workload;

use std::time::Duration;

pub use action::{
    Action, EventKind, EventNote, NewReplicaSet, RevisionUpdate, RouteRules, RouteWeights, ScaleReplicaSet,
    ServiceSelector, WeightedBackend,
};
pub use analysis::WantedAnalysis;
pub use observed::{
    AnalysisPoint, BackendView, Confirmation, DisruptionBudgetView, Observed, PodCounts, ReplicaSetView,
    RevisionHealth, RolloutView, RouteRuleView, RouteView, ServiceView, TrafficView, Unreadable, Verdict,
    VerdictOutcome, WorkloadView,
};

use crate::api::{RolloutStatus, StrategyRef, condition::reasons, validate};

/// What one planning pass decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Writes to make, in order; events last.
    pub actions: Vec<Action>,
    /// The status to write.
    pub status: RolloutStatus,
    /// Look again after this long even if nothing changes.
    pub requeue_after: Option<Duration>,
    /// Analyses the strategy waits on now (AnalysisRuns to have; others are ended).
    pub analyses: Vec<analysis::WantedAnalysis>,
}

impl Plan {
    /// The events in the plan.
    pub fn events(&self) -> impl Iterator<Item = &EventNote> {
        self.actions.iter().filter_map(|a| match a {
            Action::Event(e) => Some(e),
            _ => None,
        })
    }

    /// The actions that change objects (everything but events).
    pub fn writes(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(|a| !matches!(a, Action::Event(_)))
    }
}

/// Plans one pass for a rollout.
pub fn plan(obs: &Observed) -> Plan {
    // Order-free: the same objects listed in another order give the same plan.
    let obs = &obs.clone().canonical();
    let mut p = plan_pass(obs);
    notify::record(obs, &mut p);
    p
}

/// The plan of the strategy (or of why it cannot run), before notifications are recorded.
fn plan_pass(obs: &Observed) -> Plan {
    let spec = &obs.rollout.spec;
    let problems: Vec<String> = match validate(spec) {
        Err(invalid) => invalid.0.iter().map(ToString::to_string).collect(),
        Ok(()) => Vec::new(),
    };
    if !problems.is_empty() {
        return degraded(obs, reasons::INVALID_SPEC, &problems);
    }
    if !obs.unreadable_replica_sets.is_empty() {
        // Its pods are unknown: any scale could break the availability or budget bounds.
        let problems: Vec<String> = obs
            .unreadable_replica_sets
            .iter()
            .map(|u| format!("ReplicaSet {} cannot be read ({}); no changes until it can", u.name, u.reason))
            .collect();
        return degraded(obs, reasons::UNREADABLE_REPLICA_SET, &problems);
    }
    let template = match (&spec.template, workload::desired(obs)) {
        (Some(t), _) => t.clone(),
        (None, Ok(d)) => d.template,
        (None, Err(problem)) => return degraded(obs, reasons::WORKLOAD_NOT_FOUND, &[problem]),
    };
    let Some(strategy) = spec.strategy.selected() else {
        return degraded(obs, reasons::INVALID_SPEC, &["spec.strategy: no strategy set".into()]);
    };
    let e = operations::prepare(obs, &template, strategy);
    let mut p = match strategy {
        StrategyRef::RollingUpdate(r) => rolling::plan(&e.obs, r, &e.desired),
        StrategyRef::Canary(c) => canary::plan(&e.obs, c, &e.desired),
        StrategyRef::BlueGreen(b) => blue_green::plan(&e.obs, b, &e.desired),
    };
    p.status.template_override.clone_from(&e.obs.rollout.status.template_override);
    if let Some((record, note)) = e.handled {
        p.status.last_request = Some(record);
        p.actions.push(Action::Event(note));
    }
    workload::scale_down(obs, &mut p);
    p
}

fn degraded(obs: &Observed, reason: &str, problems: &[String]) -> Plan {
    let (status, notes) = status::degraded(obs, reason, problems);
    Plan {
        actions: notes.into_iter().map(Action::Event).collect(),
        status,
        requeue_after: None,
        analyses: Vec::new(),
    }
}
