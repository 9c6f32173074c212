//! What the list shows of each Rollout, read from the controller's caches (every replica
//! fills them, leader or not, so every replica serves the read side).

use std::sync::Arc;

use kube::runtime::reflector::ObjectRef;
use serde::Serialize;

use super::feed::RolloutKey;
use crate::{
    api::{RequestRecord, Rollout},
    controller::context::Context,
};

/// The controller's caches, one context per watched namespace (or one for all).
#[derive(Clone, Default)]
pub struct Caches {
    contexts: Vec<Arc<Context>>,
}

impl Caches {
    /// The caches of these contexts.
    pub fn new(contexts: Vec<Arc<Context>>) -> Self {
        Self { contexts }
    }

    /// The context whose caches hold `namespace`.
    pub fn context_for(&self, namespace: &str) -> Option<&Arc<Context>> {
        self.contexts.iter().find(|c| c.scope.as_deref().is_none_or(|s| s == namespace))
    }

    /// A Rollout and the context that holds it.
    pub fn get(&self, key: &RolloutKey) -> Option<(Arc<Rollout>, &Arc<Context>)> {
        let ctx = self.context_for(&key.namespace)?;
        let r = ctx.rollouts.get(&ObjectRef::new(&key.name).within(&key.namespace))?;
        Some((r, ctx))
    }

    /// Every cached Rollout, by namespace then name.
    pub fn all(&self) -> Vec<Arc<Rollout>> {
        let mut all: Vec<Arc<Rollout>> = self.contexts.iter().flat_map(|c| c.rollouts.state()).collect();
        all.sort_by_key(|r| RolloutKey::of(r));
        all.dedup_by_key(|r| RolloutKey::of(r));
        all
    }
}

/// A condition as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionView {
    /// `Progressing`, `Available`, `Paused`, `Healthy`, `InvalidSpec`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Why, in one word.
    pub reason: String,
    /// Why, in words.
    pub message: String,
}

/// One line of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `rollingUpdate`, `blueGreen`, `canary` (or `none`).
    pub strategy: String,
    /// `status.phase` (empty before the controller first wrote status).
    pub phase: String,
    /// `status.message`.
    pub message: String,
    /// The current canary step, 0-based.
    pub step: Option<i32>,
    /// Canary steps in the spec.
    pub steps: usize,
    /// Traffic on the updated revision, as the steps set it.
    pub weight: Option<i32>,
    /// Traffic achieved.
    pub achieved_weight: Option<i32>,
    /// `spec.replicas`.
    pub desired: i32,
    /// Pods that exist.
    pub replicas: i32,
    /// Pods on the updated revision.
    pub updated: i32,
    /// Ready pods.
    pub ready: i32,
    /// Available pods.
    pub available: i32,
    /// pod-template-hash of the revision rolled out last in full.
    pub stable_revision: String,
    /// pod-template-hash of the revision the spec asks for.
    pub updated_revision: String,
    /// Why it is paused (pause condition reasons).
    pub paused: Vec<String>,
    /// The conditions, as written.
    pub conditions: Vec<ConditionView>,
    /// The spec's generation was not seen by the controller yet.
    pub stale: bool,
    /// The last request Ramp carried out (or refused).
    pub last_request: Option<RequestRecord>,
}

impl Row {
    /// The row of a Rollout.
    pub fn of(r: &Rollout) -> Self {
        let status = r.status.clone().unwrap_or_default();
        let strategy = r.spec.strategy.selected().map_or("none", |s| s.name()).to_string();
        let steps = r.spec.strategy.canary.as_ref().map_or(0, |c| c.steps.len());
        Self {
            namespace: r.metadata.namespace.clone().unwrap_or_default(),
            name: r.metadata.name.clone().unwrap_or_default(),
            strategy,
            phase: status.phase.map(|p| p.as_str().to_string()).unwrap_or_default(),
            message: status.message.clone().unwrap_or_default(),
            step: status.current_step,
            steps,
            weight: status.weight,
            achieved_weight: status.achieved_weight,
            desired: r.spec.replicas,
            replicas: status.replicas,
            updated: status.updated_replicas,
            ready: status.ready_replicas,
            available: status.available_replicas,
            stable_revision: status.stable_revision.clone().unwrap_or_default(),
            updated_revision: status.updated_revision.clone().unwrap_or_default(),
            paused: status.pause_conditions.iter().map(|p| p.reason.clone()).collect(),
            conditions: status
                .conditions
                .iter()
                .map(|c| ConditionView {
                    type_: c.type_.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                })
                .collect(),
            stale: status.observed_generation.is_none_or(|g| Some(g) < r.metadata.generation),
            last_request: status.last_request,
        }
    }

    /// The key of this row.
    pub fn key(&self) -> RolloutKey {
        RolloutKey::new(&self.namespace, &self.name)
    }

    /// `n/m` for a canary, `-` otherwise. Shown 1-based: step 0 of 3 reads `1/3`; past the
    /// last step, `m/m`.
    pub fn step_text(&self) -> String {
        match (self.step, self.steps) {
            (_, 0) | (None, _) => "-".into(),
            (Some(s), n) => format!("{}/{n}", usize::try_from(s).unwrap_or(0).saturating_add(1).min(n)),
        }
    }

    /// The weight shown: achieved, else set, as `n%`.
    pub fn weight_text(&self) -> String {
        match (self.achieved_weight, self.weight) {
            (Some(a), Some(w)) if a != w => format!("{a}% (→{w}%)"),
            (Some(w), _) | (None, Some(w)) => format!("{w}%"),
            (None, None) => "-".into(),
        }
    }

    /// Health in a few words: a problem the conditions report first (invalid spec, too few
    /// pods available, no progress), else healthy or still rolling out.
    pub fn health_text(&self) -> String {
        let cond = |t: &str| self.conditions.iter().find(|c| c.type_ == t);
        match (cond("InvalidSpec"), cond("Available"), cond("Progressing"), cond("Healthy")) {
            (Some(c), _, _, _) if c.status == "True" => format!("invalid spec: {}", c.reason),
            (_, Some(c), _, _) if c.status == "False" => format!("unavailable: {}", c.reason),
            (_, _, Some(c), _) if c.status == "False" => format!("not progressing: {}", c.reason),
            (_, _, _, Some(c)) if c.status == "True" => "healthy".into(),
            (_, _, _, Some(_)) => "rolling out".into(),
            _ => "-".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canary_row_reads_like_kubectl() {
        let r: Rollout = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop", "generation": 3},
            "spec": {"replicas": 4, "selector": {}, "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}]}}},
            "status": {"observedGeneration": 3, "phase": "Paused", "currentStep": 1, "weight": 20, "achievedWeight": 25,
                       "replicas": 5, "readyReplicas": 5, "availableReplicas": 5, "updatedReplicas": 1,
                       "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-01-01T00:00:00Z"}],
                       "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"},
                                      {"type": "Healthy", "status": "False", "reason": "RolloutNotCompleted", "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}]},
        }))
        .unwrap();
        let row = Row::of(&r);
        assert_eq!((row.strategy.as_str(), row.phase.as_str()), ("canary", "Paused"));
        assert_eq!(row.step_text(), "2/3");
        assert_eq!(row.weight_text(), "25% (→20%)");
        assert_eq!(row.health_text(), "rolling out");
        assert_eq!(row.paused, ["CanaryPauseStep"]);
        assert!(!row.stale);
    }
}
