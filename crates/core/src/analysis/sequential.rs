//! The `sequential` judge: anytime-valid tests that may be looked at after every measurement
//! and still keep their error rates — the probability that a canary that is no regression is
//! ever aborted is at most α, however long it runs and however often it is judged (Ville's
//! inequality for a nonnegative supermartingale that starts at 1).
//!
//! **Counts** (errors). Errors on canary and stable arrive as one stream; given that an error
//! happens in an interval where the canary served the share ρ of requests, it is the canary's
//! with probability θ = ρr / (ρr + 1 − ρ), where r is the canary's error rate per request
//! over stable's. The traffic split applied is the null's anchor, so no same-size baseline is
//! needed and the split may change between steps. The regression threshold r₀ (`maxRatio`)
//! splits the question in two one-sided tests, each a mixture of likelihood ratios over a
//! fixed set of alternatives (a test martingale under its null):
//! - *regression*: against r ≤ r₀, alternatives r₀·{1.25 … 100}; at 1/α the canary is aborted;
//! - *no regression*: against r ≥ r₀, alternatives r₀·{0.8 … 0.01}; at 1/α it passes early.
//!
//! **Continuous values** (latency): each measurement pairs the canary's value with the
//! baseline's in the same window; the sign of `canary − r₀·baseline` is a coin that, if the
//! canary is no regression (its value is at most r₀ times the baseline's as often as not),
//! comes up "worse" with probability at most ½. The same two mixtures over coin biases test
//! it. Inverting both tests over candidate ratios gives the interval reported: a confidence
//! sequence for r (counts) or for the median ratio (continuous), valid at every look.

use crate::api::analysis::{Direction, SequentialJudge, SequentialKind};

/// Default false-alarm probability.
pub const DEFAULT_ALPHA: f64 = 0.05;
/// Default `maxRatio` for counts: 20% more errors per request than stable.
pub const DEFAULT_COUNT_RATIO: f64 = 1.2;
/// Default `maxRatio` for continuous values: 10% above the baseline.
pub const DEFAULT_CONTINUOUS_RATIO: f64 = 1.1;
/// Default events before a count test decides.
pub const DEFAULT_MIN_EVENTS: u64 = 10;
/// Default pairs before a continuous test decides.
pub const DEFAULT_MIN_PAIRS: u64 = 5;

/// Ratios (to r₀) of the count test's alternatives above and below r₀.
const COUNT_UP: [f64; 7] = [1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 100.0];
const COUNT_DOWN: [f64; 7] = [0.8, 2.0 / 3.0, 0.5, 1.0 / 3.0, 0.2, 0.1, 0.01];
/// Coin biases of the continuous test's alternatives above and below ½.
const COIN_UP: [f64; 6] = [0.55, 0.65, 0.75, 0.85, 0.95, 0.99];
const COIN_DOWN: [f64; 6] = [0.45, 0.35, 0.25, 0.15, 0.05, 0.01];

/// A `SequentialJudge` with its defaults applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Counts or continuous values.
    pub kind: SequentialKind,
    /// r₀.
    pub max_ratio: f64,
    /// α.
    pub alpha: f64,
    /// Events or pairs before deciding.
    pub min_samples: u64,
    /// Continuous only: `Decrease` compares baseline/canary instead.
    pub direction: Direction,
}

impl Settings {
    /// Reads `j`, or says which field is wrong.
    pub fn of(j: &SequentialJudge) -> Result<Self, String> {
        let kind = j.kind.unwrap_or_default();
        let parse = |field: &str, s: Option<&String>, default: f64| match s {
            None => Ok(default),
            Some(t) => t
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or(format!("{field} {t:?} is not a number")),
        };
        let (ratio, pairs) = match kind {
            SequentialKind::Count => (DEFAULT_COUNT_RATIO, DEFAULT_MIN_EVENTS),
            SequentialKind::Continuous => (DEFAULT_CONTINUOUS_RATIO, DEFAULT_MIN_PAIRS),
        };
        let max_ratio = parse("maxRatio", j.max_ratio.as_ref(), ratio)?;
        let alpha = parse("alpha", j.alpha.as_ref(), DEFAULT_ALPHA)?;
        if max_ratio <= 0.0 {
            return Err(format!("maxRatio {max_ratio} must be above 0"));
        }
        if !(alpha > 0.0 && alpha < 0.5) {
            return Err(format!("alpha {alpha} must be above 0 and below 0.5"));
        }
        let direction = j.direction.unwrap_or(Direction::Increase);
        if direction == Direction::Either {
            return Err("direction must be increase or decrease".into());
        }
        let min_samples = j.min_samples.map_or(pairs, |n| u64::try_from(n.max(1)).unwrap_or(1));
        Ok(Settings { kind, max_ratio, alpha, min_samples, direction })
    }
}

/// What the evidence says so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The canary is worse than `maxRatio` allows: abort.
    Regression,
    /// The canary is within `maxRatio`: pass.
    NoRegression,
    /// Not yet decisive.
    Undecided,
}

/// A decision with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// What it decided.
    pub outcome: Outcome,
    /// Estimated ratio (canary over stable; NaN when nothing is known yet).
    pub estimate: f64,
    /// Confidence sequence for the ratio, `(low, high)`.
    pub interval: (f64, f64),
    /// Events (counts) or pairs (continuous) used.
    pub samples: u64,
    /// The regression test's e-value (abort at 1/α).
    pub e_regression: f64,
    /// The no-regression test's e-value (pass at 1/α).
    pub e_no_regression: f64,
}

impl Decision {
    fn new(s: &Settings, samples: u64, log_e: (f64, f64), estimate: f64, interval: (f64, f64)) -> Self {
        Decision {
            outcome: decide(s, samples, log_e),
            estimate,
            interval,
            samples,
            e_regression: log_e.0.exp(),
            e_no_regression: log_e.1.exp(),
        }
    }
}

/// The span of the candidates neither test rejects at α (`log_e` at a candidate): the
/// confidence sequence, or NaNs when every candidate is rejected.
fn not_rejected(s: &Settings, candidates: &[f64], log_e: impl Fn(f64) -> (f64, f64)) -> (f64, f64) {
    let bar = (1.0 / s.alpha).ln();
    let mut kept = candidates.iter().copied().filter(|&r| {
        let (up, down) = log_e(r);
        up < bar && down < bar
    });
    match kept.next() {
        Some(lo) => (lo, kept.last().unwrap_or(lo)),
        None => (f64::NAN, f64::NAN),
    }
}

/// Errors in one interval between two readings, and the canary's share of requests in it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Canary errors.
    pub canary: f64,
    /// Stable errors.
    pub stable: f64,
    /// Canary's share of requests, 0–1.
    pub share: f64,
}

/// Cumulative counters read at one measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    /// Canary errors so far.
    pub canary_events: f64,
    /// Canary requests so far (NaN: unknown).
    pub canary_requests: f64,
    /// Stable errors so far.
    pub stable_events: f64,
    /// Stable requests so far (NaN: unknown).
    pub stable_requests: f64,
    /// The canary's share of traffic applied (weight), when requests are unknown.
    pub share: Option<f64>,
}

/// The intervals between consecutive readings. An interval where a counter went down (a
/// reset) or where the share is unknown, 0 or 1 carries no evidence and is left out.
pub fn intervals(readings: &[Reading]) -> Vec<Interval> {
    readings
        .windows(2)
        .filter_map(|w| {
            let (a, b) = (w[0], w[1]);
            let (c, s) = (b.canary_events - a.canary_events, b.stable_events - a.stable_events);
            let (rc, rs) = (b.canary_requests - a.canary_requests, b.stable_requests - a.stable_requests);
            let share = if rc.is_finite() && rs.is_finite() && rc >= 0.0 && rs >= 0.0 && rc + rs > 0.0 {
                Some(rc / (rc + rs))
            } else if rc.is_nan() || rs.is_nan() {
                b.share
            } else {
                None
            };
            let share = share.filter(|p| *p > 0.0 && *p < 1.0)?;
            (c >= 0.0 && s >= 0.0 && c.is_finite() && s.is_finite()).then_some(Interval {
                canary: c,
                stable: s,
                share,
            })
        })
        .collect()
}

fn theta(r: f64, share: f64) -> f64 {
    share * r / (share * r + 1.0 - share)
}

/// ln of a mixture (equal weights) of exp(terms).
fn log_mean_exp(terms: &[f64]) -> f64 {
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + (terms.iter().map(|t| (t - max).exp()).sum::<f64>() / terms.len() as f64).ln()
}

/// The count test's evidence at one r₀, built one interval at a time (so a simulation or a
/// long run costs one update per interval).
#[derive(Clone, Debug, PartialEq)]
pub struct CountEvidence {
    r0: f64,
    /// ln likelihood ratio of each alternative above r₀, then each below.
    log_lr: [f64; COUNT_UP.len() + COUNT_DOWN.len()],
    /// Errors seen.
    pub events: f64,
}

impl CountEvidence {
    /// No evidence yet, at `r0`.
    pub fn new(r0: f64) -> Self {
        CountEvidence { r0, log_lr: [0.0; COUNT_UP.len() + COUNT_DOWN.len()], events: 0.0 }
    }

    /// Adds one interval.
    pub fn add(&mut self, i: &Interval) {
        let t0 = theta(self.r0, i.share);
        for (l, k) in self.log_lr.iter_mut().zip(COUNT_UP.iter().chain(&COUNT_DOWN)) {
            let t1 = theta(self.r0 * k, i.share);
            if i.canary > 0.0 {
                *l += i.canary * (t1 / t0).ln();
            }
            if i.stable > 0.0 {
                *l += i.stable * ((1.0 - t1) / (1.0 - t0)).ln();
            }
        }
        self.events += i.canary + i.stable;
    }

    /// ln e-values: (regression test, no-regression test).
    pub fn log_e(&self) -> (f64, f64) {
        let (up, down) = self.log_lr.split_at(COUNT_UP.len());
        (log_mean_exp(up), log_mean_exp(down))
    }

    /// The decision so far under `s` (whose r₀ this evidence must be at).
    pub fn outcome(&self, s: &Settings) -> Outcome {
        decide(s, self.events.round().max(0.0) as u64, self.log_e())
    }
}

/// ln e-values (regression test, no-regression test) of the count test at `r0`.
fn count_log_e(steps: &[Interval], r0: f64) -> (f64, f64) {
    let mut e = CountEvidence::new(r0);
    steps.iter().for_each(|i| e.add(i));
    e.log_e()
}

fn count_log_likelihood(steps: &[Interval], ln_r: f64) -> f64 {
    let r = ln_r.exp();
    steps
        .iter()
        .map(|i| {
            let t = theta(r, i.share);
            let a = if i.canary > 0.0 { i.canary * t.ln() } else { 0.0 };
            let b = if i.stable > 0.0 { i.stable * (1.0 - t).ln() } else { 0.0 };
            a + b
        })
        .sum()
}

/// Candidate ratios for the interval: log-spaced from 1e-3 to 1e3 (15% apart) and r₀.
fn grid(r0: f64) -> Vec<f64> {
    let mut g: Vec<f64> = (0..=99).map(|i| 1e-3 * 1.15f64.powi(i)).filter(|r| *r <= 1e3).collect();
    g.push(r0);
    g.sort_by(f64::total_cmp);
    g
}

fn decide(s: &Settings, samples: u64, log_e: (f64, f64)) -> Outcome {
    let bar = (1.0 / s.alpha).ln();
    if samples < s.min_samples {
        Outcome::Undecided
    } else if log_e.0 >= bar {
        Outcome::Regression
    } else if log_e.1 >= bar {
        Outcome::NoRegression
    } else {
        Outcome::Undecided
    }
}

/// The count test over the intervals so far.
pub fn count_test(s: &Settings, steps: &[Interval]) -> Decision {
    let (c, st): (f64, f64) = steps.iter().fold((0.0, 0.0), |(a, b), i| (a + i.canary, b + i.stable));
    let samples = (c + st).round().max(0.0) as u64;
    let log_e = count_log_e(steps, s.max_ratio);
    let candidates = grid(s.max_ratio);
    let (lo, hi) = not_rejected(s, &candidates, |r| count_log_e(steps, r));
    // The ends of the grid stand for 0 and infinity: nothing beyond them was excluded.
    let (bottom, top) =
        (candidates.first().copied().unwrap_or(0.0), candidates.last().copied().unwrap_or(0.0));
    let interval = (if lo <= bottom { 0.0 } else { lo }, if hi >= top { f64::INFINITY } else { hi });
    let estimate = if steps.is_empty() || c + st == 0.0 {
        f64::NAN
    } else if c == 0.0 {
        0.0
    } else if st == 0.0 {
        f64::INFINITY
    } else {
        // The log-likelihood is concave in ln r (a logistic model): golden-section search.
        let (mut a, mut b) = (-12.0f64, 12.0f64);
        let g = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..80 {
            let (x1, x2) = (b - g * (b - a), a + g * (b - a));
            if count_log_likelihood(steps, x1) < count_log_likelihood(steps, x2) {
                a = x1;
            } else {
                b = x2;
            }
        }
        ((a + b) / 2.0).exp()
    };
    Decision::new(s, samples, log_e, estimate, interval)
}

/// ln e-values of a coin test against ½ with `worse` heads and `better` tails.
fn coin_log_e(worse: f64, better: f64) -> (f64, f64) {
    let side = |ps: &[f64]| {
        let terms: Vec<f64> =
            ps.iter().map(|p| worse * (2.0 * p).ln() + better * (2.0 * (1.0 - p)).ln()).collect();
        log_mean_exp(&terms)
    };
    (side(&COIN_UP), side(&COIN_DOWN))
}

/// Each pair's ratio, oriented so that larger is worse (pairs that are not two numbers at or
/// above 0, or are both 0, are left out).
fn oriented_ratios(s: &Settings, pairs: &[(f64, f64)]) -> Vec<f64> {
    pairs
        .iter()
        .filter(|(x, y)| {
            x.is_finite() && y.is_finite() && *x >= 0.0 && *y >= 0.0 && !(*x == 0.0 && *y == 0.0)
        })
        .map(|&(x, y)| match s.direction {
            Direction::Decrease => {
                if x == 0.0 {
                    f64::INFINITY
                } else {
                    y / x
                }
            }
            _ => {
                if y == 0.0 {
                    f64::INFINITY
                } else {
                    x / y
                }
            }
        })
        .collect()
}

/// The continuous test's decision alone (no interval): linear in the pairs.
pub fn continuous_outcome(s: &Settings, pairs: &[(f64, f64)]) -> Outcome {
    let ratios = oriented_ratios(s, pairs);
    let worse = ratios.iter().filter(|q| **q > s.max_ratio).count() as f64;
    let better = ratios.iter().filter(|q| **q < s.max_ratio).count() as f64;
    decide(s, (worse + better) as u64, coin_log_e(worse, better))
}

/// The continuous test over (canary, baseline) pairs.
pub fn continuous_test(s: &Settings, pairs: &[(f64, f64)]) -> Decision {
    let ratios = oriented_ratios(s, pairs);
    let count = |r: f64| {
        let worse = ratios.iter().filter(|q| **q > r).count() as f64;
        let better = ratios.iter().filter(|q| **q < r).count() as f64;
        (worse, better)
    };
    let (w, b) = count(s.max_ratio);
    let log_e = coin_log_e(w, b);
    let samples = (w + b) as u64;
    let mut candidates: Vec<f64> = ratios.iter().copied().filter(|q| q.is_finite()).collect();
    candidates.extend(grid(s.max_ratio));
    candidates.sort_by(f64::total_cmp);
    let interval = not_rejected(s, &candidates, |r| {
        let (worse, better) = count(r);
        coin_log_e(worse, better)
    });
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let estimate = match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    };
    Decision::new(s, samples, log_e, estimate, interval)
}

#[cfg(test)]
mod tests;
