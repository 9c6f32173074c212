//! The sequential judge's guarantees, measured by simulation with a fixed seed: the
//! false-alarm rate over many canaries that are no regression stays at or under α (at the
//! worst case, a canary exactly at `maxRatio`, as well as a healthy one), a canary with twice
//! the stable error rate is caught, and the reported interval covers the truth.

use super::*;

/// splitmix64: a small, seeded generator (the core crate takes no random-number crate).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Poisson(λ) by inversion (λ here is at most a few dozen).
    fn poisson(&mut self, lambda: f64) -> f64 {
        let (mut k, mut p, mut cdf) = (0.0, (-lambda).exp(), 0.0);
        let u = self.uniform();
        loop {
            cdf += p;
            if u <= cdf || k > 1000.0 {
                return k;
            }
            k += 1.0;
            p *= lambda / k;
        }
    }

    /// A standard normal draw (Box-Muller).
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn count_settings() -> Settings {
    Settings::of(&SequentialJudge::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// One interval of `requests` requests split at `share`, with per-request error rates.
fn interval(rng: &mut Rng, requests: f64, share: f64, canary_rate: f64, stable_rate: f64) -> Interval {
    Interval {
        canary: rng.poisson(requests * share * canary_rate),
        stable: rng.poisson(requests * (1.0 - share) * stable_rate),
        share,
    }
}

/// The weights a canary goes through, 20 intervals each, then it stays at 50%.
fn share_at(t: usize) -> f64 {
    [0.05, 0.1, 0.2, 0.5][(t / 20).min(3)]
}

/// Runs `runs` canaries of `intervals` intervals; returns the interval of each abort (None
/// for a canary never aborted).
fn simulate(seed: u64, runs: usize, intervals: usize, ratio: f64) -> Vec<Option<usize>> {
    let s = count_settings();
    let mut rng = Rng(seed);
    (0..runs)
        .map(|_| {
            let mut e = CountEvidence::new(s.max_ratio);
            (0..intervals).find(|&t| {
                e.add(&interval(&mut rng, 1000.0, share_at(t), 0.01 * ratio, 0.01));
                e.outcome(&s) == Outcome::Regression
            })
        })
        .collect()
}

#[test]
fn defaults_and_refusals() {
    let s = count_settings();
    assert_eq!((s.max_ratio, s.alpha, s.min_samples), (1.2, 0.05, 10));
    let c = Settings::of(&SequentialJudge {
        kind: Some(SequentialKind::Continuous),
        ..SequentialJudge::default()
    });
    assert_eq!(c.map(|c| (c.max_ratio, c.min_samples)), Ok((1.1, 5)));
    for bad in [
        SequentialJudge { alpha: Some("0.7".into()), ..SequentialJudge::default() },
        SequentialJudge { max_ratio: Some("0".into()), ..SequentialJudge::default() },
        SequentialJudge { direction: Some(Direction::Either), ..SequentialJudge::default() },
    ] {
        assert!(Settings::of(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn intervals_come_from_counter_differences() {
    let r = |ce: f64, cr: f64, se: f64, sr: f64| Reading {
        canary_events: ce,
        canary_requests: cr,
        stable_events: se,
        stable_requests: sr,
        share: Some(0.3),
    };
    let got = intervals(&[
        r(0.0, 0.0, 0.0, 0.0),
        r(2.0, 100.0, 3.0, 300.0),
        r(1.0, 150.0, 4.0, 400.0),
        r(3.0, 250.0, 6.0, 500.0),
    ]);
    // The second interval is a counter reset (canary errors went down): left out.
    assert_eq!(
        got,
        vec![
            Interval { canary: 2.0, stable: 3.0, share: 0.25 },
            Interval { canary: 2.0, stable: 2.0, share: 0.5 }
        ]
    );
    // Requests unknown: the share is the weight applied.
    let w = |e: f64| Reading { canary_requests: f64::NAN, stable_requests: f64::NAN, ..r(e, 0.0, e, 0.0) };
    assert_eq!(intervals(&[w(0.0), w(1.0)]), vec![Interval { canary: 1.0, stable: 1.0, share: 0.3 }]);
    // No canary traffic: nothing to learn.
    assert!(intervals(&[r(0.0, 0.0, 0.0, 0.0), r(0.0, 0.0, 5.0, 100.0)]).is_empty());
}

#[test]
fn a_canary_failing_a_fifth_of_its_requests_is_aborted_within_a_few_intervals() {
    let s = count_settings();
    // 200 requests a second for 2 s, a fifth to the canary, 20% of those fail; stable is clean.
    let step = Interval { canary: 16.0, stable: 0.0, share: 0.2 };
    let steps: Vec<Interval> = std::iter::repeat_n(step, 2).collect();
    let d = count_test(&s, &steps[..1]);
    assert_eq!(d.outcome, Outcome::Regression, "{d:?}");
    assert_eq!(d.estimate, f64::INFINITY);
    assert!(d.interval.0 > 1.2, "{d:?}");
    let few = count_test(&s, &[Interval { canary: 5.0, stable: 0.0, share: 0.2 }]);
    assert_eq!(few.outcome, Outcome::Undecided, "below minSamples (10 events): {few:?}");
}

#[test]
fn a_clearly_better_canary_passes_early() {
    let s = count_settings();
    let mut rng = Rng(7);
    let steps: Vec<Interval> =
        (0..200).map(|t| interval(&mut rng, 1000.0, share_at(t), 0.002, 0.01)).collect();
    let d = count_test(&s, &steps);
    assert_eq!(d.outcome, Outcome::NoRegression, "{d:?}");
    assert!(d.interval.0 <= 0.2 && 0.2 <= d.interval.1, "covers the true 0.2: {d:?}");
}

#[test]
fn false_alarms_stay_at_or_under_alpha() {
    let runs = 1000;
    for (ratio, seed) in [(1.0, 11), (1.2, 12)] {
        let aborted = simulate(seed, runs, 300, ratio).iter().filter(|a| a.is_some()).count();
        let rate = aborted as f64 / runs as f64;
        eprintln!(
            "sequential count judge, ratio {ratio}: {aborted} of {runs} canaries aborted ({rate:.3}; α 0.05)"
        );
        assert!(rate <= 0.05, "false-alarm rate {rate} at ratio {ratio}");
    }
}

#[test]
fn twice_the_stable_error_rate_is_detected() {
    let runs = 500;
    let mut at: Vec<usize> = simulate(21, runs, 300, 2.0).into_iter().flatten().collect();
    at.sort_unstable();
    let detected = at.len() as f64 / runs as f64;
    let median = at.get(at.len() / 2).copied().unwrap_or(usize::MAX);
    eprintln!(
        "sequential count judge, 2× stable's error rate (1%, 1000 requests per interval): {:.1}% detected, \
         median {median} intervals, p90 {} intervals",
        detected * 100.0,
        at.get(at.len() * 9 / 10).copied().unwrap_or(usize::MAX)
    );
    assert!(detected >= 0.99, "detected {detected}");
    assert!(median <= 60, "median detection {median} intervals");
}

#[test]
fn the_count_interval_covers_the_true_ratio() {
    let s = count_settings();
    let mut rng = Rng(31);
    let runs = 200;
    let covered = (0..runs)
        .filter(|_| {
            let steps: Vec<Interval> =
                (0..40).map(|t| interval(&mut rng, 1000.0, share_at(t), 0.015, 0.01)).collect();
            let d = count_test(&s, &steps);
            d.interval.0 <= 1.5 && 1.5 <= d.interval.1
        })
        .count();
    // Each side of the interval errs with probability at most α.
    assert!(covered as f64 / runs as f64 >= 0.9, "{covered} of {runs}");
}

fn continuous_settings() -> Settings {
    Settings::of(&SequentialJudge { kind: Some(SequentialKind::Continuous), ..SequentialJudge::default() })
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Pairs of p99 latencies with noise: the canary's median is `ratio` times the baseline's.
fn latency_pairs(rng: &mut Rng, n: usize, ratio: f64) -> Vec<(f64, f64)> {
    (0..n).map(|_| (0.1 * ratio * (0.2 * rng.normal()).exp(), 0.1 * (0.2 * rng.normal()).exp())).collect()
}

#[test]
fn continuous_false_alarms_stay_at_or_under_alpha_and_slow_canaries_are_caught() {
    let s = continuous_settings();
    let mut rng = Rng(41);
    let runs = 1000;
    let first_abort = |rng: &mut Rng, ratio: f64| {
        let pairs = latency_pairs(rng, 100, ratio);
        (1..=pairs.len()).find(|&n| continuous_outcome(&s, &pairs[..n]) == Outcome::Regression)
    };
    // Exactly at maxRatio: the worst case for false alarms.
    let alarms = (0..runs).filter(|_| first_abort(&mut rng, 1.1).is_some()).count();
    eprintln!("sequential continuous judge at maxRatio: {alarms} of {runs} aborted (α 0.05)");
    assert!(alarms as f64 / runs as f64 <= 0.05);
    let slow: Vec<usize> = (0..200).filter_map(|_| first_abort(&mut rng, 2.0)).collect();
    assert_eq!(slow.len(), 200, "every 2× slower canary is caught");
    assert!(slow.iter().all(|&n| n <= 12), "within 12 measurements: {slow:?}");
    let fast = latency_pairs(&mut rng, 40, 0.8);
    let d = continuous_test(&s, &fast);
    assert_eq!(d.outcome, Outcome::NoRegression, "{d:?}");
    assert!(d.interval.0 <= 0.8 && 0.8 <= d.interval.1 && d.interval.1 < 1.1, "{d:?}");
}

#[test]
fn decrease_means_lower_is_worse() {
    let s = Settings::of(&SequentialJudge {
        kind: Some(SequentialKind::Continuous),
        direction: Some(Direction::Decrease),
        ..SequentialJudge::default()
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let mut rng = Rng(51);
    let halved = latency_pairs(&mut rng, 12, 0.5);
    assert_eq!(continuous_test(&s, &halved).outcome, Outcome::Regression);
}
