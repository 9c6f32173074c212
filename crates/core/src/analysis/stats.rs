//! The statistics the `compare` judge needs, written for it: the normal quantile, average
//! ranks with ties, R-7 percentiles and IQR fences, and the Wilcoxon rank-sum (Mann-Whitney)
//! confidence interval for a shift in location — the asymptotic interval with tie and
//! continuity corrections that R's `wilcox.test(x, y, conf.int = TRUE, exact = FALSE)`
//! computes and Kayenta's judge uses, with its Hodges-Lehmann estimate. Pure and
//! deterministic.

/// Why an interval cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatsError {
    /// Every observation is tied: the statistic's spread is zero.
    #[error("cannot compute a confidence interval when all observations are tied")]
    AllTied,
    /// A side has no observations.
    #[error("a series is empty")]
    Empty,
    /// A value is not a finite number.
    #[error("a series holds a value that is not a finite number")]
    NotFinite,
}

/// Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, then one Halley
/// step against an erfc of relative error below 1e-15: about 1e-15 overall for 1e-300 < p < 1).
#[allow(clippy::excessive_precision)] // Acklam's coefficients as published
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 || p >= 1.0 {
        return match p {
            0.0 => f64::NEG_INFINITY,
            1.0 => f64::INFINITY,
            _ => f64::NAN,
        };
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    const LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    };
    // One Halley step on Φ(x) − p.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The complementary error function (W. J. Cody's rational approximations, as in the
/// classic CALERF: relative error below about 1e-15).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let ax = x.abs();
    let r = if ax <= 0.468_75 {
        return 1.0 - erf_small(x);
    } else if ax < 4.0 {
        erfc_mid(ax)
    } else {
        erfc_large(ax)
    };
    if x < 0.0 { 2.0 - r } else { r }
}

#[allow(clippy::excessive_precision)] // the coefficients as Cody published them
fn erf_small(x: f64) -> f64 {
    const A: [f64; 5] = [
        3.161_123_743_870_565_6,
        1.138_641_541_510_501_6e2,
        3.774_852_376_853_020_2e2,
        3.209_377_589_138_469_5e3,
        1.857_777_061_846_031_5e-1,
    ];
    const B: [f64; 4] = [
        2.360_129_095_234_412_2e1,
        2.440_246_379_344_441_7e2,
        1.282_616_526_077_372_3e3,
        2.844_236_833_439_170_6e3,
    ];
    let z = x * x;
    let mut num = A[4] * z;
    let mut den = z;
    for i in 0..3 {
        num = (num + A[i]) * z;
        den = (den + B[i]) * z;
    }
    x * (num + A[3]) / (den + B[3])
}

#[allow(clippy::excessive_precision)] // the coefficients as Cody published them
fn erfc_mid(y: f64) -> f64 {
    const C: [f64; 9] = [
        5.641_884_969_886_700_9e-1,
        8.883_149_794_388_375_9,
        6.611_919_063_714_163_0e1,
        2.986_351_381_974_001_3e2,
        8.819_522_212_417_690_9e2,
        1.712_047_612_634_070_6e3,
        2.051_078_377_826_071_5e3,
        1.230_339_354_797_997_2e3,
        2.153_115_354_744_038_5e-8,
    ];
    const D: [f64; 8] = [
        1.574_492_611_070_983_5e1,
        1.176_939_508_913_125_0e2,
        5.371_811_018_620_098_6e2,
        1.621_389_574_566_690_2e3,
        3.290_799_235_733_459_7e3,
        4.362_619_090_143_247_2e3,
        3.439_367_674_143_721_6e3,
        1.230_339_354_803_749_4e3,
    ];
    let mut num = C[8] * y;
    let mut den = y;
    for i in 0..7 {
        num = (num + C[i]) * y;
        den = (den + D[i]) * y;
    }
    let r = (num + C[7]) / (den + D[7]);
    scaled_exp(y) * r
}

#[allow(clippy::excessive_precision)] // the coefficients as Cody published them
fn erfc_large(y: f64) -> f64 {
    const P: [f64; 6] = [
        3.053_266_349_612_323_4e-1,
        3.603_448_999_498_044_4e-1,
        1.257_817_261_112_292_5e-1,
        1.608_378_514_874_227_7e-2,
        6.587_491_615_298_378_5e-4,
        1.631_538_713_730_709_6e-2,
    ];
    const Q: [f64; 5] = [
        2.568_520_192_289_822_4,
        1.872_952_849_923_460_4,
        5.279_051_029_514_284_1e-1,
        6.051_834_131_244_131_9e-2,
        2.335_204_976_268_691_8e-3,
    ];
    const SQRPI: f64 = 5.641_895_835_477_562_9e-1;
    if y > 26.6 {
        return 0.0;
    }
    let z = 1.0 / (y * y);
    let mut num = P[5] * z;
    let mut den = z;
    for i in 0..4 {
        num = (num + P[i]) * z;
        den = (den + Q[i]) * z;
    }
    let r = z * (num + P[4]) / (den + Q[4]);
    let r = (SQRPI - r) / y;
    scaled_exp(y) * r
}

/// exp(−y²), computed in two parts to keep the precision Cody's method relies on.
fn scaled_exp(y: f64) -> f64 {
    let ysq = (y * 16.0).trunc() / 16.0;
    let del = (y - ysq) * (y + ysq);
    (-ysq * ysq).exp() * (-del).exp()
}

/// Arithmetic mean (0 for an empty slice, as Kayenta reports it).
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 }
}

/// The `p` quantile (0–1) of sorted data by the R-7 estimator (linear interpolation between
/// order statistics; R's and NumPy's default).
pub fn percentile_r7(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Drops the points outside `[min(P1, Q1 − k·IQR), max(P99, Q3 + k·IQR)]` (an IQR detector
/// that never removes more than the outer percentiles would).
pub fn without_outliers(xs: &[f64], k: f64) -> Vec<f64> {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (q1, q3) = (percentile_r7(&sorted, 0.25), percentile_r7(&sorted, 0.75));
    let iqr = q3 - q1;
    let low = percentile_r7(&sorted, 0.01).min(q1 - k * iqr);
    let high = percentile_r7(&sorted, 0.99).max(q3 + k * iqr);
    xs.iter().copied().filter(|x| (low..=high).contains(x)).collect()
}

/// Average ranks (1-based; ties share their mean rank) and the sizes of the tie groups.
pub fn average_ranks(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && values[order[j]] == values[order[i]] {
            j += 1;
        }
        // Positions i..j (0-based) hold equal values: ranks i+1..=j, mean (i+1+j)/2.
        let rank = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = rank;
        }
        ties.push(j - i);
        i = j;
    }
    (ranks, ties)
}

/// The probability that a canary point exceeds a baseline point, ties counting half
/// (the common-language effect size; 0.5 is no effect).
pub fn cles(canary: &[f64], baseline: &[f64]) -> f64 {
    let (m, n) = (canary.len() as f64, baseline.len() as f64);
    if m == 0.0 || n == 0.0 {
        return f64::NAN;
    }
    let pooled: Vec<f64> = canary.iter().chain(baseline).copied().collect();
    let (ranks, _) = average_ranks(&pooled);
    let r1: f64 = ranks[..canary.len()].iter().sum();
    (2.0 * r1 - m * (m + 1.0)) / (2.0 * n * m)
}

/// A shift of the canary's location against the baseline's, with its confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shift {
    /// The Hodges-Lehmann estimate (the root of the centred statistic).
    pub estimate: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The standardised rank-sum statistic of `x − d` against `y`, less `z`: decreasing in `d`.
/// `correct`: with the continuity correction (the interval has it, the estimate does not).
fn centred(x: &[f64], y: &[f64], d: f64, z: f64, correct: bool) -> Result<f64, StatsError> {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let pooled: Vec<f64> = x.iter().map(|v| v - d).chain(y.iter().copied()).collect();
    let (ranks, ties) = average_ranks(&pooled);
    let w: f64 = ranks[..x.len()].iter().sum::<f64>() - nx * (nx + 1.0) / 2.0 - nx * ny / 2.0;
    let correction = if !correct {
        0.0
    } else if w > 0.0 {
        0.5
    } else if w < 0.0 {
        -0.5
    } else {
        0.0
    };
    let n = nx + ny;
    let tie_term: f64 = ties.iter().map(|&t| (t as f64).powi(3) - t as f64).sum::<f64>() / (n * (n - 1.0));
    let sigma = (nx * ny / 12.0 * ((n + 1.0) - tie_term)).sqrt();
    if sigma == 0.0 || sigma.is_nan() {
        return Err(StatsError::AllTied);
    }
    Ok((w - correction) / sigma - z)
}

/// The root of `f` in `[a, b]` (f(a) and f(b) of opposite signs) by Brent's method, in the
/// form of his book's `zeroin` (the one R's `uniroot` runs): where `f` is zero over a whole
/// interval, as the rank statistic is, the same steps land on the same point.
fn brent(
    mut f: impl FnMut(f64) -> Result<f64, StatsError>,
    (mut a, mut fa): (f64, f64),
    (mut b, mut fb): (f64, f64),
    tol: f64,
) -> Result<f64, StatsError> {
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    let (mut c, mut fc) = (a, fa);
    for _ in 0..=1000 {
        let prev_step = b - a;
        if fc.abs() < fb.abs() {
            (a, fa) = (b, fb);
            (b, fb) = (c, fc);
            (c, fc) = (a, fa);
        }
        let tol_act = 2.0 * f64::EPSILON * b.abs() + tol / 2.0;
        let mut new_step = (c - b) / 2.0;
        if new_step.abs() <= tol_act || fb == 0.0 {
            return Ok(b);
        }
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            // Interpolate: secant with two points, inverse quadratic with three.
            let cb = c - b;
            let (mut p, mut q);
            if a == c {
                let t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                let (qa, t1, t2) = (fa / fc, fb / fc, fb / fa);
                p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1.0));
                q = (qa - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < 0.75 * cb * q - (tol_act * q).abs() / 2.0 && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }
        if new_step.abs() < tol_act {
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        (a, fa) = (b, fb);
        b += new_step;
        fb = f(b)?;
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            (c, fc) = (a, fa);
        }
    }
    Ok(b)
}

/// The Wilcoxon rank-sum confidence interval (two-sided, at `confidence`) and estimate of the
/// shift `x − y`, asymptotic with tie and continuity corrections, roots found by Brent's
/// method to 1e-4 — as R's `wilcox.test(x, y, conf.int = TRUE, exact = FALSE)`.
pub fn wilcoxon_shift(x: &[f64], y: &[f64], confidence: f64) -> Result<Shift, StatsError> {
    if x.is_empty() || y.is_empty() {
        return Err(StatsError::Empty);
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(StatsError::NotFinite);
    }
    let fold = |f: fn(f64, f64) -> f64, s: &[f64], init: f64| s.iter().copied().fold(init, f);
    let lo = fold(f64::min, x, f64::INFINITY) - fold(f64::max, y, f64::NEG_INFINITY);
    let hi = fold(f64::max, x, f64::NEG_INFINITY) - fold(f64::min, y, f64::INFINITY);
    let root = |z: f64, correct: bool| -> Result<f64, StatsError> {
        let (f_lo, f_hi) = (centred(x, y, lo, z, correct)?, centred(x, y, hi, z, correct)?);
        if f_lo <= 0.0 {
            return Ok(lo);
        }
        if f_hi >= 0.0 {
            return Ok(hi);
        }
        brent(|d| centred(x, y, d, z, correct), (lo, f_lo), (hi, f_hi), 1e-4)
    };
    let q = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    Ok(Shift { estimate: root(0.0, false)?, low: root(q, true)?, high: root(-q, true)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn normal_quantiles_match_published_values() {
        for (p, want) in [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.99, 2.326_347_874_040_841),
            (0.995, 2.575_829_303_548_901),
            (0.01, -2.326_347_874_040_841),
            (0.001, -3.090_232_306_167_814),
            (1e-10, -6.361_340_902_404_056),
        ] {
            let got = normal_quantile(p);
            assert!(close(got, want, 1e-12 * want.abs().max(1.0)), "Φ⁻¹({p}) = {got}, want {want}");
        }
        assert!(normal_quantile(0.0).is_infinite() && normal_quantile(1.5).is_nan());
    }

    #[test]
    fn erfc_matches_published_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.3, 0.671_373_240_540_872_6),
            (1.0, 0.157_299_207_050_285_1),
            (3.0, 2.209_049_699_858_544e-5),
            (-1.0, 1.842_700_792_949_715),
        ] {
            assert!(
                close(erfc(x), want, 1e-14 * want.max(1e-300) + 1e-16),
                "erfc({x}) = {}, want {want}",
                erfc(x)
            );
        }
    }

    #[test]
    fn ranks_average_ties() {
        let (r, t) = average_ranks(&[3.0, 1.0, 3.0, 2.0, 3.0]);
        assert_eq!(r, vec![4.0, 1.0, 4.0, 2.0, 4.0]);
        assert_eq!(t, vec![1, 1, 3]);
    }

    #[test]
    fn r7_percentiles_and_fences() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile_r7(&s, 0.25), 1.75);
        assert_eq!(percentile_r7(&s, 0.5), 2.5);
        let mut data: Vec<f64> = (1..=20).map(f64::from).collect();
        data.push(500.0);
        let kept = without_outliers(&data, 3.0);
        assert_eq!(kept.len(), 20, "the one far point goes: {kept:?}");
    }

    #[test]
    fn cles_is_half_for_identical_series() {
        assert_eq!(cles(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.5);
        assert_eq!(cles(&[10.0, 11.0], &[1.0, 2.0]), 1.0);
        assert_eq!(cles(&[1.0], &[2.0]), 0.0);
    }

    /// Values printed by R 4.2 (Debian's r-base-core) for
    /// `wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE, conf.level = c)`.
    #[test]
    #[allow(clippy::approx_constant)] // 3.14 is a measurement, not π
    fn shift_intervals_match_r() {
        type Case = (&'static [f64], &'static [f64], f64, [f64; 3]);
        let cases: [Case; 5] = [
            (
                &[1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30],
                &[0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29],
                0.95,
                [0.560_056_160_8, -0.369_977_374_7, 1.182_970_774],
            ),
            (
                &[10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0],
                &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
                0.98,
                [9.0, 5.000_006_562, 12.999_993_44],
            ),
            (
                &[1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0],
                &[2.0, 3.0, 3.0, 4.0, 4.0, 4.0, 5.0, 5.0, 6.0, 7.0],
                0.98,
                [-1.000_047_957, -3.000_018_497, 6.252_800_051e-5],
            ),
            (
                &[0.21, 0.25, 0.19, 0.30, 0.27, 0.22, 0.24, 0.26],
                &[0.20, 0.21, 0.18, 0.22, 0.19, 0.23, 0.20, 0.21, 0.22, 0.19],
                0.98,
                [0.04, -3.653_260_103e-5, 0.070_035_841_55],
            ),
            (&[5.0, 5.0, 5.0, 6.0], &[5.0, 5.0, 5.0, 5.0, 6.0, 6.0], 0.95, [-6.830_085_077e-5, -1.0, 1.0]),
        ];
        for (x, y, conf, [est, low, high]) in cases {
            let s = wilcoxon_shift(x, y, conf).unwrap_or_else(|e| panic!("{e}"));
            // Both searches stop within 1e-4 of a jump of a step function.
            let tol = 2e-4 * (1.0 + est.abs().max(high.abs()));
            assert!(close(s.estimate, est, tol), "{x:?} vs {y:?}: estimate {} want {est}", s.estimate);
            assert!(close(s.low, low, tol), "{x:?} vs {y:?}: low {} want {low}", s.low);
            assert!(close(s.high, high, tol), "{x:?} vs {y:?}: high {} want {high}", s.high);
        }
    }

    #[test]
    fn all_tied_is_an_error() {
        assert_eq!(wilcoxon_shift(&[1.0, 1.0], &[1.0, 1.0], 0.95), Err(StatsError::AllTied));
        assert_eq!(wilcoxon_shift(&[], &[1.0], 0.95), Err(StatsError::Empty));
    }
}
