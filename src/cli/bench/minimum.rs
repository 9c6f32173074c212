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

/// Size changes of both ReplicaSets along `targets` (each `(new, old)`), from `(0,
/// replicas)`, each move as the optimal wave schedule makes it.
fn scales_along(limits: waves::Limits, targets: &[(u32, u32)]) -> u32 {
    let mut at = (0, limits.replicas);
    let mut n = 0;
    for &to in targets {
        let s = waves::moves(limits, at, to, std::time::Duration::from_secs(1));
        n += s.map_or(0, |s| s.new_sizes + s.old_sizes);
        at = to;
    }
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// 25% of `replicas`, rounded up (`maxSurge`'s default) and down (`maxUnavailable`'s).
fn default_limits(replicas: u32) -> waves::Limits {
    waves::Limits { replicas, surge: replicas.div_ceil(4), unavailable: replicas / 4 }
}

/// Canary pods for `weight` percent, rounded up.
fn share(replicas: u32, weight: u32) -> u32 {
    (replicas * weight).div_ceil(100)
}

/// The canary steps' weights in `ramp bench requests`.
const WEIGHTS: [u32; 2] = [20, 60];

/// Status writes of a canary with `steps` steps: the new revision, each step done (its index,
/// and when a pause began), and Healthy with the new stable revision.
fn canary_status(steps: u32) -> u32 {
    1 + steps + 1
}

/// Rolling update, surge 1, no unavailable: the new ReplicaSet is created at its first wave's
/// size and grows once per later wave; the old one shrinks once per wave (the optimal wave
/// schedule); status records the new revision, then Healthy.
pub fn rolling(replicas: u32) -> Minimum {
    let limits = waves::Limits { replicas, surge: 1, unavailable: 0 };
    Minimum { creates: 1, scales: scales_along(limits, &[(replicas, 0)]) - 1, traffic: 0, status: 2 }
}

/// Blue-green, automatic promotion: green created at full size; the preview Service, then the
/// active one, pointed at it; blue scaled to zero after the delay; status records the new
/// revision, then the switch (with when blue goes) and Healthy in one write.
pub fn blue_green(_replicas: u32) -> Minimum {
    Minimum { creates: 1, scales: 1, traffic: 2, status: 2 }
}

/// Canary by replica ratio, steps setWeight 20, pause, setWeight 60, pause, default surge
/// and unavailable (25%): at each weight the canary grows to its share (rounded up) and
/// stable shrinks to the rest, then the canary takes every replica; each move as the optimal
/// wave schedule makes it, the create making the canary's first size.
pub fn canary_ratio(replicas: u32) -> Minimum {
    let mut targets: Vec<(u32, u32)> =
        WEIGHTS.iter().map(|&w| (share(replicas, w), replicas - share(replicas, w))).collect();
    targets.push((replicas, 0));
    let scales = scales_along(default_limits(replicas), &targets) - 1;
    Minimum { creates: 1, scales, traffic: 0, status: canary_status(4) }
}

/// Canary through an HTTPRoute, same steps: the canary ReplicaSet created at its share of the
/// first weight and grown at the second and to full size, stable kept whole until the end
/// and then scaled to zero; the canary Service pointed at the new pods, the route set to 20
/// and 60, the stable Service moved to the new pods and the route back to it; status as for
/// the ratio canary.
pub fn canary_route(replicas: u32) -> Minimum {
    let sizes = WEIGHTS
        .iter()
        .map(|&w| share(replicas, w))
        .chain([replicas])
        .collect::<std::collections::BTreeSet<_>>();
    let grows = u32::try_from(sizes.len()).unwrap_or(u32::MAX) - 1;
    Minimum { creates: 1, scales: grows + 1, traffic: 5, status: canary_status(4) }
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

    #[test]
    fn canaries_of_ten() {
        // Surge 3, unavailable 2. 20%: 2 canary pods and 2 stable away at once (create + 1).
        // 60%: 6 + 4, from 2 + 8: 2 stable go, 4 canary come; then 2 more stable (3 writes).
        // Full: 10 + 0 from 6 + 4: 2 go, 4 come; then the last 2 stable (3 writes).
        let c = canary_ratio(10);
        assert_eq!((c.creates, c.scales, c.status), (1, 7, 6));
        // Routed: canary 2 → 6 → 10, stable 10 → 0 at the end.
        assert_eq!(canary_route(10), Minimum { creates: 1, scales: 3, traffic: 5, status: 6 });
    }
}
