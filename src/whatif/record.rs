//! What a simulated run records: timeline rows for people and, per step, the measurements
//! the property tests assert invariants on.

use std::{sync::Arc, time::Duration};

use hollow::controllers::{controller_of, pod_available, pod_ready};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::ReplicaSet;
use serde::Serialize;
use serde_json::Value;

use crate::{
    api::{RolloutPhase, RolloutStatus},
    plan::{Action, Plan, ReplicaSetView, replicas::Limits},
};

/// One ReplicaSet in a timeline row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSetRow {
    /// Name.
    pub name: String,
    /// Revision number.
    pub revision: u64,
    /// `spec.replicas`.
    pub desired: i32,
    /// Pods that exist.
    pub current: i32,
    /// Ready pods.
    pub ready: i32,
    /// Available pods.
    pub available: i32,
}

/// One row of the timeline: what the planner did at a moment and the state after it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Seconds since the start (fractional).
    pub at_seconds: f64,
    /// Writes and events of the plan.
    pub actions: Vec<Action>,
    /// ReplicaSets after the simulated controllers acted.
    pub replica_sets: Vec<ReplicaSetRow>,
    /// Phase after the plan.
    pub phase: Option<RolloutPhase>,
    /// Status message after the plan.
    pub message: String,
}

/// Measurements after one planning pass.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanCheck {
    /// Offset from the start.
    pub at: Duration,
    /// Limits for the spec at the time.
    pub limits: Limits,
    /// Sum of ReplicaSet sizes before the pass.
    pub total_before: i32,
    /// Sum of ReplicaSet sizes after the pass.
    pub total_after: i32,
    /// The same input planned twice gave the same plan.
    pub deterministic: bool,
}

/// Ready pods a sync removed from one budget's pods, and what it allowed just before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetCheck {
    /// Budget name.
    pub name: String,
    /// `disruptionsAllowed` computed from the pods just before the sync.
    pub allowed_before: i32,
    /// Ready pods the sync deleted among those the budget selects.
    pub ready_removed: i32,
}

/// Measurements around one ReplicaSet-controller sync (when pods actually go).
#[derive(Clone, Debug, PartialEq)]
pub struct SyncCheck {
    /// Offset from the start.
    pub at: Duration,
    /// `replicas - maxUnavailable` for the spec at the time.
    pub min_available: i32,
    /// Available pods just before.
    pub available_before: i32,
    /// Available pods just after.
    pub available_after: i32,
    /// `spec.replicas` was lowered since the previous sync (the user's own scale-down).
    pub user_scaled_down: bool,
    /// Per budget.
    pub budgets: Vec<BudgetCheck>,
}

/// Where a route sent traffic after one planning pass and the sync that followed.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficCheck {
    /// Offset from the start.
    pub at: Duration,
    /// Every backendRef of every rule: Service, weight, and the ready pods it selects.
    pub backends: Vec<RoutedBackend>,
    /// Every Service, with the ready pods its selector selects (blue-green's active Service).
    pub services: Vec<(String, usize)>,
}

/// One backendRef as the data plane would use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutedBackend {
    /// Rule index.
    pub rule: usize,
    /// The Service.
    pub service: String,
    /// Its weight.
    pub weight: i64,
    /// Ready pods its selector selects.
    pub ready: usize,
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct Run {
    /// Seed used.
    pub seed: u64,
    /// Rows where the planner wrote something or the phase changed.
    pub entries: Vec<Entry>,
    /// After every planning pass.
    pub plans: Vec<PlanCheck>,
    /// Around every sync that deleted pods.
    pub syncs: Vec<SyncCheck>,
    /// After every planning pass, when the run has a route.
    pub traffic: Vec<TrafficCheck>,
    /// Final Rollout status.
    pub status: RolloutStatus,
    /// Final ReplicaSets.
    pub replica_sets: Vec<ReplicaSetRow>,
    /// Fingerprint of the final template.
    pub final_fingerprint: String,
    /// Virtual time used.
    pub elapsed: Duration,
    /// Nothing was left to happen when the run stopped (false: the time limit cut it).
    pub settled: bool,
}

impl Run {
    /// An empty record of a run with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            entries: Vec::new(),
            plans: Vec::new(),
            syncs: Vec::new(),
            traffic: Vec::new(),
            status: RolloutStatus::default(),
            replica_sets: Vec::new(),
            final_fingerprint: String::new(),
            elapsed: Duration::ZERO,
            settled: false,
        }
    }
}

/// Adds a timeline row when the plan did or changed something.
pub fn record(out: &mut Run, at: Duration, p: &Plan, replica_sets: Vec<ReplicaSetRow>, changed: bool) {
    if !changed && p.actions.is_empty() {
        return;
    }
    out.entries.push(Entry {
        at_seconds: at.as_secs_f64(),
        actions: p.actions.clone(),
        replica_sets,
        phase: p.status.phase,
        message: p.status.message.clone().unwrap_or_default(),
    });
}

/// The ReplicaSets as timeline cells, oldest first, with their pods counted at `now`.
pub fn rows(rss: &[ReplicaSet], pods: &[Arc<Value>], now: Timestamp) -> Vec<ReplicaSetRow> {
    let mut rows: Vec<(Timestamp, ReplicaSetRow)> = rss
        .iter()
        .filter_map(|rs| ReplicaSetView::from_replica_set(rs).ok())
        .map(|v| {
            let uid = rss
                .iter()
                .find(|r| r.metadata.name.as_deref() == Some(v.name.as_str()))
                .and_then(|r| r.metadata.uid.clone())
                .unwrap_or_default();
            let mine: Vec<&Arc<Value>> =
                pods.iter().filter(|p| controller_of(p).is_some_and(|(_, _, u)| u == uid)).collect();
            let n = |k: usize| i32::try_from(k).unwrap_or(i32::MAX);
            let min_ready = i64::from(v.min_ready_seconds);
            let row = ReplicaSetRow {
                name: v.name.clone(),
                revision: v.revision,
                desired: v.replicas,
                current: n(mine.len()),
                ready: n(mine.iter().filter(|p| pod_ready(p).0).count()),
                available: n(mine.iter().filter(|p| pod_available(p, min_ready, now)).count()),
            };
            (v.created, row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    rows.into_iter().map(|(_, r)| r).collect()
}
