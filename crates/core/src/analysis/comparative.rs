//! The judges that weigh the canary against its baseline: `compare` (Mann-Whitney, Kayenta's
//! rules) on each measurement's two series, and `sequential` on the whole sequence so far,
//! rebuilt from the measurements recorded in status (so a restarted controller, or
//! `ramp analysis replay`, reaches the same verdict from the same record).

use super::{compare, sequential, threshold::Judged, value::Sample};
use crate::api::analysis::{MeasurementPhase, Metric, MetricResult, SequentialKind};

/// Judges a measurement of a comparing metric, given the ones before it.
pub fn judge(
    metric: &Metric,
    before: &MetricResult,
    value: &Sample,
    baseline: Option<&Sample>,
    share: Option<f64>,
) -> Judged {
    let Some(baseline) = baseline else {
        return Judged::plain(MeasurementPhase::Error, "no baseline: set the provider's baseline query", 0);
    };
    if let Some(c) = &metric.judge.compare {
        return match compare::Settings::of(c) {
            Ok(s) => judge_compare(&s, value, baseline),
            Err(e) => Judged::plain(MeasurementPhase::Error, format!("compare judge: {e}"), 0),
        };
    }
    if let Some(q) = &metric.judge.sequential {
        return match sequential::Settings::of(q) {
            Ok(s) => judge_sequential(&s, before, value, baseline, share),
            Err(e) => Judged::plain(MeasurementPhase::Error, format!("sequential judge: {e}"), 0),
        };
    }
    Judged::plain(MeasurementPhase::Error, "the metric has no judge", 0)
}

/// A number as evidence text (`+Inf`, `NaN` as the recorded values write them).
pub fn num(x: f64) -> String {
    Sample::Number(if x.is_finite() { (x * 1e4).round() / 1e4 } else { x }).to_string()
}

fn judge_compare(s: &compare::Settings, value: &Sample, baseline: &Sample) -> Judged {
    let c = compare::classify(s, value.values(), baseline.values());
    let phase = match c.class {
        compare::Class::Pass => MeasurementPhase::Successful,
        compare::Class::High | compare::Class::Low | compare::Class::NodataFail => MeasurementPhase::Failed,
        compare::Class::Nodata => MeasurementPhase::Inconclusive,
        compare::Class::Error => MeasurementPhase::Error,
    };
    Judged {
        phase,
        message: format!("{}: {}", c.class.as_str(), c.reason),
        estimate: c.shift.map(|x| num(x.estimate)),
        interval: c.shift.map(|x| format!("[{}, {}]", num(x.low), num(x.high))),
        samples: i64::try_from(c.points.0 + c.points.1).unwrap_or(i64::MAX),
        class: Some(c.class),
        critical: c.critical,
    }
}

/// A recorded side of a count metric: `[events, requests]` or just `events`.
fn side(s: &Sample) -> (f64, f64) {
    match s.values() {
        [events, requests, ..] => (*events, *requests),
        [events] => (*events, f64::NAN),
        [] => (f64::NAN, f64::NAN),
    }
}

fn reading(value: &Sample, baseline: &Sample, share: Option<f64>) -> sequential::Reading {
    let ((ce, cr), (se, sr)) = (side(value), side(baseline));
    sequential::Reading {
        canary_events: ce,
        canary_requests: cr,
        stable_events: se,
        stable_requests: sr,
        share,
    }
}

/// The measurements before that carried data (the sequence the test is run on).
fn recorded(before: &MetricResult) -> impl Iterator<Item = (Sample, Sample, Option<f64>)> + '_ {
    before
        .measurements
        .iter()
        .filter(|m| {
            matches!(
                m.phase,
                MeasurementPhase::Undecided | MeasurementPhase::Successful | MeasurementPhase::Failed
            )
        })
        .filter_map(|m| {
            let v = Sample::parse(&m.value).ok()?;
            let b = Sample::parse(m.baseline.as_deref()?).ok()?;
            Some((v, b, m.share.as_deref().and_then(|x| x.parse().ok())))
        })
}

fn judge_sequential(
    s: &sequential::Settings,
    before: &MetricResult,
    value: &Sample,
    baseline: &Sample,
    share: Option<f64>,
) -> Judged {
    let (d, what) = match s.kind {
        SequentialKind::Count => {
            let mut readings: Vec<_> = recorded(before).map(|(v, b, sh)| reading(&v, &b, sh)).collect();
            readings.push(reading(value, baseline, share));
            (sequential::count_test(s, &sequential::intervals(&readings)), "error ratio canary/stable")
        }
        SequentialKind::Continuous => {
            let single = |x: &Sample| match x.values() {
                [v] => Some(*v),
                _ => None,
            };
            let (Some(x), Some(y)) = (single(value), single(baseline)) else {
                return Judged::plain(
                    MeasurementPhase::Error,
                    format!(
                        "a continuous sequential metric needs one value per side, got {value} and {baseline}"
                    ),
                    0,
                );
            };
            let mut pairs: Vec<(f64, f64)> =
                recorded(before).filter_map(|(v, b, _)| Some((single(&v)?, single(&b)?))).collect();
            pairs.push((x, y));
            (sequential::continuous_test(s, &pairs), "median ratio canary/baseline")
        }
    };
    let unit = if s.kind == SequentialKind::Count { "errors" } else { "pairs" };
    let evidence = format!(
        "{what} {} in [{}, {}] ({} {unit}; e-values {} for a regression, {} against, decisive at {})",
        num(d.estimate),
        num(d.interval.0),
        num(d.interval.1),
        d.samples,
        num(d.e_regression),
        num(d.e_no_regression),
        num(1.0 / s.alpha),
    );
    let (phase, message) = match d.outcome {
        sequential::Outcome::Regression => {
            (MeasurementPhase::Failed, format!("regression beyond maxRatio {}: {evidence}", num(s.max_ratio)))
        }
        sequential::Outcome::NoRegression => (
            MeasurementPhase::Successful,
            format!("no regression beyond maxRatio {}: {evidence}", num(s.max_ratio)),
        ),
        sequential::Outcome::Undecided if d.samples < s.min_samples => (
            MeasurementPhase::Undecided,
            format!("{} of minSamples {} {unit}: {evidence}", d.samples, s.min_samples),
        ),
        sequential::Outcome::Undecided => {
            (MeasurementPhase::Undecided, format!("not decisive yet: {evidence}"))
        }
    };
    Judged {
        phase,
        message,
        estimate: Some(num(d.estimate)),
        interval: Some(format!("[{}, {}]", num(d.interval.0), num(d.interval.1))),
        samples: i64::try_from(d.samples).unwrap_or(i64::MAX),
        class: None,
        critical: false,
    }
}
