//! An AnalysisRun as the detail page shows it: each metric's measurements as numbers, and the
//! threshold its condition compares them with, when the condition is one comparison.

use serde::Serialize;

use crate::api::analysis::{AnalysisRun, Measurement, Metric};

/// Measurements kept per metric in the view (the run keeps up to 1000 for sequential judges;
/// a chart needs the latest).
const SHOWN: usize = 120;

/// One run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    /// The run's name.
    pub name: String,
    /// `background`, `step-N`, `prePromotion`, `postPromotion`.
    pub point: String,
    /// The revision judged.
    pub revision: String,
    /// Its verdict so far.
    pub phase: String,
    /// Why.
    pub message: String,
    /// Set aside by a retry.
    pub superseded: bool,
    /// Per metric.
    pub metrics: Vec<MetricView>,
}

/// One metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricView {
    /// The metric's name.
    pub name: String,
    /// Its verdict so far.
    pub phase: String,
    /// Why.
    pub message: String,
    /// The success (else failure) condition, as written.
    pub condition: String,
    /// The number the condition compares with, if it is one comparison.
    pub threshold: Option<Threshold>,
    /// The latest measurements, oldest first.
    pub measurements: Vec<Point>,
}

/// `value OP limit`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Threshold {
    /// `<`, `<=`, `>`, `>=`.
    pub op: String,
    /// The limit.
    pub value: f64,
    /// Whether the condition says success (true) or failure (false).
    pub success: bool,
}

/// One measurement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Point {
    /// When.
    pub at: String,
    /// The value as a number (the first of a vector), if it is one.
    pub value: Option<f64>,
    /// The value as recorded.
    pub raw: String,
    /// What it counted as.
    pub phase: String,
}

impl RunView {
    /// The view of a run.
    pub fn of(run: &AnalysisRun) -> Self {
        let status = run.status.clone().unwrap_or_default();
        let metrics = run
            .spec
            .metrics
            .iter()
            .map(|m| {
                let result = status.metric_results.iter().find(|r| r.name == m.name);
                let (condition, threshold) = condition_of(m);
                MetricView {
                    name: m.name.clone(),
                    phase: result.map_or("Pending".into(), |r| format!("{:?}", r.phase)),
                    message: result.and_then(|r| r.message.clone()).unwrap_or_default(),
                    condition,
                    threshold,
                    measurements: result
                        .map(|r| {
                            let skip = r.measurements.len().saturating_sub(SHOWN);
                            r.measurements.iter().skip(skip).map(point).collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
        Self {
            name: run.metadata.name.clone().unwrap_or_default(),
            point: run.spec.point.clone(),
            revision: run.spec.revision.clone(),
            phase: format!("{:?}", status.phase),
            message: status.message.unwrap_or_default(),
            superseded: run.spec.superseded,
            metrics,
        }
    }
}

fn point(m: &Measurement) -> Point {
    Point {
        at: m.at.0.to_string(),
        value: number(&m.value),
        raw: m.value.clone(),
        phase: format!("{:?}", m.phase),
    }
}

/// A recorded value as a number: `0.02`, or the first of `[0.02, 0.03]`.
fn number(value: &str) -> Option<f64> {
    let first = value.trim().trim_start_matches('[').split(',').next()?.trim().trim_end_matches(']').trim();
    first.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn condition_of(m: &Metric) -> (String, Option<Threshold>) {
    let Some(t) = &m.judge.threshold else { return (String::new(), None) };
    if let Some(c) = &t.success_condition {
        return (c.clone(), threshold(c, true));
    }
    if let Some(c) = &t.failure_condition {
        return (c.clone(), threshold(c, false));
    }
    (String::new(), None)
}

/// The limit of a condition that is one comparison of the result with a number, either way
/// round (`result[0] < 0.05`, `500 >= result`); `None` for anything else.
pub fn threshold(condition: &str, success: bool) -> Option<Threshold> {
    if ["&&", "||", "all(", "any("].iter().any(|c| condition.contains(c)) {
        return None;
    }
    for op in ["<=", ">=", "<", ">"] {
        let Some((left, right)) = condition.split_once(op) else { continue };
        if right.starts_with('=') {
            continue;
        }
        let flip = |op: &str| match op {
            "<=" => ">=",
            ">=" => "<=",
            "<" => ">",
            _ => "<",
        };
        if let Ok(v) = right.trim().parse::<f64>() {
            return Some(Threshold { op: op.into(), value: v, success });
        }
        if let Ok(v) = left.trim().parse::<f64>() {
            return Some(Threshold { op: flip(op).into(), value: v, success });
        }
        return None;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_comparison_gives_a_threshold() {
        let t = threshold("result[0] < 0.05", true).unwrap();
        assert_eq!((t.op.as_str(), t.value), ("<", 0.05));
        let t = threshold("500 >= result", false).unwrap();
        assert_eq!((t.op.as_str(), t.value, t.success), ("<=", 500.0, false));
        assert_eq!(threshold("result <= 2", true).unwrap().op, "<=");
        assert!(threshold("result < 1 && result > 0", true).is_none());
        assert!(threshold("len(result) == 0", true).is_none());
        assert!(threshold("result < args.limit", true).is_none());
    }

    #[test]
    fn values_read_as_numbers() {
        assert_eq!(number("0.5"), Some(0.5));
        assert_eq!(number("[0.25, 3]"), Some(0.25));
        assert_eq!(number("NaN"), None);
        assert_eq!(number(""), None);
    }
}
