//! The minimum number of writes a controller needs to carry one rollout from a new revision to
//! Healthy, per strategy, for the cases of `ramp bench requests` (docs/benchmarks.md explains
//! each count). A write is necessary when it changes what runs, where traffic goes, or a fact
//! the cluster cannot tell again later (the step reached, when a pause began, the verdict
//! acted on); counts that can be read off the ReplicaSets at any time are not.

use std::fmt;

use super::waves;

/// Necessary writes, by what they change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Minimum {
    /// ReplicaSet creates.
    pub creates: u32,
    /// ReplicaSet size changes.
    pub scales: u32,
    /// Service selectors and route weights.
    pub traffic: u32,
    /// Rollout status writes.
    pub status: u32,
}

impl Minimum {
    /// Every necessary write.
    pub fn total(&self) -> u32 {
        self.creates + self.scales + self.traffic + self.status
    }
}

impl fmt::Display for Minimum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} create, {} scale, {} traffic, {} status",
            self.creates, self.scales, self.traffic, self.status
        )
    }
}

/// Rolling update, surge 1, no unavailable: the new ReplicaSet is created at its first wave's
/// size and grows once per later wave; the old one shrinks once per wave (the optimal wave
/// schedule); status records the new revision, then Healthy.
pub fn rolling(replicas: u32) -> Minimum {
    let s = waves::optimal(replicas, 1, 0, std::time::Duration::from_secs(1));
    let (new_sizes, old_sizes) = s.map_or((0, 0), |s| (s.new_sizes, s.old_sizes));
    Minimum {
        creates: 1,
        scales: u32::try_from(new_sizes + old_sizes).unwrap_or(u32::MAX) - 1,
        traffic: 0,
        status: 2,
    }
}

/// Blue-green, automatic promotion: green created at full size; the preview Service, then the
/// active one, pointed at it; blue scaled to zero after the delay; status records the new
/// revision, then Healthy.
pub fn blue_green(_replicas: u32) -> Minimum {
    Minimum { creates: 1, scales: 1, traffic: 2, status: 2 }
}

/// Canary by replica ratio, steps setWeight 20, pause, setWeight 60, pause: the canary
/// ReplicaSet created at 20%, grown to 60%, then to full size as the stable one goes to zero;
/// status at the new revision, at each of the four steps completed, and Healthy.
pub fn canary_ratio(_replicas: u32) -> Minimum {
    Minimum { creates: 1, scales: 3, traffic: 0, status: 6 }
}

/// Canary through an HTTPRoute, same steps: the canary ReplicaSet created at 20% of the
/// replicas and grown to 60% and 100%; the route at 20 and 60, then back to the stable
/// Service once it selects the new pods; the old ReplicaSet scaled to zero; status as for the
/// ratio canary.
pub fn canary_route(_replicas: u32) -> Minimum {
    Minimum { creates: 1, scales: 3, traffic: 4, status: 6 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rolling_update_of_ten_needs_one_create_and_nineteen_scales() {
        // Ten waves: the create makes the first new pod, nine grow the new set, ten shrink the old.
        assert_eq!(rolling(10), Minimum { creates: 1, scales: 19, traffic: 0, status: 2 });
        assert_eq!(rolling(10).total(), 22);
    }
}
