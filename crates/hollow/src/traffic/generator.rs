//! How many requests a target sends per tick: `rate × elapsed`, with the fractional
//! remainder carried so that long runs are exact.
//!
//! Rather than adding `rate × elapsed` tick by tick (where rounding drifts: ten additions of
//! `0.1` give `0.9999999999999999`), the pacer keeps the total time since the rate was set
//! and emits `⌊rate × total⌋ − already emitted`. Changing the rate re-bases the count,
//! keeping the fraction that was owed.

use std::time::Duration;

/// Request pacing for one target.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Pacer {
    /// Requests per second (non-finite or negative rates count as 0).
    rate: f64,
    /// Fraction of a request owed from before the last rate change, in `[0, 1)`.
    owed: f64,
    /// Time since the last rate change.
    elapsed: Duration,
    /// Requests emitted since the last rate change.
    emitted: u64,
}

impl Pacer {
    /// A pacer sending `rate` requests per second.
    pub(super) fn new(rate: f64) -> Self {
        Self { rate: sanitize(rate), owed: 0.0, elapsed: Duration::ZERO, emitted: 0 }
    }

    /// The configured rate.
    pub(super) fn rate(&self) -> f64 {
        self.rate
    }

    /// Requests due (possibly fractional) since the last rate change.
    fn due(&self) -> f64 {
        let exact = self.owed + self.rate * self.elapsed.as_secs_f64();
        // Absorb float rounding just below an integer (0.29 × 100 = 28.999999999999996).
        exact + 1e-9 + exact * 1e-12
    }

    /// Advances time by `elapsed`; returns how many requests to send now.
    pub(super) fn advance(&mut self, elapsed: Duration) -> u64 {
        self.elapsed = self.elapsed.saturating_add(elapsed);
        let due = self.due().floor() as u64; // saturating cast
        let now = due.saturating_sub(self.emitted);
        self.emitted = self.emitted.saturating_add(now);
        now
    }

    /// Changes the rate from now on, keeping the fraction already owed.
    pub(super) fn set_rate(&mut self, rate: f64) {
        let rate = sanitize(rate);
        if rate == self.rate {
            return;
        }
        let owed =
            (self.owed + self.rate * self.elapsed.as_secs_f64() - self.emitted as f64).max(0.0).fract();
        *self = Self { rate, owed, elapsed: Duration::ZERO, emitted: 0 };
    }
}

fn sanitize(rate: f64) -> f64 {
    if rate.is_finite() && rate > 0.0 { rate } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rate: f64, ticks: u32, tick: Duration) -> u64 {
        let mut p = Pacer::new(rate);
        (0..ticks).map(|_| p.advance(tick)).sum()
    }

    #[test]
    fn carries_fractions_exactly() {
        assert_eq!(run(0.5, 10, Duration::from_secs(1)), 5);
        assert_eq!(run(0.1, 10, Duration::from_secs(1)), 1);
        assert_eq!(run(0.29, 100, Duration::from_secs(1)), 29);
        assert_eq!(run(3.0, 1000, Duration::from_millis(100)), 300);
        assert_eq!(run(1.0 / 3.0, 30, Duration::from_secs(1)), 10);
        assert_eq!(run(7.0, 86_400, Duration::from_secs(1)), 604_800);
    }

    #[test]
    fn per_tick_counts_follow_the_rate() {
        let mut p = Pacer::new(0.5);
        let got: Vec<u64> = (0..4).map(|_| p.advance(Duration::from_secs(1))).collect();
        assert_eq!(got, [0, 1, 0, 1]);
        assert_eq!(Pacer::new(100.0).advance(Duration::ZERO), 0);
    }

    #[test]
    fn bad_rates_send_nothing() {
        for rate in [-1.0, f64::NAN, f64::INFINITY, 0.0] {
            assert_eq!(run(rate, 10, Duration::from_secs(1)), 0);
        }
    }

    #[test]
    fn rate_change_keeps_the_owed_fraction() {
        let mut p = Pacer::new(0.5);
        assert_eq!(p.advance(Duration::from_secs(1)), 0); // 0.5 owed
        p.set_rate(1.5);
        assert_eq!(p.advance(Duration::from_secs(1)), 2); // 0.5 + 1.5
        assert_eq!(p.rate(), 1.5);
    }
}
