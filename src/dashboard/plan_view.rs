//! "What happens next": the planner run on the current observation, as the controller's
//! reconcile would run it now, its actions in words. Read-only: nothing is applied.

use serde::Serialize;

use crate::plan::{Action, Plan};

/// The next plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    /// The actions, in order.
    pub actions: Vec<ActionView>,
    /// The phase the plan writes.
    pub phase: String,
    /// Its message.
    pub message: String,
    /// When the controller would look again without a change, in seconds.
    pub requeue_after_seconds: Option<u64>,
    /// Why there is no plan (the observation could not be made).
    pub error: Option<String>,
}

/// One action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionView {
    /// The action's kind (`ScaleReplicaSet`, `Event`, ...).
    pub kind: String,
    /// What it does, in words.
    pub text: String,
}

impl PlanView {
    /// The view of a plan.
    pub fn of(p: &Plan) -> Self {
        Self {
            actions: p.actions.iter().map(describe).collect(),
            phase: p.status.phase.map(|p| p.as_str().to_string()).unwrap_or_default(),
            message: p.status.message.clone().unwrap_or_default(),
            requeue_after_seconds: p.requeue_after.map(|d| d.as_secs()),
            error: None,
        }
    }

    /// No plan, and why.
    pub fn failed(why: String) -> Self {
        Self {
            actions: Vec::new(),
            phase: String::new(),
            message: String::new(),
            requeue_after_seconds: None,
            error: Some(why),
        }
    }
}

/// An action in words.
pub fn describe(a: &Action) -> ActionView {
    let (kind, text) = match a {
        Action::CreateReplicaSet(n) => (
            "CreateReplicaSet",
            format!("create ReplicaSet {} (revision {}) with {} pods", n.name, n.revision, n.replicas),
        ),
        Action::ScaleReplicaSet(s) if s.from == s.to => (
            "ScaleReplicaSet",
            format!(
                "annotate ReplicaSet {} (desired {}, max {})",
                s.name, s.desired_replicas, s.max_replicas
            ),
        ),
        Action::ScaleReplicaSet(s) => {
            ("ScaleReplicaSet", format!("scale ReplicaSet {} from {} to {}", s.name, s.from, s.to))
        }
        Action::UpdateReplicaSetRevision(u) => {
            ("UpdateReplicaSetRevision", format!("make ReplicaSet {} revision {}", u.name, u.revision))
        }
        Action::DeleteReplicaSet { name } => ("DeleteReplicaSet", format!("delete old ReplicaSet {name}")),
        Action::SetServiceSelector(s) => {
            ("SetServiceSelector", format!("point Service {} at pod-template-hash {}", s.service, s.hash))
        }
        Action::SetRouteWeights(w) => {
            let weights: Vec<String> =
                w.backends.iter().map(|b| format!("{} {}", b.service, b.weight)).collect();
            ("SetRouteWeights", format!("weigh {} {}: {}", w.kind.kind(), w.route, weights.join(", ")))
        }
        Action::ScaleDeployment { name, replicas } => {
            ("ScaleDeployment", format!("scale Deployment {name} to {replicas}"))
        }
        Action::SetRouteRules(r) => (
            "SetRouteRules",
            format!(
                "header routes on {} {}: remove {}, add {}",
                r.kind.kind(),
                r.route,
                r.remove.len(),
                r.add.len()
            ),
        ),
        Action::Event(e) => ("Event", format!("{:?} event {}: {}", e.kind, e.reason, e.message)),
    };
    ActionView { kind: kind.into(), text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{EventNote, ScaleReplicaSet};

    #[test]
    fn actions_read_as_sentences() {
        let scale = Action::ScaleReplicaSet(ScaleReplicaSet {
            name: "web-abc".into(),
            from: 1,
            to: 3,
            desired_replicas: 4,
            max_replicas: 5,
        });
        assert_eq!(describe(&scale).text, "scale ReplicaSet web-abc from 1 to 3");
        let event = Action::Event(EventNote::normal("StepCompleted", "step 1 done"));
        assert_eq!(describe(&event).text, "Normal event StepCompleted: step 1 done");
    }
}
