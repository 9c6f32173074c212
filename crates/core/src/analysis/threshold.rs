//! The `threshold` judge: `failureCondition` and `successCondition` over one measurement,
//! with Argo Rollouts' semantics — with only a success condition, not meeting it fails; with
//! only a failure condition, not meeting it passes; with both, meeting neither is
//! inconclusive.

use super::{
    expr::{Expr, ExprError},
    value::Sample,
};
use crate::api::analysis::{MeasurementPhase, ThresholdJudge};

/// A judged measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    /// What it counts as.
    pub phase: MeasurementPhase,
    /// Why, in words.
    pub message: String,
    /// The judge's estimate, if it makes one.
    pub estimate: Option<String>,
    /// Its interval, `[low, high]`.
    pub interval: Option<String>,
    /// Samples or events used.
    pub samples: i64,
    /// The `compare` judge's class.
    pub class: Option<super::compare::Class>,
    /// A critical metric's deviation (fails the analysis at once).
    pub critical: bool,
}

impl Judged {
    /// A verdict with no estimate.
    pub fn plain(phase: MeasurementPhase, message: impl Into<String>, samples: usize) -> Self {
        Judged {
            phase,
            message: message.into(),
            estimate: None,
            interval: None,
            samples: i64::try_from(samples).unwrap_or(i64::MAX),
            class: None,
            critical: false,
        }
    }
}

/// Checks both conditions parse (for validation before a run starts).
pub fn check(j: &ThresholdJudge) -> Result<(), String> {
    for (field, src) in
        [("failureCondition", &j.failure_condition), ("successCondition", &j.success_condition)]
    {
        if let Some(src) = src {
            Expr::parse(src).map_err(|e| format!("{field}: {e}"))?;
        }
    }
    Ok(())
}

fn holds(src: &str, value: &Sample) -> Result<bool, ExprError> {
    Expr::parse(src)?.holds(&value.to_expr())
}

/// Judges one measurement.
pub fn judge(j: &ThresholdJudge, value: &Sample) -> Judged {
    let n = value.values().len();
    let eval = |field: &str, src: &str| holds(src, value).map_err(|e| format!("{field} `{src}`: {e}"));
    if let Some(src) = &j.failure_condition {
        match eval("failureCondition", src) {
            Err(e) => return Judged::plain(MeasurementPhase::Error, e, n),
            Ok(true) => {
                return Judged::plain(
                    MeasurementPhase::Failed,
                    format!("{value} meets failureCondition `{src}`"),
                    n,
                );
            }
            Ok(false) => {}
        }
    }
    match (&j.success_condition, &j.failure_condition) {
        (Some(src), failure) => match eval("successCondition", src) {
            Err(e) => Judged::plain(MeasurementPhase::Error, e, n),
            Ok(true) => Judged::plain(
                MeasurementPhase::Successful,
                format!("{value} meets successCondition `{src}`"),
                n,
            ),
            Ok(false) if failure.is_some() => Judged::plain(
                MeasurementPhase::Inconclusive,
                format!("{value} meets neither successCondition `{src}` nor failureCondition"),
                n,
            ),
            Ok(false) => Judged::plain(
                MeasurementPhase::Failed,
                format!("{value} does not meet successCondition `{src}`"),
                n,
            ),
        },
        (None, Some(src)) => Judged::plain(
            MeasurementPhase::Successful,
            format!("{value} does not meet failureCondition `{src}`"),
            n,
        ),
        (None, None) => Judged::plain(MeasurementPhase::Error, "the threshold judge has no condition", n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(success: Option<&str>, failure: Option<&str>) -> ThresholdJudge {
        ThresholdJudge {
            success_condition: success.map(Into::into),
            failure_condition: failure.map(Into::into),
        }
    }

    #[test]
    fn argo_semantics_of_one_or_both_conditions() {
        use MeasurementPhase::*;
        let v = |x: f64| Sample::Number(x);
        let cases = [
            (j(Some("result >= 0.95"), None), 0.99, Successful),
            (j(Some("result >= 0.95"), None), 0.90, Failed),
            (j(None, Some("result < 0.9")), 0.95, Successful),
            (j(None, Some("result < 0.9")), 0.80, Failed),
            (j(Some("result >= 0.95"), Some("result < 0.9")), 0.99, Successful),
            (j(Some("result >= 0.95"), Some("result < 0.9")), 0.92, Inconclusive),
            (j(Some("result >= 0.95"), Some("result < 0.9")), 0.50, Failed),
            // NaN meets no comparison: a success condition fails, a failure condition passes
            // — which is why no data is handled by the no-data policy before any judge.
            (j(Some("result >= 0.95"), None), f64::NAN, Failed),
        ];
        for (judge_, x, want) in cases {
            assert_eq!(super::judge(&judge_, &v(x)).phase, want, "{judge_:?} at {x}");
        }
    }

    #[test]
    fn errors_are_errors_not_failures() {
        let vector = Sample::Vector(vec![0.9, 0.99]);
        let got = super::judge(&j(Some("result > 0.95"), None), &vector);
        assert_eq!(got.phase, MeasurementPhase::Error);
        assert!(got.message.contains("successCondition"), "{}", got.message);
        assert_eq!(
            super::judge(&j(Some("all(result > 0.8)"), None), &vector).phase,
            MeasurementPhase::Successful
        );
        assert!(check(&j(Some("result >"), None)).is_err());
        assert!(check(&j(Some("result > 1"), Some("any(result < 0)"))).is_ok());
    }
}
