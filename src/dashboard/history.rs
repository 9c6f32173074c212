//! Traffic weights over time, per Rollout: a bounded ring of samples taken from the Rollout
//! watch stream (in memory only; a restarted replica starts an empty history, and each
//! replica keeps its own).

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use serde::Serialize;

use super::feed::RolloutKey;
use crate::api::Rollout;

/// Samples kept per Rollout: at one change a second, four minutes of a fast canary; a
/// slow one keeps its last 240 changes (only changes are recorded).
pub const SAMPLES: usize = 240;

/// One change of weight or step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightSample {
    /// When the watch delivered it (the controller's clock).
    pub at: jiff::Timestamp,
    /// `status.weight`: what the steps set.
    pub weight: Option<i32>,
    /// `status.achievedWeight`: what the routers or pods achieved.
    pub achieved: Option<i32>,
    /// `status.currentStep`.
    pub step: Option<i32>,
}

impl WeightSample {
    fn of(rollout: &Rollout, at: jiff::Timestamp) -> Self {
        let s = rollout.status.as_ref();
        Self {
            at,
            weight: s.and_then(|s| s.weight),
            achieved: s.and_then(|s| s.achieved_weight),
            step: s.and_then(|s| s.current_step),
        }
    }

    fn same_values(&self, other: &Self) -> bool {
        (self.weight, self.achieved, self.step) == (other.weight, other.achieved, other.step)
    }
}

/// The rings of every Rollout seen.
#[derive(Debug, Default)]
pub struct History {
    rings: Mutex<HashMap<RolloutKey, VecDeque<WeightSample>>>,
}

impl History {
    /// Records the Rollout's weights at `at` if they changed since the last sample.
    pub fn record(&self, key: RolloutKey, rollout: &Rollout, at: jiff::Timestamp) {
        let sample = WeightSample::of(rollout, at);
        let mut rings = self.rings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let ring = rings.entry(key).or_default();
        if ring.back().is_some_and(|last| last.same_values(&sample)) {
            return;
        }
        if ring.len() == SAMPLES {
            ring.pop_front();
        }
        ring.push_back(sample);
    }

    /// Forgets a deleted Rollout.
    pub fn forget(&self, key: &RolloutKey) {
        self.rings.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }

    /// The samples of one Rollout, oldest first.
    pub fn of(&self, key: &RolloutKey) -> Vec<WeightSample> {
        let rings = self.rings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        rings.get(key).map(|r| r.iter().cloned().collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_weight(weight: i32, step: i32) -> Rollout {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {}, "strategy": {}},
            "status": {"weight": weight, "achievedWeight": weight, "currentStep": step},
        }))
        .unwrap()
    }

    #[test]
    fn only_changes_are_kept_and_the_ring_is_bounded() {
        let h = History::default();
        let key = RolloutKey::new("default", "web");
        let t = |s: i64| jiff::Timestamp::from_second(s).unwrap();
        h.record(key.clone(), &at_weight(10, 1), t(0));
        h.record(key.clone(), &at_weight(10, 1), t(1));
        h.record(key.clone(), &at_weight(20, 2), t(2));
        let got: Vec<(i64, Option<i32>)> = h.of(&key).iter().map(|s| (s.at.as_second(), s.weight)).collect();
        assert_eq!(got, [(0, Some(10)), (2, Some(20))]);
        for i in 0..(SAMPLES as i32 + 10) {
            h.record(key.clone(), &at_weight(i % 100, i), t(10 + i64::from(i)));
        }
        let samples = h.of(&key);
        assert_eq!(samples.len(), SAMPLES);
        assert_eq!(samples.last().unwrap().step, Some(SAMPLES as i32 + 9), "the newest is kept");
        h.forget(&key);
        assert!(h.of(&key).is_empty());
    }
}
