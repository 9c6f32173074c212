//! One measurement: the provider's answer (or its error) judged into a [`Measurement`] with its
//! evidence. No-data answers follow the metric's policy before any judge sees them.

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::{comparative, compare::Class, threshold, threshold::Judged, value::Sample};
use crate::api::analysis::{Evidence, Measurement, MeasurementPhase, Metric, MetricResult, NoDataPolicy};

/// What a provider answered.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Values.
    Values {
        /// The canary's (or only) value.
        value: Sample,
        /// The baseline's, for judges that compare.
        baseline: Option<Sample>,
        /// The canary's share of traffic in the window (0–1), when known.
        share: Option<f64>,
        /// What was asked (arguments substituted, no secrets).
        query: String,
        /// The window covered.
        window: String,
    },
    /// Not done yet (a Job still running): nothing is recorded; the runner looks again.
    Pending {
        /// What is awaited.
        message: String,
    },
    /// The provider failed (unreachable, timeout, 5xx, unparsable answer).
    Error {
        /// What went wrong.
        message: String,
        /// What was asked.
        query: String,
    },
}

/// Judges `answer` as the next measurement of `metric`, given what was measured before.
pub fn measure(metric: &Metric, before: &MetricResult, answer: Answer, at: Timestamp) -> Measurement {
    let at = Time(at);
    match answer {
        Answer::Error { message, query } => Measurement {
            phase: MeasurementPhase::Error,
            at,
            value: String::new(),
            baseline: None,
            share: None,
            message,
            evidence: Some(Evidence { query, ..Evidence::default() }),
        },
        Answer::Pending { message } => Measurement {
            phase: MeasurementPhase::Waiting,
            at,
            value: String::new(),
            baseline: None,
            share: None,
            message,
            evidence: None,
        },
        Answer::Values { value, baseline, share, query, window } => {
            if metric.judge.is_unset() {
                return job_measurement(value, query, window, at);
            }
            let compares = metric.judge.threshold.is_none();
            let no_data =
                value.is_no_data() || (compares && baseline.as_ref().is_none_or(Sample::is_no_data));
            let judged = if no_data {
                let mut j = no_data_judged(metric.no_data.unwrap_or_default(), &value, baseline.as_ref());
                if let Some(c) = &metric.judge.compare {
                    // Kayenta's classes: a metric that must have data fails without it.
                    j.class = Some(if c.must_have_data { Class::NodataFail } else { Class::Nodata });
                    if c.must_have_data {
                        j.phase = MeasurementPhase::Failed;
                        j.message = format!("{}: the metric must have data (mustHaveData)", j.message);
                    }
                    j.critical = c.critical;
                }
                j
            } else if let Some(t) = &metric.judge.threshold {
                threshold::judge(t, &value)
            } else {
                comparative::judge(metric, before, &value, baseline.as_ref(), share)
            };
            Measurement {
                phase: judged.phase,
                at,
                value: value.to_string(),
                baseline: baseline.map(|b| b.to_string()),
                share: share.map(|s| s.to_string()),
                message: judged.message,
                evidence: Some(Evidence {
                    query,
                    window,
                    samples: judged.samples,
                    estimate: judged.estimate,
                    interval: judged.interval,
                    class: judged.class.map(|c| c.as_str().to_string()),
                    critical: judged.critical,
                }),
            }
        }
    }
}

fn no_data_judged(policy: NoDataPolicy, value: &Sample, baseline: Option<&Sample>) -> Judged {
    let what = match baseline {
        Some(b) if b.is_no_data() && !value.is_no_data() => format!("no data for the baseline ({b})"),
        _ => format!("no data ({value})"),
    };
    let (phase, then) = match policy {
        NoDataPolicy::Fail => (MeasurementPhase::Failed, "counts as failed (noData: fail)"),
        NoDataPolicy::Inconclusive => {
            (MeasurementPhase::Inconclusive, "counts as inconclusive (noData: inconclusive)")
        }
        NoDataPolicy::Wait => (MeasurementPhase::Waiting, "not counted; measuring again (noData: wait)"),
        NoDataPolicy::Pass => (MeasurementPhase::Successful, "counts as successful (noData: pass)"),
    };
    Judged::plain(phase, format!("{what}: {then}"), 0)
}

/// A metric without a judge (a `job` metric): 1 is a Job that succeeded, 0 one that failed.
fn job_measurement(value: Sample, query: String, window: String, at: Time) -> Measurement {
    let (phase, message) = match value.values() {
        [v] if *v == 1.0 => (MeasurementPhase::Successful, format!("{query} succeeded ({window})")),
        [v] if *v == 0.0 => (MeasurementPhase::Failed, format!("{query} failed ({window})")),
        _ => (MeasurementPhase::Error, format!("{query}: a judge is needed for the value {value}")),
    };
    Measurement {
        phase,
        at,
        value: value.to_string(),
        baseline: None,
        share: None,
        message,
        evidence: Some(Evidence { query, window, samples: 1, ..Evidence::default() }),
    }
}
