//! The optimal wave schedule of a rolling update: what an ideal controller that reacts in no
//! time would do with the same `maxSurge`, `maxUnavailable` and readiness delay. The rolling
//! benchmark divides the measured wall time by this.
//!
//! Model: every pod turns Ready exactly `ready_after` after it is created, old pods are all
//! Ready and go the moment they are scaled away. At each instant the ideal controller removes
//! as many old pods as `maxUnavailable` allows and creates as many new ones as `maxSurge`
//! allows. Doing the most at each instant is optimal: a pod's readiness depends only on when it
//! was created, and removing an old pod early only frees room for new ones.

use std::time::Duration;

/// The ideal schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Instants at which new pods are created.
    pub waves: usize,
    /// From the start to every new pod Ready and no old pod left.
    pub duration: Duration,
    /// Size changes of the new ReplicaSet (its create included).
    pub new_sizes: usize,
    /// Size changes of the old ReplicaSet.
    pub old_sizes: usize,
}

/// The optimal schedule for `replicas` pods, at most `surge` above and `unavailable` below
/// `replicas` (absolute numbers, already rounded as the strategy rounds them). `None` when
/// both are 0 (no rolling update can move) or `replicas` is 0.
pub fn optimal(replicas: u32, surge: u32, unavailable: u32, ready_after: Duration) -> Option<Schedule> {
    if replicas == 0 {
        return None;
    }
    let limits = Limits { replicas, surge, unavailable };
    moves(limits, (0, replicas), (replicas, 0), ready_after)
}

/// The bounds a move keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Pods wanted.
    pub replicas: u32,
    /// Pods allowed above `replicas`.
    pub surge: u32,
    /// Pods allowed below `replicas` available.
    pub unavailable: u32,
}

/// The fastest way from `from` to `to`, each `(new, old)` pod counts, all of them Ready at the
/// start: old pods only go and new ones only come. `None` when the limits allow no move.
pub fn moves(limits: Limits, from: (u32, u32), to: (u32, u32), ready_after: Duration) -> Option<Schedule> {
    let r = u64::from(limits.replicas);
    let (s, u) = (u64::from(limits.surge), u64::from(limits.unavailable.min(limits.replicas)));
    let (mut ready, mut old) = (u64::from(from.0), u64::from(from.1));
    let (new_target, old_target) = (u64::from(to.0), u64::from(to.1));
    // Creation instants of the pods not Ready yet, in order.
    let mut pending: std::collections::VecDeque<(Duration, u64)> = Default::default();
    let mut now = Duration::ZERO;
    let mut sched = Schedule { waves: 0, duration: Duration::ZERO, new_sizes: 0, old_sizes: 0 };
    loop {
        let in_flight: u64 = pending.iter().map(|(_, n)| n).sum();
        // Remove old pods while enough stay available.
        let available = old + ready;
        let removable = old.saturating_sub(old_target).min(available.saturating_sub(r - u));
        if removable > 0 {
            old -= removable;
            sched.old_sizes += 1;
        }
        // Create new pods up to the surge.
        let total = old + ready + in_flight;
        let create = new_target.saturating_sub(ready + in_flight).min((r + s).saturating_sub(total));
        if create > 0 {
            pending.push_back((now + ready_after, create));
            sched.waves += 1;
            sched.new_sizes += 1;
        }
        if old <= old_target && ready >= new_target {
            sched.duration = now;
            return Some(sched);
        }
        let (at, n) = pending.pop_front()?;
        now = at;
        ready += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn one_surge_pod_at_a_time_is_one_wave_per_replica() {
        let s = optimal(10, 1, 0, secs(2)).unwrap();
        assert_eq!((s.waves, s.duration), (10, secs(20)));
        // Each wave: the new set grows, then the old one shrinks once the new pod is Ready.
        assert_eq!((s.new_sizes, s.old_sizes), (10, 10));
    }

    #[test]
    fn surge_and_unavailable_add_up_per_wave() {
        // 3 surge + 2 unavailable: five new pods per wave, two waves.
        let s = optimal(10, 3, 2, secs(1)).unwrap();
        assert_eq!((s.waves, s.duration), (2, secs(2)));
        let s = optimal(100, 25, 0, secs(1)).unwrap();
        assert_eq!((s.waves, s.duration), (4, secs(4)));
        // All at once when the surge covers every replica.
        assert_eq!(optimal(4, 4, 0, secs(3)).map(|s| (s.waves, s.duration)), Some((1, secs(3))));
    }

    #[test]
    fn unavailable_alone_replaces_in_place() {
        let s = optimal(10, 0, 3, secs(1)).unwrap();
        assert_eq!((s.waves, s.duration), (4, secs(4)));
    }

    #[test]
    fn a_canary_step_moves_both_sets_within_the_limits() {
        // 4 pods, surge 1, unavailable 1: from 1 canary + 3 stable to 3 + 1, one stable pod
        // goes at once, which leaves room for both new ones; the second goes once they are Ready.
        let l = Limits { replicas: 4, surge: 1, unavailable: 1 };
        let s = moves(l, (1, 3), (3, 1), secs(1)).unwrap();
        assert_eq!((s.waves, s.new_sizes, s.old_sizes, s.duration), (1, 1, 2, secs(1)));
        // The first weight: one canary pod, one stable pod away, at once.
        let s = moves(l, (0, 4), (1, 3), secs(1)).unwrap();
        assert_eq!((s.waves, s.new_sizes, s.old_sizes, s.duration), (1, 1, 1, secs(1)));
    }

    #[test]
    fn nothing_can_move_without_surge_or_unavailable() {
        assert_eq!(optimal(10, 0, 0, secs(1)), None);
        assert_eq!(optimal(0, 1, 0, secs(1)), None);
    }
}
