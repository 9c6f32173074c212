//! From measurements to verdicts: a metric's tally and phase under its limits, the run's phase
//! from its metrics', and when each metric is due next. Pure, like the planner: the runner
//! calls these with the clock it reads.

use std::time::Duration;

use jiff::Timestamp;

use super::compare;

use crate::api::analysis::{
    AnalysisPhase, AnalysisRunSpec, Measurement, MeasurementPhase, Metric, MetricResult,
    metric::DEFAULT_INTERVAL,
    run::{MAX_MEASUREMENTS, MAX_SEQUENTIAL_MEASUREMENTS},
};

/// Adds a measurement to a metric's tally (keeping the latest few).
pub fn record(metric: &Metric, r: &mut MetricResult, m: Measurement) {
    match m.phase {
        MeasurementPhase::Successful => r.successful += 1,
        MeasurementPhase::Failed => r.failed += 1,
        MeasurementPhase::Inconclusive => r.inconclusive += 1,
        MeasurementPhase::Error => r.error += 1,
        MeasurementPhase::Waiting | MeasurementPhase::Undecided => {}
    }
    if m.phase != MeasurementPhase::Waiting {
        r.count += 1;
    }
    match m.phase {
        MeasurementPhase::Error => r.consecutive_error += 1,
        MeasurementPhase::Waiting => {}
        _ => r.consecutive_error = 0,
    }
    r.message = Some(m.message.clone());
    r.measurements.push(m);
    let keep = if metric.judge.sequential.is_some() { MAX_SEQUENTIAL_MEASUREMENTS } else { MAX_MEASUREMENTS };
    if r.measurements.len() > keep {
        let extra = r.measurements.len() - keep;
        r.measurements.drain(..extra);
    }
    // A sequential metric keeps its values for the test, but words and queries only for the
    // latest few (the same query and a similar message each time; the object stays small).
    if let Some(old) = r.measurements.len().checked_sub(MAX_MEASUREMENTS + 1) {
        for m in &mut r.measurements[..=old] {
            m.message.clear();
            if let Some(e) = &mut m.evidence {
                e.query.clear();
            }
        }
    }
}

fn last_message(r: &MetricResult) -> String {
    r.measurements.last().map(|m| m.message.clone()).unwrap_or_default()
}

/// A metric's phase under its limits, with the reason. `ended`: the analysis is no longer
/// needed (its step passed, the rollout moved on): a metric still deciding passes.
/// `scored`: the analysis scores its `compare` metrics together (their failures and
/// inconclusive measurements are weighed by the score, not by their limits).
pub fn metric_phase(metric: &Metric, r: &MetricResult, ended: bool, scored: bool) -> (AnalysisPhase, String) {
    let l = metric.limits();
    let name = &metric.name;
    let by_score = scored && metric.judge.compare.is_some();
    if let Some(m) = r.measurements.iter().rev().find(|m| m.evidence.as_ref().is_some_and(|e| e.critical)) {
        return (AnalysisPhase::Failed, format!("{name}: critical metric: {}", m.message));
    }
    if r.failed > l.failure && !by_score {
        return (
            AnalysisPhase::Failed,
            format!(
                "{name}: {} failed measurement(s), failureLimit {}: {}",
                r.failed,
                l.failure,
                last_message(r)
            ),
        );
    }
    if r.consecutive_error > l.consecutive_errors {
        return (
            AnalysisPhase::Error,
            format!(
                "{name}: {} provider errors in a row, consecutiveErrorLimit {}: {}",
                r.consecutive_error,
                l.consecutive_errors,
                last_message(r)
            ),
        );
    }
    if r.inconclusive > l.inconclusive && !by_score {
        return (
            AnalysisPhase::Inconclusive,
            format!(
                "{name}: {} inconclusive measurement(s), inconclusiveLimit {}: {}",
                r.inconclusive,
                l.inconclusive,
                last_message(r)
            ),
        );
    }
    let sequential = metric.judge.sequential.is_some();
    if sequential && r.measurements.last().is_some_and(|m| m.phase == MeasurementPhase::Successful) {
        return (AnalysisPhase::Successful, format!("{name}: {}", last_message(r)));
    }
    let enough = r.successful >= l.min_samples;
    let done = metric.wanted().is_some_and(|n| r.count >= n);
    if done || ended {
        let why = if ended { "the analysis ended" } else { "every measurement was taken" };
        return if sequential {
            (AnalysisPhase::Successful, format!("{name}: {why} with no evidence of a regression"))
        } else if enough || by_score || (ended && r.count == 0) {
            (AnalysisPhase::Successful, format!("{name}: {why}: {} of {} successful", r.successful, r.count))
        } else {
            (
                AnalysisPhase::Inconclusive,
                format!(
                    "{name}: {why} with {} successful measurement(s), minSamples {}",
                    r.successful, l.min_samples
                ),
            )
        };
    }
    (AnalysisPhase::Running, format!("{name}: {} measurement(s) so far", r.count))
}

/// The run's phase from its metrics': the first non-dry-run Failed, then Error, then
/// Inconclusive decides at once; Successful when every metric is; dry-run metrics only need
/// to have finished. With a `score`, the `compare` metrics' latest classes are scored together
/// as Kayenta does: at or below `marginal` fails at once; once they are all done, below
/// `pass` is inconclusive. Returns the phase, the reason and the score (when there is one).
pub fn run_phase(
    spec: &AnalysisRunSpec,
    phases: &[(AnalysisPhase, String)],
    results: &[MetricResult],
) -> (AnalysisPhase, String, Option<f64>) {
    let acting = |i: usize| !spec.dry_run && !spec.metrics.get(i).is_some_and(|m| m.dry_run);
    let score = spec.score.as_ref().and_then(|t| scored(spec, results).map(|s| (t, s)));
    for want in [AnalysisPhase::Failed, AnalysisPhase::Error, AnalysisPhase::Inconclusive] {
        if let Some((_, why)) =
            phases.iter().enumerate().find(|(i, (p, _))| acting(*i) && *p == want).map(|(_, r)| r)
        {
            return (want, why.clone(), score.as_ref().map(|(_, s)| s.value));
        }
        if want == AnalysisPhase::Failed
            && !spec.dry_run
            && let Some((t, s)) = &score
            && compare::verdict(s.value, t) == Some(false)
        {
            let why = format!("score {} at or below marginal {}: {}", s.value, t.marginal, s.reason);
            return (AnalysisPhase::Failed, why, Some(s.value));
        }
    }
    if phases.iter().all(|(p, _)| p.is_terminal()) {
        if !spec.dry_run
            && let Some((t, s)) = &score
            && compare::verdict(s.value, t).is_none()
        {
            let why = format!(
                "score {} between marginal {} and pass {}: {}",
                s.value, t.marginal, t.pass, s.reason
            );
            return (AnalysisPhase::Inconclusive, why, Some(s.value));
        }
        let shadow: Vec<&str> = phases
            .iter()
            .enumerate()
            .filter(|(i, _)| !acting(*i))
            .map(|(_, (_, why))| why.as_str())
            .collect();
        let mut msg = match &score {
            Some((_, s)) => format!("every metric passed (score {}: {})", s.value, s.reason),
            None => String::from("every metric passed"),
        };
        if !shadow.is_empty() {
            msg = format!("{msg} (dry run, not acted on: {})", shadow.join("; "));
        }
        return (AnalysisPhase::Successful, msg, score.map(|(_, s)| s.value));
    }
    (AnalysisPhase::Running, "measuring".into(), score.map(|(_, s)| s.value))
}

/// Every metric's phase and the run's verdict: sets each result's `phase` (and its `message`
/// once decided) and returns the run's phase, reason and score. The runner calls it after
/// each pass; `ramp analysis replay` calls it over re-judged measurements.
pub fn decide(
    spec: &AnalysisRunSpec,
    results: &mut [MetricResult],
    ended: bool,
) -> (AnalysisPhase, String, Option<f64>) {
    let scored = spec.score.is_some();
    let phases: Vec<(AnalysisPhase, String)> =
        spec.metrics.iter().zip(results.iter()).map(|(m, x)| metric_phase(m, x, ended, scored)).collect();
    for (x, (p, why)) in results.iter_mut().zip(&phases) {
        x.phase = *p;
        if p.is_terminal() {
            x.message = Some(why.clone());
        }
    }
    run_phase(spec, &phases, results)
}

/// The score of the `compare` metrics that act, once each has a classified measurement.
fn scored(spec: &AnalysisRunSpec, results: &[MetricResult]) -> Option<compare::Score> {
    let mut latest = Vec::new();
    for (m, r) in spec.metrics.iter().zip(results) {
        let Some(c) = m.judge.compare.as_ref().filter(|_| !m.dry_run) else { continue };
        let (class, critical) = r.measurements.iter().rev().find_map(|x| {
            let e = x.evidence.as_ref()?;
            Some((compare::Class::parse(e.class.as_deref()?)?, e.critical))
        })?;
        latest.push(compare::Scored { name: &m.name, groups: &c.groups, class, critical });
    }
    if latest.is_empty() {
        return None;
    }
    let weights = spec.score.as_ref().map(|s| s.group_weights.clone()).unwrap_or_default();
    Some(compare::score(&latest, &weights))
}

fn parse_or(d: Option<&crate::api::DurationString>, default: Duration) -> Duration {
    d.and_then(|d| d.parse().ok()).unwrap_or(default)
}

/// The metric's interval (its default when unset).
pub fn interval(metric: &Metric) -> Duration {
    let default =
        crate::api::DurationString::new(DEFAULT_INTERVAL).parse().unwrap_or(Duration::from_secs(60));
    parse_or(metric.interval.as_ref(), default)
}

/// When the metric's next measurement is due (`None`: it has decided).
pub fn next_due(
    metric: &Metric,
    r: &MetricResult,
    phase: AnalysisPhase,
    started: Timestamp,
) -> Option<Timestamp> {
    if phase.is_terminal() {
        return None;
    }
    let after = |t: Timestamp, d: Duration| {
        jiff::SignedDuration::try_from(d).ok().and_then(|d| t.checked_add(d).ok()).unwrap_or(t)
    };
    Some(match r.measurements.last() {
        None => after(started, parse_or(metric.initial_delay.as_ref(), Duration::ZERO)),
        Some(m) => after(m.at.0, interval(metric)),
    })
}
#[cfg(test)]
mod tests;
