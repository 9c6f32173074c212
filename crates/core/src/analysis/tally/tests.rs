//! Verdict rules: limits, no-data policies, minSamples, dry runs, an ended analysis, the
//! schedule, sequential metrics, critical metrics and Kayenta's score — measurements in,
//! phases out, through the same `measure` → `record` → `decide` path the runner takes.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::*;
use crate::{
    analysis::{measure::Answer, measure::measure, value::Sample},
    api::{
        DurationString,
        analysis::{
            AnalysisRunSpec, CompareJudge, CompareScore, Judge, MetricProvider, NoDataPolicy,
            SequentialJudge, ThresholdJudge,
        },
    },
};

fn threshold_metric(name: &str) -> Metric {
    Metric {
        name: name.into(),
        provider: MetricProvider::default(),
        judge: Judge {
            threshold: Some(ThresholdJudge {
                success_condition: Some("result >= 0.95".into()),
                failure_condition: None,
            }),
            ..Judge::default()
        },
        ..Metric::default()
    }
}

fn at(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn value(x: f64) -> Answer {
    Answer::Values {
        value: Sample::Number(x),
        baseline: None,
        share: None,
        query: "q".into(),
        window: "w".into(),
    }
}

fn error() -> Answer {
    Answer::Error { message: "connection refused".into(), query: "q".into() }
}

fn two(canary: Vec<f64>, baseline: Vec<f64>) -> Answer {
    Answer::Values {
        value: Sample::Vector(canary),
        baseline: Some(Sample::Vector(baseline)),
        share: None,
        query: "q".into(),
        window: "w".into(),
    }
}

/// Feeds `answers` one per second and returns the metric's phase after each.
fn phases(metric: &Metric, answers: Vec<Answer>) -> Vec<AnalysisPhase> {
    let mut r = MetricResult { name: metric.name.clone(), ..MetricResult::default() };
    answers
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let m = measure(metric, &r, a, at(i64::try_from(i).unwrap_or(0)));
            record(metric, &mut r, m);
            metric_phase(metric, &r, false, false).0
        })
        .collect()
}

use AnalysisPhase::{Error as Err_, Failed, Inconclusive, Running, Successful};

#[test]
fn failure_limit_tolerates_that_many_failures() {
    let mut m = threshold_metric("rate");
    m.count = Some(5);
    m.failure_limit = Some(1);
    assert_eq!(phases(&m, vec![value(0.9), value(0.99), value(0.9)]), [Running, Running, Failed]);
    m.failure_limit = None;
    assert_eq!(phases(&m, vec![value(0.9)]), [Failed], "default failureLimit 0");
}

#[test]
fn consecutive_errors_end_the_metric_and_a_measurement_resets_them() {
    let mut m = threshold_metric("rate");
    m.count = Some(10);
    m.consecutive_error_limit = Some(2);
    assert_eq!(
        phases(&m, vec![error(), error(), value(0.99), error(), error(), error()]),
        [Running, Running, Running, Running, Running, Err_]
    );
    m.consecutive_error_limit = None;
    assert_eq!(
        phases(&m, (0..5).map(|_| error()).collect()).last(),
        Some(&Err_),
        "default limit 4: the 5th ends it"
    );
}

#[test]
fn inconclusive_limit_and_both_conditions() {
    let mut m = threshold_metric("rate");
    m.judge.threshold = Some(ThresholdJudge {
        success_condition: Some("result >= 0.95".into()),
        failure_condition: Some("result < 0.8".into()),
    });
    m.count = Some(3);
    m.inconclusive_limit = Some(1);
    assert_eq!(phases(&m, vec![value(0.9), value(0.99), value(0.85)]), [Running, Running, Inconclusive]);
}

#[test]
fn no_data_follows_the_policy_and_never_passes_by_default() {
    let no_data = || Answer::Values {
        value: Sample::Vector(Vec::new()),
        baseline: None,
        share: None,
        query: "q".into(),
        window: "w".into(),
    };
    let nan = || value(f64::NAN);
    let mut m = threshold_metric("rate");
    m.count = Some(2);
    assert_eq!(phases(&m, vec![no_data()]), [Inconclusive], "default: inconclusive");
    assert_eq!(phases(&m, vec![nan()]), [Inconclusive], "NaN is no data, not an error");
    m.no_data = Some(NoDataPolicy::Fail);
    assert_eq!(phases(&m, vec![no_data()]), [Failed]);
    m.no_data = Some(NoDataPolicy::Pass);
    assert_eq!(phases(&m, vec![no_data(), no_data()]), [Running, Successful]);
    m.no_data = Some(NoDataPolicy::Wait);
    // Not counted: two empty answers still leave both measurements to take.
    assert_eq!(
        phases(&m, vec![no_data(), no_data(), value(0.99), value(0.99)]),
        [Running, Running, Running, Successful]
    );
}

#[test]
fn min_samples_needs_that_many_successes() {
    let mut m = threshold_metric("rate");
    m.count = Some(3);
    m.min_samples = Some(3);
    m.no_data = Some(NoDataPolicy::Pass);
    m.failure_limit = Some(1);
    assert_eq!(phases(&m, vec![value(0.99), value(0.5), value(0.99)]), [Running, Running, Inconclusive]);
}

#[test]
fn an_ended_analysis_passes_what_has_not_failed() {
    let m = threshold_metric("rate");
    let r = MetricResult::default();
    assert_eq!(metric_phase(&m, &r, true, false).0, Successful);
    let mut m = m;
    m.interval = Some(DurationString::new("10s"));
    let mut r = MetricResult::default();
    let x = measure(&m, &r, value(0.99), at(0));
    record(&m, &mut r, x);
    assert_eq!(
        metric_phase(&m, &r, false, false).0,
        Running,
        "interval without count: until the analysis ends"
    );
    assert_eq!(metric_phase(&m, &r, true, false).0, Successful);
}

#[test]
fn the_schedule_follows_initial_delay_then_interval() {
    let mut m = threshold_metric("rate");
    m.interval = Some(DurationString::new("30s"));
    m.initial_delay = Some(DurationString::new("1m"));
    let mut r = MetricResult::default();
    assert_eq!(next_due(&m, &r, Running, at(0)), Some(at(60)));
    let x = measure(&m, &r, value(0.99), at(61));
    record(&m, &mut r, x);
    assert_eq!(next_due(&m, &r, Running, at(0)), Some(at(91)));
    assert_eq!(next_due(&m, &r, Successful, at(0)), None);
}

fn spec(metrics: Vec<Metric>) -> AnalysisRunSpec {
    AnalysisRunSpec {
        rollout: "web".into(),
        revision: "h".into(),
        point: "step-1".into(),
        metrics,
        ..Default::default()
    }
}

fn run_of(
    spec: &AnalysisRunSpec,
    answers: Vec<Vec<Answer>>,
    ended: bool,
) -> (AnalysisPhase, String, Option<f64>) {
    let mut results: Vec<MetricResult> = spec.metrics.iter().map(|_| MetricResult::default()).collect();
    for (i, per_metric) in answers.into_iter().enumerate() {
        for (k, a) in per_metric.into_iter().enumerate() {
            let m = &spec.metrics[i];
            let x = measure(m, &results[i], a, at(i64::try_from(k).unwrap_or(0)));
            record(m, &mut results[i], x);
        }
    }
    decide(spec, &mut results, ended)
}

#[test]
fn dry_run_metrics_are_recorded_never_acted_on() {
    let mut shadow = threshold_metric("shadow");
    shadow.dry_run = true;
    let s = spec(vec![threshold_metric("rate"), shadow]);
    let (phase, why, _) = run_of(&s, vec![vec![value(0.99)], vec![value(0.1)]], false);
    assert_eq!(phase, Successful);
    assert!(why.contains("dry run, not acted on: shadow: 1 failed measurement(s)"), "{why}");
    let mut all = spec(vec![threshold_metric("rate")]);
    all.dry_run = true;
    assert_eq!(run_of(&all, vec![vec![value(0.1)]], false).0, Successful, "a dry-run analysis never fails");
}

#[test]
fn the_first_failed_metric_decides_the_run() {
    let s = spec(vec![threshold_metric("a"), threshold_metric("b")]);
    let (phase, why, _) = run_of(&s, vec![vec![value(0.99)], vec![value(0.5)]], false);
    assert_eq!(phase, Failed);
    assert!(why.starts_with("b: 1 failed measurement(s), failureLimit 0: 0.5 does not meet"), "{why}");
}

fn sequential_metric() -> Metric {
    Metric {
        name: "errors".into(),
        interval: Some(DurationString::new("10s")),
        judge: Judge { sequential: Some(SequentialJudge::default()), ..Judge::default() },
        ..Metric::default()
    }
}

fn counts(canary: (f64, f64), stable: (f64, f64)) -> Answer {
    two(vec![canary.0, canary.1], vec![stable.0, stable.1])
}

#[test]
fn a_sequential_metric_decides_at_the_first_decisive_measurement() {
    let m = sequential_metric();
    // Canary: 10 of 100 requests fail per interval; stable: 0 of 400. The first reading only
    // sets the counters' start; the first interval's 10 failures, all the canary's while it
    // serves a fifth of the requests, are decisive.
    let bad: Vec<Answer> =
        (0..4).map(|i| counts((10.0 * i as f64, 100.0 * i as f64), (0.0, 400.0 * i as f64))).collect();
    assert_eq!(phases(&m, bad), [Running, Failed, Failed, Failed]);
    // Both at 1%, the canary at a tenth of the traffic: undecided, then it passes at the end.
    let fine: Vec<Answer> = (0..3)
        .map(|i| counts((1.0 * i as f64, 100.0 * i as f64), (9.0 * i as f64, 900.0 * i as f64)))
        .collect();
    let mut r = MetricResult::default();
    for (k, a) in fine.into_iter().enumerate() {
        let x = measure(&m, &r, a, at(i64::try_from(k).unwrap_or(0)));
        assert_eq!(x.phase, MeasurementPhase::Undecided, "{}", x.message);
        record(&m, &mut r, x);
    }
    assert_eq!(metric_phase(&m, &r, false, false).0, Running);
    let (phase, why) = metric_phase(&m, &r, true, false);
    assert_eq!(phase, Successful);
    assert!(why.contains("no evidence of a regression"), "{why}");
}

#[test]
fn sequential_records_stay_bounded() {
    let m = sequential_metric();
    let mut r = MetricResult::default();
    for i in 0..(MAX_SEQUENTIAL_MEASUREMENTS + 5) {
        let n = i as f64;
        let x = measure(&m, &MetricResult::default(), counts((0.0, 10.0 * n), (0.0, 90.0 * n)), at(0));
        record(&m, &mut r, x);
    }
    assert_eq!(r.measurements.len(), MAX_SEQUENTIAL_MEASUREMENTS);
    assert_eq!(r.count, i32::try_from(MAX_SEQUENTIAL_MEASUREMENTS + 5).unwrap_or(0));
    let worded = r.measurements.iter().filter(|x| !x.message.is_empty()).count();
    assert_eq!(worded, MAX_MEASUREMENTS, "words and queries only for the latest few");
    assert!(r.measurements.iter().all(|x| !x.value.is_empty()), "every value is kept for the test");
}

fn compare_metric(name: &str, critical: bool, groups: &[&str]) -> Metric {
    Metric {
        name: name.into(),
        count: Some(2),
        judge: Judge {
            compare: Some(CompareJudge {
                critical,
                groups: groups.iter().map(|g| (*g).to_string()).collect(),
                ..CompareJudge::default()
            }),
            ..Judge::default()
        },
        ..Metric::default()
    }
}

fn same() -> Answer {
    two((0..20).map(f64::from).collect(), (0..20).map(f64::from).collect())
}

fn higher() -> Answer {
    two((0..20).map(|x| f64::from(x) + 50.0).collect(), (0..20).map(f64::from).collect())
}

#[test]
fn a_critical_metric_fails_at_once_whatever_its_limit() {
    let mut m = compare_metric("p99", true, &[]);
    m.failure_limit = Some(5);
    assert_eq!(phases(&m, vec![higher()]), [Failed]);
    let mut lenient = compare_metric("p99", false, &[]);
    lenient.failure_limit = Some(5);
    assert_eq!(phases(&lenient, vec![higher()]), [Running]);
}

#[test]
fn a_scored_analysis_decides_by_the_kayenta_score() {
    let mut s =
        spec(vec![compare_metric("p50", false, &["latency"]), compare_metric("5xx", false, &["errors"])]);
    s.score = Some(CompareScore {
        pass: 90,
        marginal: 40,
        group_weights: BTreeMap::from([("latency".into(), 50), ("errors".into(), 50)]),
    });
    // One of two groups fails: 50, above marginal — the run goes on, then ends marginal.
    let (phase, why, score) = run_of(&s, vec![vec![higher()], vec![same()]], false);
    assert_eq!((phase, score), (Running, Some(50.0)), "{why}");
    let (phase, why, _) = run_of(&s, vec![vec![higher(), higher()], vec![same(), same()]], false);
    assert_eq!(phase, Inconclusive);
    assert!(why.starts_with("score 50 between marginal 40 and pass 90"), "{why}");
    // Both fail: 0, at or below marginal — it fails at once.
    let (phase, why, _) = run_of(&s, vec![vec![higher()], vec![higher()]], false);
    assert_eq!(phase, Failed);
    assert!(why.starts_with("score 0 at or below marginal 40"), "{why}");
    let (phase, _, score) = run_of(&s, vec![vec![same(), same()], vec![same(), same()]], false);
    assert_eq!((phase, score), (Successful, Some(100.0)));
}
