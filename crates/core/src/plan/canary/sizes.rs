//! Pod counts of a canary: the size each step asks of the canary and stable ReplicaSets, and
//! moves towards those sizes that keep within `replicas + maxSurge` pods, at least
//! `replicas - maxUnavailable` available, and the PodDisruptionBudgets.

use crate::plan::{budget::DisruptionLedger, observed::ReplicaSetView, replicas::Limits, working::Working};

/// How a `setCanaryScale` step sizes the canary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CanaryScale {
    /// An absolute number of pods.
    Replicas(i32),
    /// A percentage of `replicas`.
    Weight(i32),
}

/// Pods for `percent` of `replicas`, rounded up (a canary with any weight has a pod).
pub fn share_up(replicas: i32, percent: i32) -> i32 {
    let p = i64::from(percent.clamp(0, 100));
    let r = i64::from(replicas.max(0));
    i32::try_from((r * p + 99) / 100).unwrap_or(replicas)
}

/// Pods for `percent` of `replicas`, rounded down.
pub fn share_down(replicas: i32, percent: i32) -> i32 {
    let p = i64::from(percent.clamp(0, 100));
    i32::try_from(i64::from(replicas.max(0)) * p / 100).unwrap_or(0)
}

/// What a step asks of the two ReplicaSets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets {
    /// Canary pods.
    pub canary: i32,
    /// Stable pods.
    pub stable: i32,
}

/// The sizes for a canary `weight`. With a traffic router the weight is applied by the router:
/// the canary gets the pods for its share (or the `setCanaryScale` size) and stable keeps
/// `replicas` (or, with `dynamicStableScale`, the pods for its own share). Without one the pods
/// are the weight: canary the share rounded up, stable the rest.
pub fn targets(
    replicas: i32,
    weight: i32,
    scale: Option<CanaryScale>,
    routed: bool,
    dynamic: bool,
) -> Targets {
    let canary = match scale {
        Some(CanaryScale::Replicas(n)) => n.clamp(0, replicas),
        Some(CanaryScale::Weight(p)) => share_up(replicas, p),
        None => share_up(replicas, weight),
    };
    let stable = if !routed {
        replicas - canary
    } else if dynamic {
        replicas - share_down(replicas, weight)
    } else {
        replicas
    };
    Targets { canary, stable }
}

/// Moves every live ReplicaSet towards its target size within one pass's bounds: growth first
/// (in `grow_first` order, within the surge room), then shrinking (pods that are not
/// available first, then available ones down to `replicas - maxUnavailable` overall, each
/// clamped by the budgets). A ReplicaSet without a target shrinks to 0.
pub fn move_towards(
    w: &mut Working,
    target_of: &dyn Fn(&str) -> i32,
    grow_first: &[&str],
    limits: Limits,
    observed: &[ReplicaSetView],
    ledger: &mut DisruptionLedger<'_>,
) {
    let mut room = limits.max_total() - w.total();
    for name in grow_first {
        let (size, want) = (w.size(name), target_of(name));
        if w.get(name).is_none() || size >= want || room <= 0 {
            continue;
        }
        let add = (want - size).min(room);
        room -= add;
        w.scale(name, size + add);
    }
    let shrinking: Vec<String> =
        w.rss.iter().filter(|rs| rs.replicas > target_of(&rs.name)).map(|rs| rs.name.clone()).collect();
    let view = |name: &str| observed.iter().find(|o| o.name == name);
    // Pods that are not available lower nothing.
    for name in &shrinking {
        let Some(rs) = w.get(name).cloned() else { continue };
        let unavailable = rs.replicas - rs.countable_available();
        if unavailable <= 0 {
            continue;
        }
        let mut to = (rs.replicas - unavailable).max(target_of(name));
        if let Some(o) = view(name) {
            to = ledger.clamp_scale_down(o, to);
        }
        w.scale(name, to);
    }
    let available: i32 = w.rss.iter().map(ReplicaSetView::countable_available).sum();
    let mut budget = available - limits.min_available();
    for name in &shrinking {
        if budget <= 0 {
            break;
        }
        let size = w.size(name);
        let want = target_of(name);
        if size <= want {
            continue;
        }
        let mut to = size - (size - want).min(budget);
        if let Some(o) = view(name) {
            to = ledger.clamp_scale_down(o, to);
        }
        budget -= size - to;
        w.scale(name, to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weight_becomes_pods_rounded_towards_the_canary_having_one() {
        assert_eq!(targets(10, 20, None, false, false), Targets { canary: 2, stable: 8 });
        assert_eq!(
            targets(3, 10, None, false, false),
            Targets { canary: 1, stable: 2 },
            "any weight gets a pod"
        );
        assert_eq!(targets(10, 0, None, false, false), Targets { canary: 0, stable: 10 });
        assert_eq!(targets(10, 100, None, false, false), Targets { canary: 10, stable: 0 });
        // Routed: stable keeps its pods unless it scales with its share.
        assert_eq!(targets(10, 25, None, true, false), Targets { canary: 3, stable: 10 });
        assert_eq!(targets(10, 25, None, true, true), Targets { canary: 3, stable: 8 });
        assert_eq!(
            targets(10, 5, Some(CanaryScale::Replicas(1)), true, false),
            Targets { canary: 1, stable: 10 }
        );
        assert_eq!(
            targets(10, 5, Some(CanaryScale::Weight(50)), true, false),
            Targets { canary: 5, stable: 10 }
        );
        assert_eq!(
            targets(4, 5, Some(CanaryScale::Replicas(9)), true, false).canary,
            4,
            "never above replicas"
        );
    }
}
