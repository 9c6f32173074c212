//! The `compare` judge: one measurement's canary series against its baseline series, classified
//! as Kayenta's NetflixACAJudge-v1.0 does (docs/analysis.md says it in words) — NaN handling,
//! optional IQR outlier removal, identical or single-valued data pass, then a Mann-Whitney
//! interval for the shift at 98% with a tolerance band of a quarter of the estimate, an effect
//! size, and critical escalation — and Kayenta's weighted group score over several metrics.
//!
//! Where Kayenta is silent or lossy, Ramp says so instead: Nodata and Error are classes of
//! their own that the score shows (Kayenta drops them from group scores silently), and two
//! constant series (where Kayenta adds random noise) are decided by the sign of their
//! difference, deterministically.

use super::stats::{self, StatsError};
use crate::api::analysis::{CompareJudge, Direction, EffectMeasure, NanStrategy};

mod scoring;
pub use scoring::{Score, Scored, score, verdict};

/// Kayenta's tolerance: the interval must clear a band of ±¼ of the estimate.
pub const TOLERANCE: f64 = 0.25;
/// Kayenta's confidence level.
pub const DEFAULT_CONFIDENCE: f64 = 0.98;
/// Score group of a metric that names none.
pub const DEFAULT_GROUP: &str = "default";

/// What one comparison found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// No significant difference (or one too small to count).
    Pass,
    /// The canary is significantly higher.
    High,
    /// The canary is significantly lower.
    Low,
    /// A side had no data (not counted in a group's score).
    Nodata,
    /// A side had no data and the metric must have data (counts as a failure).
    NodataFail,
    /// The comparison could not be made (not counted in a group's score; shown).
    Error,
}

impl Class {
    /// The name written in evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Pass => "Pass",
            Class::High => "High",
            Class::Low => "Low",
            Class::Nodata => "Nodata",
            Class::NodataFail => "NodataFail",
            Class::Error => "Error",
        }
    }

    /// Reads [`as_str`](Self::as_str) back.
    pub fn parse(s: &str) -> Option<Self> {
        [Class::Pass, Class::High, Class::Low, Class::Nodata, Class::NodataFail, Class::Error]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// A comparison with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The class.
    pub class: Class,
    /// A critical metric's High or Low beyond its critical effect size.
    pub critical: bool,
    /// The shift's estimate and interval (canary − baseline), when the test ran.
    pub shift: Option<stats::Shift>,
    /// mean(canary) / mean(baseline) (NaN when a mean is 0).
    pub ratio: f64,
    /// The effect size used (mean ratio or CLES).
    pub effect: f64,
    /// Points used on each side (canary, baseline).
    pub points: (usize, usize),
    /// Why, in words.
    pub reason: String,
}

/// A `CompareJudge` with its defaults applied and its strings read.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    direction: Direction,
    confidence: f64,
    nan: NanStrategy,
    outlier_factor: Option<f64>,
    critical: bool,
    must_have_data: bool,
    measure: EffectMeasure,
    allowed: (f64, f64),
    critical_limits: (f64, f64),
}

fn number(field: &str, s: Option<&String>, default: f64) -> Result<f64, String> {
    match s {
        None => Ok(default),
        Some(t) => t
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("{field} {t:?} is not a number")),
    }
}

impl Settings {
    /// Reads `j`, or says which field is wrong.
    pub fn of(j: &CompareJudge) -> Result<Self, String> {
        let confidence = number("confidence", j.confidence.as_ref(), DEFAULT_CONFIDENCE)?;
        if !(0.5..1.0).contains(&confidence) {
            return Err(format!("confidence {confidence} must be at least 0.5 and below 1"));
        }
        let e = j.effect_size.clone().unwrap_or_default();
        let measure = e.measure.unwrap_or_default();
        let neutral = match measure {
            EffectMeasure::MeanRatio => 1.0,
            EffectMeasure::Cles => 0.5,
        };
        let limit = |f: &str, v: Option<&String>| number(f, v, neutral);
        Ok(Settings {
            direction: j.direction.unwrap_or_default(),
            confidence,
            nan: j.nan_strategy.unwrap_or_default(),
            outlier_factor: j
                .outlier_factor
                .as_ref()
                .map(|_| number("outlierFactor", j.outlier_factor.as_ref(), 3.0))
                .transpose()?,
            critical: j.critical,
            must_have_data: j.must_have_data,
            measure,
            allowed: (
                limit("allowedIncrease", e.allowed_increase.as_ref())?,
                limit("allowedDecrease", e.allowed_decrease.as_ref())?,
            ),
            critical_limits: (
                limit("criticalIncrease", e.critical_increase.as_ref())?,
                limit("criticalDecrease", e.critical_decrease.as_ref())?,
            ),
        })
    }
}

fn prepare(s: &Settings, xs: &[f64]) -> Vec<f64> {
    let cleaned: Vec<f64> = match s.nan {
        NanStrategy::Remove => xs.iter().copied().filter(|x| !x.is_nan()).collect(),
        NanStrategy::Replace => xs.iter().map(|&x| if x.is_nan() { 0.0 } else { x }).collect(),
    };
    match s.outlier_factor {
        Some(k) if cleaned.len() > 1 => stats::without_outliers(&cleaned, k),
        _ => cleaned,
    }
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Classifies the canary series against the baseline series.
pub fn classify(s: &Settings, canary: &[f64], baseline: &[f64]) -> Comparison {
    let (x, y) = (prepare(s, canary), prepare(s, baseline));
    let ratio = {
        let (mx, my) = (stats::mean(&x), stats::mean(&y));
        if mx == 0.0 || my == 0.0 { f64::NAN } else { mx / my }
    };
    let effect = match s.measure {
        EffectMeasure::MeanRatio => ratio,
        EffectMeasure::Cles => stats::cles(&x, &y),
    };
    let done = |class: Class, shift: Option<stats::Shift>, reason: String| Comparison {
        class,
        critical: false,
        shift,
        ratio,
        effect,
        points: (x.len(), y.len()),
        reason,
    };
    if x.is_empty() || y.is_empty() {
        let side = if x.is_empty() { "the canary" } else { "the baseline" };
        return if s.must_have_data {
            done(Class::NodataFail, None, format!("no data for {side}, and the metric must have data"))
        } else {
            // A critical metric without data zeroes the score, as in Kayenta.
            Comparison { critical: s.critical, ..done(Class::Nodata, None, format!("no data for {side}")) }
        };
    }
    if let Some(side) =
        [("canary", &x), ("baseline", &y)].iter().find(|(_, v)| v.iter().any(|p| p.is_infinite()))
    {
        // A quantile past a histogram's last bucket is +Inf: no shift can be measured, and a
        // silent drop would hide the worst values. Said, as an error.
        let why = format!(
            "the {} series holds an infinite value (a quantile beyond the histogram's buckets?)",
            side.0
        );
        return done(Class::Error, None, why);
    }
    if sorted(&x) == sorted(&y) {
        return done(Class::Pass, None, "canary and baseline data are identical".into());
    }
    let (xs, ys) = (sorted(&x), sorted(&y));
    let constant = |v: &[f64]| v.first() == v.last();
    let shift = if constant(&xs) && constant(&ys) {
        // Two constant series: the shift is exact (Kayenta adds noise and finds the same).
        let d = xs[0] - ys[0];
        stats::Shift { estimate: d, low: d, high: d }
    } else {
        match stats::wilcoxon_shift(&x, &y, s.confidence) {
            Ok(shift) => shift,
            Err(StatsError::AllTied) => return done(Class::Pass, None, "every point is tied".into()),
            Err(e) => return done(Class::Error, None, e.to_string()),
        }
    };
    let band = TOLERANCE * shift.estimate.abs();
    let up = matches!(s.direction, Direction::Increase | Direction::Either);
    let down = matches!(s.direction, Direction::Decrease | Direction::Either);
    let (allowed_up, allowed_down) = s.allowed;
    let class = if up && shift.low > band && (effect.is_nan() || effect >= allowed_up) {
        Class::High
    } else if down && shift.high < -band && (effect.is_nan() || effect <= allowed_down) {
        Class::Low
    } else {
        Class::Pass
    };
    let what = match s.measure {
        EffectMeasure::MeanRatio => "mean ratio",
        EffectMeasure::Cles => "CLES",
    };
    let interval = format!(
        "shift {:.4} in [{:.4}, {:.4}] at {}% ({what} {:.3}; {} canary, {} baseline points)",
        shift.estimate,
        shift.low,
        shift.high,
        s.confidence * 100.0,
        effect,
        x.len(),
        y.len()
    );
    let reason = match class {
        Class::High => format!("canary higher: {interval}"),
        Class::Low => format!("canary lower: {interval}"),
        _ => format!("no significant difference: {interval}"),
    };
    let mut c = done(class, Some(shift), reason);
    let (crit_up, crit_down) = s.critical_limits;
    c.critical = s.critical
        && match class {
            Class::High => effect.is_nan() || effect >= crit_up,
            Class::Low => effect.is_nan() || effect <= crit_down,
            _ => false,
        };
    if c.critical {
        c.reason = format!("critical metric: {}", c.reason);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::analysis::EffectSize;

    fn settings(j: CompareJudge) -> Settings {
        Settings::of(&j).unwrap_or_else(|e| panic!("{e}"))
    }

    fn series(base: f64, n: usize, spread: f64) -> Vec<f64> {
        (0..n).map(|i| base + spread * ((i * 7 % n) as f64 / n as f64 - 0.5)).collect()
    }

    #[test]
    fn kayenta_defaults() {
        let s = settings(CompareJudge::default());
        assert_eq!(s.confidence, 0.98);
        assert_eq!(s.direction, Direction::Either);
        assert_eq!((s.allowed, s.critical_limits), ((1.0, 1.0), (1.0, 1.0)));
        let cles = settings(CompareJudge {
            effect_size: Some(EffectSize { measure: Some(EffectMeasure::Cles), ..EffectSize::default() }),
            ..CompareJudge::default()
        });
        assert_eq!(cles.allowed, (0.5, 0.5));
        assert!(
            Settings::of(&CompareJudge { confidence: Some("1.5".into()), ..CompareJudge::default() })
                .is_err()
        );
    }

    #[test]
    fn classes_follow_the_interval_direction_and_effect_size() {
        let base = series(100.0, 30, 10.0);
        let higher = series(130.0, 30, 10.0);
        let lower = series(70.0, 30, 10.0);
        let either = settings(CompareJudge::default());
        assert_eq!(classify(&either, &higher, &base).class, Class::High);
        assert_eq!(classify(&either, &lower, &base).class, Class::Low);
        assert_eq!(classify(&either, &series(100.5, 30, 10.0), &base).class, Class::Pass);
        // Direction: a decrease of a latency is no regression.
        let up = settings(CompareJudge { direction: Some(Direction::Increase), ..CompareJudge::default() });
        assert_eq!(classify(&up, &lower, &base).class, Class::Pass);
        // Effect size: a 30% increase does not reach an allowed increase of 1.5.
        let big = settings(CompareJudge {
            effect_size: Some(EffectSize { allowed_increase: Some("1.5".into()), ..EffectSize::default() }),
            ..CompareJudge::default()
        });
        assert_eq!(classify(&big, &higher, &base).class, Class::Pass);
        let c = classify(&either, &higher, &base);
        assert!((c.ratio - 1.3).abs() < 0.01 && c.shift.is_some_and(|s| s.low > 0.0), "{c:?}");
        assert!(c.reason.starts_with("canary higher: shift"), "{}", c.reason);
    }

    #[test]
    fn identical_empty_constant_and_nan_data() {
        let s = settings(CompareJudge::default());
        assert_eq!(classify(&s, &[1.0, 2.0, 3.0], &[3.0, 1.0, 2.0]).class, Class::Pass);
        assert_eq!(classify(&s, &[], &[1.0]).class, Class::Nodata);
        assert_eq!(classify(&s, &[f64::NAN], &[1.0]).class, Class::Nodata, "NaN removed: nothing left");
        let must = settings(CompareJudge { must_have_data: true, ..CompareJudge::default() });
        assert_eq!(classify(&must, &[], &[1.0]).class, Class::NodataFail);
        let replace =
            settings(CompareJudge { nan_strategy: Some(NanStrategy::Replace), ..CompareJudge::default() });
        assert_eq!(classify(&replace, &[f64::NAN, f64::NAN], &[0.0, 0.0]).class, Class::Pass);
        assert_eq!(classify(&s, &[5.0, 5.0, 5.0], &[4.0, 4.0]).class, Class::High, "constant series");
        assert_eq!(classify(&s, &[5.0, 5.0], &[5.0, 5.0, 5.0]).class, Class::Pass);
        // Found by the property test: infinities made a NaN shift that passed.
        let inf = classify(&s, &[f64::NEG_INFINITY, f64::NEG_INFINITY], &[f64::NEG_INFINITY]);
        assert_eq!(inf.class, Class::Error, "{inf:?}");
        assert!(inf.reason.contains("infinite"), "{}", inf.reason);
    }

    #[test]
    fn critical_metrics_escalate() {
        let base = series(100.0, 30, 10.0);
        let higher = series(130.0, 30, 10.0);
        let crit = settings(CompareJudge { critical: true, ..CompareJudge::default() });
        assert!(classify(&crit, &higher, &base).critical, "default limits: any High is critical");
        let lenient = settings(CompareJudge {
            critical: true,
            effect_size: Some(EffectSize { critical_increase: Some("2.0".into()), ..EffectSize::default() }),
            ..CompareJudge::default()
        });
        let c = classify(&lenient, &higher, &base);
        assert_eq!((c.class, c.critical), (Class::High, false));
    }

    #[test]
    fn outliers_are_removed_only_when_asked() {
        let mut canary = series(100.0, 30, 2.0);
        canary.push(10_000.0);
        let s = settings(CompareJudge { outlier_factor: Some("3.0".into()), ..CompareJudge::default() });
        assert_eq!(classify(&s, &canary, &series(100.0, 30, 2.0)).points.0, 30);
        let keep = settings(CompareJudge::default());
        assert_eq!(classify(&keep, &canary, &series(100.0, 30, 2.0)).points.0, 31);
    }
}
