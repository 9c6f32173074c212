//! Surge and unavailability limits, resolved exactly as the Deployment controller does
//! (`ResolveFenceposts`): maxSurge rounds up, maxUnavailable rounds down, and when both come
//! out zero maxUnavailable becomes 1.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::api::validate::parse_percent;

/// The default for both limits when unset.
pub const DEFAULT_LIMIT_PERCENT: i32 = 25;

/// Resolved limits for one `spec.replicas`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Desired pods.
    pub replicas: i32,
    /// Pods allowed above `replicas`.
    pub max_surge: i32,
    /// Pods allowed to be unavailable (never more than `replicas`).
    pub max_unavailable: i32,
}

impl Limits {
    /// Resolves the limits for `replicas`. Invalid values (rejected earlier by validation)
    /// count as 0.
    pub fn resolve(
        replicas: i32,
        max_surge: Option<&IntOrString>,
        max_unavailable: Option<&IntOrString>,
    ) -> Self {
        let replicas = replicas.max(0);
        let surge = scaled(max_surge, replicas, true);
        let mut unavailable = scaled(max_unavailable, replicas, false);
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        Self { replicas, max_surge: surge, max_unavailable: unavailable.min(replicas) }
    }

    /// `replicas + maxSurge`: the most pods (by ReplicaSet size) a rollout may ask for
    /// (at most `i32::MAX`: `spec.replicas` may itself be the largest int32).
    pub fn max_total(&self) -> i32 {
        self.replicas.saturating_add(self.max_surge)
    }

    /// `replicas - maxUnavailable`: the fewest available pods a rollout may leave.
    pub fn min_available(&self) -> i32 {
        self.replicas - self.max_unavailable
    }
}

/// `GetScaledValueFromIntOrPercent`: an int as is, `p%` of `total` rounded up or down.
pub fn scaled(value: Option<&IntOrString>, total: i32, round_up: bool) -> i32 {
    let (numerator, is_percent) = match value {
        None => (DEFAULT_LIMIT_PERCENT, true),
        Some(IntOrString::Int(i)) => (*i, false),
        Some(IntOrString::String(s)) => (parse_percent(s).unwrap_or(0), true),
    };
    if !is_percent {
        return numerator.max(0);
    }
    let product = i64::from(numerator.max(0)) * i64::from(total.max(0));
    let scaled = if round_up { (product + 99) / 100 } else { product / 100 };
    i32::try_from(scaled).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(s: &str) -> IntOrString {
        IntOrString::String(s.into())
    }

    /// Found by fuzzing (issue 12, `fuzz/regressions/rollout_spec/replicas-max-int32.json`):
    /// `spec.replicas` at the int32 maximum overflowed `replicas + maxSurge`.
    #[test]
    fn max_total_saturates_at_the_largest_replica_count() {
        let l = Limits::resolve(i32::MAX, Some(&pct("25%")), Some(&pct("0%")));
        assert_eq!((l.max_surge, l.max_total()), (536_870_912, i32::MAX));
        assert_eq!(l.min_available(), i32::MAX);
    }

    #[test]
    fn upstream_examples() {
        // replicas 10, 25%/25% → surge ceil(2.5)=3, unavailable floor(2.5)=2
        let l = Limits::resolve(10, Some(&pct("25%")), Some(&pct("25%")));
        assert_eq!((l.max_surge, l.max_unavailable), (3, 2));
        // replicas 1 → surge 1, unavailable 0
        let l = Limits::resolve(1, None, None);
        assert_eq!((l.max_surge, l.max_unavailable), (1, 0));
        // replicas 2, surge 0%, unavailable 1% → both 0 → unavailable 1
        let l = Limits::resolve(2, Some(&pct("0%")), Some(&pct("1%")));
        assert_eq!((l.max_surge, l.max_unavailable), (0, 1));
        // unavailable never exceeds replicas; replicas 0 → nothing may be unavailable
        let l = Limits::resolve(0, Some(&IntOrString::Int(0)), Some(&IntOrString::Int(5)));
        assert_eq!(l.max_unavailable, 0);
        // surge may exceed 100%
        assert_eq!(Limits::resolve(3, Some(&pct("150%")), None).max_surge, 5);
    }
}
