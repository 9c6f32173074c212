//! `spec.workloadRef`: a Rollout that runs an existing Deployment's pod template, for a
//! migration from a Deployment (or from Argo Rollouts, which has the same field). The strategy
//! runs on the Deployment's template; the Deployment's own pods are scaled down only as the
//! Rollout's become available (`progressively`) or once it is Healthy (`onSuccess`), never
//! with `never`. Its size before Ramp touched it is kept in `status.workloadReplicas`, and the
//! controller restores it when the Rollout is deleted (a finalizer), so deleting the Rollout
//! never leaves the Deployment at 0.

use super::{Plan, action::Action, observed::Observed, revision::Desired};
use crate::api::{RolloutPhase, WorkloadScaleDown};

/// The template to run: the Deployment's; `Err` with the problem when it does not exist.
pub fn desired(obs: &Observed) -> Result<Desired, String> {
    let r = obs.rollout.spec.workload_ref.as_ref().ok_or("spec: neither template nor workloadRef is set")?;
    let w = obs
        .workload
        .as_ref()
        .filter(|w| w.name == r.name)
        .ok_or_else(|| format!("spec.workloadRef: Deployment {} does not exist", r.name))?;
    Ok(Desired::of(&w.template))
}

/// Adds the Deployment's scale-down to a plan, per `scaleDown`.
pub fn scale_down(obs: &Observed, p: &mut Plan) {
    let (Some(r), Some(w)) = (obs.rollout.spec.workload_ref.as_ref(), obs.workload.as_ref()) else { return };
    let mode = r.scale_down.unwrap_or(WorkloadScaleDown::Never);
    if mode == WorkloadScaleDown::Never {
        return;
    }
    // Its size before Ramp scaled it: recorded once.
    let original = obs.rollout.status.workload_replicas.unwrap_or(w.replicas);
    p.status.workload_replicas = Some(original);
    let target = match mode {
        WorkloadScaleDown::Never => return,
        WorkloadScaleDown::OnSuccess if p.status.phase == Some(RolloutPhase::Healthy) => 0,
        WorkloadScaleDown::OnSuccess => original,
        // As many fewer as the Rollout has available pods: ready capacity never drops.
        WorkloadScaleDown::Progressively => (original - p.status.available_replicas).max(0),
    };
    // Only ever down from what it has (a person scaling it up is not undone here).
    if target < w.replicas {
        let first_event =
            p.actions.iter().position(|a| matches!(a, Action::Event(_))).unwrap_or(p.actions.len());
        p.actions.insert(first_event, Action::ScaleDeployment { name: w.name.clone(), replicas: target });
    }
}
