//! Re-judging a recorded AnalysisRun offline (`ramp analysis replay`): each measurement's
//! recorded answer — its values, or its error — goes through the same `measure` → `record` →
//! `decide` path the runner takes, with the run's metrics or with others (to ask "would this
//! judge have caught it?"). Pure: the same record gives the same verdict.

use super::{
    measure::{Answer, measure},
    tally,
    value::Sample,
};
use crate::api::analysis::{
    AnalysisPhase, AnalysisRunSpec, AnalysisRunStatus, Measurement, MeasurementPhase, MetricResult,
};

/// A replayed run.
#[derive(Clone, Debug, PartialEq)]
pub struct Replayed {
    /// Each metric's measurements as judged again.
    pub results: Vec<MetricResult>,
    /// The verdict.
    pub phase: AnalysisPhase,
    /// Why.
    pub message: String,
    /// The score, when the run is scored.
    pub score: Option<f64>,
}

/// The answer a measurement recorded (`None` for one that recorded nothing usable).
pub fn answer_of(m: &Measurement) -> Option<Answer> {
    let evidence = m.evidence.clone().unwrap_or_default();
    if m.phase == MeasurementPhase::Error {
        return Some(Answer::Error { message: m.message.clone(), query: evidence.query });
    }
    let value = Sample::parse(&m.value).ok()?;
    let baseline = match &m.baseline {
        Some(b) => Some(Sample::parse(b).ok()?),
        None => None,
    };
    Some(Answer::Values {
        value,
        baseline,
        share: m.share.as_deref().and_then(|s| s.parse().ok()),
        query: evidence.query,
        window: evidence.window,
    })
}

/// Judges the measurements of `recorded` again under `spec`'s metrics (matched by name; a
/// metric with no record starts empty). `ended`: decide as for a run that was ended.
pub fn replay(spec: &AnalysisRunSpec, recorded: &AnalysisRunStatus, ended: bool) -> Replayed {
    let mut results: Vec<MetricResult> = spec
        .metrics
        .iter()
        .map(|metric| {
            let mut r = MetricResult {
                name: metric.name.clone(),
                dry_run: metric.dry_run || spec.dry_run,
                ..Default::default()
            };
            let old = recorded.metric_results.iter().find(|x| x.name == metric.name);
            for m in old.map(|x| x.measurements.as_slice()).unwrap_or_default() {
                if let Some(a) = answer_of(m) {
                    let judged = measure(metric, &r, a, m.at.0);
                    tally::record(metric, &mut r, judged);
                }
            }
            r
        })
        .collect();
    let (phase, message, score) = tally::decide(spec, &mut results, ended);
    Replayed { results, phase, message, score }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::analysis::{Judge, Metric, SequentialJudge, ThresholdJudge};

    fn metric(judge: Judge) -> Metric {
        Metric { name: "errors".into(), count: Some(4), judge, ..Metric::default() }
    }

    fn run(judge: Judge, answers: Vec<Answer>) -> (AnalysisRunSpec, AnalysisRunStatus) {
        let spec = AnalysisRunSpec { metrics: vec![metric(judge)], ..AnalysisRunSpec::default() };
        let mut results = vec![MetricResult { name: "errors".into(), ..MetricResult::default() }];
        for (i, a) in answers.into_iter().enumerate() {
            let at = jiff::Timestamp::from_second(1_800_000_000 + i64::try_from(i).unwrap_or(0))
                .unwrap_or_default();
            let m = measure(&spec.metrics[0], &results[0], a, at);
            tally::record(&spec.metrics[0], &mut results[0], m);
        }
        let (phase, message, _) = tally::decide(&spec, &mut results, false);
        (
            spec,
            AnalysisRunStatus {
                phase,
                message: Some(message),
                metric_results: results,
                ..Default::default()
            },
        )
    }

    fn counts(i: f64, canary_errors: f64) -> Answer {
        Answer::Values {
            value: Sample::Vector(vec![canary_errors * i, 100.0 * i]),
            baseline: Some(Sample::Vector(vec![i, 400.0 * i])),
            share: None,
            query: "q".into(),
            window: "w".into(),
        }
    }

    #[test]
    fn a_record_replays_to_its_verdict_and_another_judge_can_be_asked() {
        let sequential = Judge { sequential: Some(SequentialJudge::default()), ..Judge::default() };
        let answers: Vec<Answer> = (0..4)
            .map(|i| {
                if i == 2 {
                    Answer::Error { message: "down".into(), query: "q".into() }
                } else {
                    counts(f64::from(i), 8.0)
                }
            })
            .collect();
        let (spec, status) = run(sequential, answers);
        assert_eq!(status.phase, AnalysisPhase::Failed, "{:?}", status.message);
        let again = replay(&spec, &status, false);
        assert_eq!((again.phase, Some(again.message.clone())), (status.phase, status.message.clone()));
        assert_eq!(again.results, status.metric_results, "the same measurements, judged the same");
        // A threshold on the canary's failures alone would not have decided from these values.
        let threshold = Judge {
            threshold: Some(ThresholdJudge {
                success_condition: None,
                failure_condition: Some("result[0] > 100".into()),
            }),
            ..Judge::default()
        };
        let other = AnalysisRunSpec { metrics: vec![metric(threshold)], ..spec };
        let what_if = replay(&other, &status, false);
        assert_eq!(what_if.phase, AnalysisPhase::Successful, "{}", what_if.message);
        assert_eq!(what_if.results[0].error, 1, "the provider error is replayed as an error");
    }
}
