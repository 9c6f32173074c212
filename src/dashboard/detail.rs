//! What the detail page shows of one Rollout: its steps, ReplicaSets and pods, weights over
//! time, analyses, approvals, recent Events, and the plan the controller would carry out
//! next — all from the caches, the planner run read-only on the current observation.

use serde::Serialize;

use super::{
    analysis_view::RunView,
    events::EventView,
    feed::{Feed, RolloutKey},
    history::WeightSample,
    plan_view::PlanView,
    view::{Caches, Row},
};
use crate::{
    api::{ApprovalRecord, Rollout},
    controller::{context::Context, observe::observe, pods::PodSummary},
    plan::{canary::describe as describe_step, plan},
};

/// Everything about one Rollout.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    /// What the list shows.
    #[serde(flatten)]
    pub row: Row,
    /// The canary steps (empty for other strategies).
    pub steps: Vec<StepView>,
    /// The ReplicaSets, newest revision first.
    pub replica_sets: Vec<ReplicaSetRow>,
    /// Weights over time, as this replica saw them.
    pub weights: Vec<WeightSample>,
    /// The Rollout's AnalysisRuns, by name.
    pub analysis: Vec<RunView>,
    /// Approvals and rejections of the updated revision.
    pub approvals: Vec<ApprovalRecord>,
    /// Recent Events, newest first.
    pub events: Vec<EventView>,
    /// Why the Events cannot be shown.
    pub events_error: Option<String>,
    /// What the controller would do next.
    pub plan: PlanView,
}

/// One canary step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// 0-based.
    pub index: usize,
    /// The step in words (`setWeight 20`, `pause 5m`, ...).
    pub label: String,
    /// `done`, `current` or `next`.
    pub state: &'static str,
    /// `pause`, `approval`, `analysis` when the step is one.
    pub mark: Option<&'static str>,
    /// An approval step's settings in words (message, and any gate fields it sets).
    pub note: String,
}

/// One ReplicaSet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSetRow {
    /// Name.
    pub name: String,
    /// Revision number.
    pub revision: u64,
    /// pod-template-hash.
    pub hash: String,
    /// `stable`, `updated`, both, or empty.
    pub role: String,
    /// `spec.replicas`.
    pub replicas: i32,
    /// Ready pods.
    pub ready: i32,
    /// Available pods.
    pub available: i32,
    /// The containers' images.
    pub images: Vec<String>,
    /// Its pods.
    pub pods: Vec<PodSummary>,
}

/// The detail of a cached Rollout (Events left empty: see [`super::events`]).
pub fn build(caches: &Caches, feed: &Feed, key: &RolloutKey) -> Option<Detail> {
    let (rollout, ctx) = caches.get(key)?;
    let row = Row::of(&rollout);
    let status = rollout.status.clone().unwrap_or_default();
    let (replica_sets, plan) = observed(&rollout, ctx, &row);
    let mut analysis: Vec<RunView> =
        crate::controller::analysis::runs::runs_of(ctx, &rollout).iter().map(|r| RunView::of(r)).collect();
    analysis.sort_by(|a, b| a.name.cmp(&b.name));
    Some(Detail {
        steps: steps(&rollout, &row),
        replica_sets,
        weights: feed.history.of(key),
        analysis,
        approvals: status.approvals.into_iter().filter(|a| a.revision == row.updated_revision).collect(),
        events: Vec::new(),
        events_error: None,
        plan,
        row,
    })
}

fn observed(rollout: &Rollout, ctx: &Context, row: &Row) -> (Vec<ReplicaSetRow>, PlanView) {
    use kube::runtime::reflector::ObjectRef;
    let obs = match observe(rollout, ctx, ctx.clock.now()) {
        Ok(o) => o,
        Err(e) => return (Vec::new(), PlanView::failed(e.to_string())),
    };
    let mut rss: Vec<ReplicaSetRow> = obs
        .replica_sets
        .iter()
        .map(|rs| {
            let images = ctx
                .replica_sets
                .get(&ObjectRef::new(&rs.name).within(&row.namespace))
                .and_then(|o| o.spec.clone())
                .and_then(|s| s.template)
                .and_then(|t| t.spec)
                .map(|p| p.containers.into_iter().filter_map(|c| c.image).collect())
                .unwrap_or_default();
            let roles: Vec<&str> = [
                (rs.pod_template_hash == row.stable_revision).then_some("stable"),
                (rs.pod_template_hash == row.updated_revision).then_some("updated"),
            ]
            .into_iter()
            .flatten()
            .collect();
            ReplicaSetRow {
                name: rs.name.clone(),
                revision: rs.revision,
                hash: rs.pod_template_hash.clone(),
                role: roles.join(", "),
                replicas: rs.replicas,
                ready: rs.status.ready,
                available: rs.status.available,
                images,
                pods: ctx.pod_health.pods_of(&row.namespace, &rs.name),
            }
        })
        .collect();
    rss.sort_by(|a, b| b.revision.cmp(&a.revision).then_with(|| a.name.cmp(&b.name)));
    (rss, PlanView::of(&plan(&obs)))
}

fn steps(rollout: &Rollout, row: &Row) -> Vec<StepView> {
    let Some(canary) = &rollout.spec.strategy.canary else { return Vec::new() };
    let current = row.step.and_then(|s| usize::try_from(s).ok());
    canary
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let state = match current {
                Some(c) if i < c => "done",
                Some(c) if i == c => "current",
                None if row.phase == "Healthy" => "done",
                _ => "next",
            };
            let mark = if s.pause.is_some() {
                Some("pause")
            } else if s.approval.is_some() {
                Some("approval")
            } else if s.analysis.is_some() {
                Some("analysis")
            } else {
                None
            };
            let note = s.approval.as_ref().map(approval_note).unwrap_or_default();
            StepView { index: i, label: describe_step(Some(s)), state, mark, note }
        })
        .collect()
}

/// An approval step's fields as `key: value` pairs, read from its JSON so that every field
/// it has (message, and gate settings such as required approvers or groups) is shown.
fn approval_note(a: &crate::api::ApprovalStep) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(a) else { return String::new() };
    fields
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}: {s}"),
            serde_json::Value::Array(items) => {
                let items: Vec<String> =
                    items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string)).collect();
                format!("{k}: {}", items.join(", "))
            }
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_marks_done_current_and_next() {
        let r: Rollout = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"selector": {}, "strategy": {"canary": {"steps": [
                {"setWeight": 20}, {"pause": {"duration": "1m"}}, {"approval": {"message": "check the canary"}}, {"setWeight": 100}]}}},
            "status": {"currentStep": 2, "phase": "Paused"},
        }))
        .unwrap();
        let all = steps(&r, &Row::of(&r));
        assert_eq!(all[2].note, "message: check the canary");
        let got: Vec<(String, &str, Option<&str>)> =
            all.into_iter().map(|s| (s.label, s.state, s.mark)).collect();
        assert_eq!(
            got,
            [
                ("setWeight 20".into(), "done", None),
                ("pause 1m".into(), "done", Some("pause")),
                ("approval".into(), "current", Some("approval")),
                ("setWeight 100".into(), "next", None),
            ]
        );
    }
}
