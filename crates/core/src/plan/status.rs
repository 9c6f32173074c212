//! Desired status: counts, conditions (in a fixed order, `lastTransitionTime` moved only
//! when a condition's status changes), the phase, and the Events that mark transitions.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

use super::{action::EventNote, observed::Observed};
use crate::api::{
    RolloutPhase, RolloutStatus,
    condition::{reasons, types},
};

/// Order in which condition types appear.
const ORDER: [&str; 5] =
    [types::PROGRESSING, types::AVAILABLE, types::PAUSED, types::HEALTHY, types::INVALID_SPEC];

/// Pod counts summed over a rollout's ReplicaSets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Non-terminating pods.
    pub replicas: i32,
    /// Pods on the updated revision.
    pub updated: i32,
    /// Ready pods.
    pub ready: i32,
    /// Available pods.
    pub available: i32,
    /// Ready pods on the updated revision.
    pub updated_ready: i32,
}

impl Counts {
    /// Whether these counts show progress since `prior` (the Deployment controller's test).
    pub fn progressed_since(&self, prior: &RolloutStatus) -> bool {
        self.updated > prior.updated_replicas
            || (self.replicas - self.updated) < (prior.replicas - prior.updated_replicas)
            || self.ready > prior.ready_replicas
            || self.available > prior.available_replicas
    }

    /// Percentage of ready pods on the updated revision: the share of traffic a Service
    /// spreading over ready endpoints sends it.
    pub fn weight(&self) -> i32 {
        if self.ready <= 0 {
            return 0;
        }
        let w = (i64::from(self.updated_ready) * 100 + i64::from(self.ready) / 2) / i64::from(self.ready);
        i32::try_from(w).unwrap_or(100)
    }
}

/// Builds the next status from the prior one.
pub struct StatusBuilder<'a> {
    obs: &'a Observed,
    status: RolloutStatus,
    events: Vec<EventNote>,
}

impl<'a> StatusBuilder<'a> {
    /// Starts from the prior status, with generation and selector refreshed.
    pub fn new(obs: &'a Observed) -> Self {
        let mut status = obs.rollout.status.clone();
        status.observed_generation = Some(obs.rollout.generation);
        status.selector = Some(crate::api::selector::to_query(&obs.rollout.spec.selector));
        Self { obs, status, events: Vec::new() }
    }

    /// The status being built.
    pub fn status_mut(&mut self) -> &mut RolloutStatus {
        &mut self.status
    }

    /// The prior status.
    pub fn prior(&self) -> &RolloutStatus {
        &self.obs.rollout.status
    }

    /// Writes the counts.
    pub fn counts(&mut self, c: &Counts) {
        self.status.replicas = c.replicas;
        self.status.updated_replicas = c.updated;
        self.status.ready_replicas = c.ready;
        self.status.available_replicas = c.available;
        self.status.weight = Some(c.weight());
    }

    /// Sets a condition; `lastTransitionTime` moves only if the status value changed.
    pub fn condition(&mut self, type_: &str, status: bool, reason: &str, message: impl Into<String>) {
        self.condition_value(type_, if status { "True" } else { "False" }, reason, message);
    }

    /// Sets a condition with status `Unknown`.
    pub fn condition_unknown(&mut self, type_: &str, reason: &str, message: impl Into<String>) {
        self.condition_value(type_, "Unknown", reason, message);
    }

    fn condition_value(&mut self, type_: &str, status: &str, reason: &str, message: impl Into<String>) {
        let prior = self.obs.rollout.status.conditions.iter().find(|c| c.type_ == type_);
        let transition = match prior {
            Some(p) if p.status == status => p.last_transition_time.clone(),
            _ => Time(self.obs.now),
        };
        let cond = Condition {
            type_: type_.into(),
            status: status.into(),
            reason: reason.into(),
            message: message.into(),
            last_transition_time: transition,
            observed_generation: Some(self.obs.rollout.generation),
        };
        self.status.conditions.retain(|c| c.type_ != type_);
        self.status.conditions.push(cond);
    }

    /// Removes a condition.
    pub fn clear_condition(&mut self, type_: &str) {
        self.status.conditions.retain(|c| c.type_ != type_);
    }

    /// Records an event.
    pub fn event(&mut self, e: EventNote) {
        self.events.push(e);
    }

    /// The prior reason of a condition.
    pub fn prior_reason(&self, type_: &str) -> Option<&str> {
        self.obs.rollout.status.conditions.iter().find(|c| c.type_ == type_).map(|c| c.reason.as_str())
    }

    /// Sets phase and message, adds the phase-transition event, orders conditions.
    pub fn finish(mut self, phase: RolloutPhase, message: String) -> (RolloutStatus, Vec<EventNote>) {
        let prior = self.obs.rollout.status.phase;
        if prior != Some(phase)
            && let Some(e) = transition_event(prior, phase, &message)
        {
            self.events.push(e);
        }
        self.finish_quiet(phase, message)
    }

    /// Like [`finish`](Self::finish) without the phase-transition event.
    pub fn finish_quiet(mut self, phase: RolloutPhase, message: String) -> (RolloutStatus, Vec<EventNote>) {
        self.status.phase = Some(phase);
        self.status.message = Some(message);
        self.status
            .conditions
            .sort_by_key(|c| ORDER.iter().position(|t| *t == c.type_).unwrap_or(ORDER.len()));
        (self.status, self.events)
    }

    /// The clock.
    pub fn now(&self) -> Timestamp {
        self.obs.now
    }
}

fn transition_event(prior: Option<RolloutPhase>, phase: RolloutPhase, message: &str) -> Option<EventNote> {
    Some(match phase {
        RolloutPhase::Healthy => EventNote::normal(reasons::ROLLOUT_COMPLETED, message),
        RolloutPhase::Paused => EventNote::normal(reasons::ROLLOUT_PAUSED, message),
        RolloutPhase::Aborted => EventNote::warning(reasons::ROLLOUT_ABORTED, message),
        RolloutPhase::Degraded => EventNote::warning(reasons::PROGRESS_DEADLINE_EXCEEDED, message),
        RolloutPhase::Progressing if prior == Some(RolloutPhase::Paused) => {
            EventNote::normal(reasons::ROLLOUT_RESUMED, message)
        }
        RolloutPhase::Progressing => return None,
    })
}

/// The status for a spec that cannot be planned: every problem in the message and, for an
/// invalid spec, the `InvalidSpec` condition; one Warning event each time the problems change.
pub fn degraded(obs: &Observed, reason: &str, problems: &[String]) -> (RolloutStatus, Vec<EventNote>) {
    let mut b = StatusBuilder::new(obs);
    let message = problems.join("; ");
    let prior = b.prior();
    let is_new = prior.phase != Some(RolloutPhase::Degraded)
        || b.prior_reason(types::PROGRESSING) != Some(reason)
        || prior.message.as_ref() != Some(&message);
    b.condition(types::PROGRESSING, false, reason, &message);
    b.condition(types::HEALTHY, false, reason, &message);
    if reason == reasons::INVALID_SPEC {
        b.condition(types::INVALID_SPEC, true, reason, &message);
    }
    if is_new {
        b.event(EventNote::warning(reason, &message));
    }
    b.finish_quiet(RolloutPhase::Degraded, message)
}
