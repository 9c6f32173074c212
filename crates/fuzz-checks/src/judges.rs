//! `judges`: the threshold, compare and sequential judges over arbitrary series (NaN,
//! infinities, huge, tiny, negative, empty), through the runner's own path: each measurement
//! judged by `measure`, recorded by `tally::record`, and the run decided by `tally::decide`.
//!
//! Input: four setting bytes (judge and flags; a number for the judge's settings; minSamples
//! and the limits; values per side), then values, one byte each for the common cases (see
//! [`Values`]) or eight raw bytes.
//!
//! Checks: no panic; a measurement that passes or fails carries a reason and, when the judge
//! estimates, an estimate that is a number (never NaN); the run's verdict has a reason and
//! its score, when scored, is a number.

use std::collections::BTreeMap;

use jiff::Timestamp;
use ramp::{
    analysis::{
        measure::{Answer, measure},
        tally,
        value::Sample,
    },
    api::analysis::{
        AnalysisRunSpec, CompareJudge, CompareScore, Direction, EffectMeasure, EffectSize, Judge,
        MeasurementPhase, Metric, MetricResult, NanStrategy, NoDataPolicy, SequentialJudge, SequentialKind,
        ThresholdJudge,
    },
};

/// Measurements per input: past the sequential judge's window of kept measurements.
const MAX_MEASUREMENTS: usize = 80;

/// Setting values, picked by a byte: defaults, edges and nonsense.
const NUMBERS: [&str; 16] = [
    "0.98", "0.5", "0.95", "1.2", "1.1", "0.05", "0", "1", "-1", "NaN", "inf", "1e308", "0.4999", "3",
    "1e-300", "x",
];

/// Conditions for the threshold judge.
const CONDITIONS: [&str; 8] = [
    "result > 0.5",
    "all(result >= 0.95)",
    "any(result < 0.9)",
    "len(result) > 2 and max(result) < 100",
    "min(result) / result[0] <= 1",
    "not (result == result)",
    "result[3] > 0",
    "-result < 1e308 * 10",
];

/// Values read from bytes: `0..=199` is the byte itself (counts), 200.. are edges, 255 is
/// the next eight bytes as an f64 (any bit pattern).
struct Values<'a>(&'a [u8]);

impl Iterator for Values<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        let (&tag, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(match tag {
            0..=199 => f64::from(tag),
            200 => f64::NAN,
            201 => f64::INFINITY,
            202 => f64::NEG_INFINITY,
            203 => -0.0,
            204 => f64::MAX,
            205 => f64::MIN_POSITIVE,
            206 => -1.0,
            207 => 0.5,
            208 => 1e-300,
            209 => -f64::MAX,
            255 => {
                let (raw, rest) = self.0.split_at_checked(8).unwrap_or((self.0, &[]));
                self.0 = rest;
                let mut bits = [0u8; 8];
                bits[..raw.len()].copy_from_slice(raw);
                f64::from_le_bytes(bits)
            }
            other => f64::from(other - 200) * 1000.0,
        })
    }
}

fn pick<T: Copy>(options: &[T], b: u8) -> T {
    options[usize::from(b) % options.len()]
}

fn metric(kind: u8, flags: u8, number: &str, limits: u8) -> Metric {
    let n = || Some(number.to_string());
    let direction = pick(&[Direction::Increase, Direction::Decrease, Direction::Either], flags >> 2);
    let judge = match kind % 4 {
        0 => Judge {
            compare: Some(CompareJudge {
                direction: Some(direction),
                confidence: (flags & 0x10 != 0).then(|| number.to_string()),
                nan_strategy: Some(if flags & 0x20 != 0 {
                    NanStrategy::Replace
                } else {
                    NanStrategy::Remove
                }),
                outlier_factor: (flags & 0x40 != 0).then(|| number.to_string()),
                critical: flags & 1 != 0,
                must_have_data: flags & 2 != 0,
                effect_size: (flags & 0x80 != 0).then(|| EffectSize {
                    measure: Some(if kind & 4 != 0 { EffectMeasure::Cles } else { EffectMeasure::MeanRatio }),
                    allowed_increase: n(),
                    allowed_decrease: n(),
                    critical_increase: n(),
                    critical_decrease: None,
                }),
                groups: if kind & 8 != 0 { vec!["latency".into(), "errors".into()] } else { Vec::new() },
            }),
            ..Judge::default()
        },
        1 | 2 => Judge {
            sequential: Some(SequentialJudge {
                kind: Some(if kind % 4 == 1 { SequentialKind::Count } else { SequentialKind::Continuous }),
                max_ratio: (flags & 0x10 != 0).then(|| number.to_string()),
                alpha: (flags & 0x20 != 0).then(|| pick(&NUMBERS, flags).to_string()),
                min_samples: (flags & 0x40 != 0).then_some(i32::from(limits) - 8),
                direction: Some(direction),
            }),
            ..Judge::default()
        },
        _ => Judge {
            threshold: Some(ThresholdJudge {
                success_condition: (flags & 1 != 0).then(|| pick(&CONDITIONS, flags >> 1).to_string()),
                failure_condition: (flags & 0x10 != 0).then(|| pick(&CONDITIONS, flags >> 5).to_string()),
            }),
            ..Judge::default()
        },
    };
    let limit = |shift: u8| Some(i32::from((limits >> shift) & 3) - 1);
    Metric {
        name: "fuzzed".into(),
        failure_limit: limit(0),
        inconclusive_limit: limit(2),
        consecutive_error_limit: limit(4),
        no_data: Some(pick(
            &[NoDataPolicy::Fail, NoDataPolicy::Inconclusive, NoDataPolicy::Wait, NoDataPolicy::Pass],
            limits >> 6,
        )),
        min_samples: (kind & 0x10 != 0).then_some(i32::from(limits) - 128),
        judge,
        ..Metric::default()
    }
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let Some((settings, rest)) = data.split_first_chunk::<4>() else { return };
    let [kind, flags, limits, per_side] = *settings;
    let number = pick(&NUMBERS, flags.rotate_right(4));
    let metric = metric(kind, flags, number, limits);
    let spec = AnalysisRunSpec {
        metrics: vec![metric.clone()],
        score: (kind & 0x20 != 0).then(|| CompareScore {
            pass: i32::from(limits % 101),
            marginal: i32::from(limits / 3),
            group_weights: BTreeMap::from([("latency".into(), i32::from(flags) * 1000 - 100_000)]),
        }),
        ..AnalysisRunSpec::default()
    };
    let per_side = usize::from(per_side % 9);
    let single = per_side == 0;
    let mut values = Values(rest).peekable();
    let mut result = MetricResult { name: metric.name.clone(), ..MetricResult::default() };
    let start = Timestamp::UNIX_EPOCH;
    for i in 0..MAX_MEASUREMENTS {
        if values.peek().is_none() {
            break;
        }
        let mut side = |n: usize| {
            if single {
                Sample::Number(values.next().unwrap_or(f64::NAN))
            } else {
                Sample::Vector(values.by_ref().take(n).collect())
            }
        };
        let value = side(per_side);
        let baseline = side(per_side);
        let share = values.next().map(|x| x / 200.0);
        let answer = Answer::Values {
            value,
            baseline: Some(baseline),
            share,
            query: "fuzzed".into(),
            window: "1m".into(),
        };
        let at = start.checked_add(jiff::SignedDuration::from_secs(60 * i as i64)).unwrap_or(start);
        let m = measure(&metric, &result, answer, at);
        if matches!(m.phase, MeasurementPhase::Successful | MeasurementPhase::Failed) {
            assert!(!m.message.is_empty(), "a verdict without a reason: {m:?}");
            let estimate = m.evidence.as_ref().and_then(|e| e.estimate.as_deref());
            assert!(estimate != Some("NaN"), "a verdict on a NaN estimate: {m:?}");
        }
        tally::record(&metric, &mut result, m);
        let (phase, why, score) = tally::decide(&spec, std::slice::from_mut(&mut result), false);
        assert!(!why.is_empty() || !phase.is_terminal(), "a {phase:?} run without a reason");
        if let Some(s) = score {
            assert!(!s.is_nan(), "a NaN score ({why})");
        }
    }
    let (phase, why, score) = tally::decide(&spec, std::slice::from_mut(&mut result), true);
    assert!(!why.is_empty() || !phase.is_terminal(), "a {phase:?} run without a reason");
    assert!(score.is_none_or(|s| !s.is_nan()), "a NaN score ({why})");
}
