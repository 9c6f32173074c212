//! Small SVG charts, drawn on the server: traffic weight over time, and a metric's
//! measurements against its threshold. Colours come from the stylesheet (classes only: the
//! content security policy allows no inline styles).

use std::fmt::Write;

use super::esc;
use crate::dashboard::{analysis_view::MetricView, history::WeightSample};

const W: f64 = 900.0;
const H: f64 = 180.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 22.0;

fn x_at(frac: f64) -> f64 {
    LEFT + frac.clamp(0.0, 1.0) * (W - LEFT - RIGHT)
}

fn y_at(frac: f64) -> f64 {
    TOP + (1.0 - frac.clamp(0.0, 1.0)) * (H - TOP - BOTTOM)
}

fn open(out: &mut String, label: &str) {
    let _ =
        write!(out, r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"#, esc(label));
}

/// A step line through `(x, y)` fractions.
fn steps_path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            let _ = write!(d, "M{:.1},{:.1}", x_at(*x), y_at(*y));
        } else {
            let _ = write!(d, " H{:.1} V{:.1}", x_at(*x), y_at(*y));
        }
    }
    d
}

/// Weight (set, dashed; achieved, solid) from the first sample to `now`, 0–100 %.
pub fn weights(samples: &[WeightSample], now: jiff::Timestamp) -> String {
    let mut out = String::new();
    open(&mut out, "traffic weight over time");
    for pct in [0, 50, 100] {
        let y = y_at(f64::from(pct) / 100.0);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{pct}%</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            y + 4.0
        );
    }
    let Some(first) = samples.first() else {
        let _ = write!(
            out,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">no weight changes seen yet</text></svg>"#,
            W / 2.0,
            H / 2.0
        );
        return out;
    };
    let start = first.at;
    let end = now.max(samples.last().map_or(start, |s| s.at));
    let span = (end.as_millisecond() - start.as_millisecond()).max(1) as f64;
    let frac = |t: jiff::Timestamp| (t.as_millisecond() - start.as_millisecond()) as f64 / span;
    for (class, pick) in [
        ("set", (|s: &WeightSample| s.weight) as fn(&WeightSample) -> Option<i32>),
        ("achieved", |s: &WeightSample| s.achieved.or(s.weight)),
    ] {
        let mut pts: Vec<(f64, f64)> =
            samples.iter().filter_map(|s| pick(s).map(|w| (frac(s.at), f64::from(w) / 100.0))).collect();
        if let Some(&(_, y)) = pts.last() {
            pts.push((1.0, y));
            let _ = write!(out, r#"<path class="line {class}" d="{}"/>"#, steps_path(&pts));
        }
    }
    let label = |t: jiff::Timestamp| t.strftime("%H:%M:%S").to_string();
    let _ = write!(
        out,
        r#"<text class="axis" x="{LEFT}" y="{}">{}</text><text class="axis" x="{}" y="{}" text-anchor="end">{}</text></svg>"#,
        H - 6.0,
        label(start),
        W - RIGHT,
        H - 6.0,
        label(end)
    );
    out
}

/// A metric's measurements (one point each, coloured by what it counted as) against its
/// threshold (dashed), on a scale that shows both.
pub fn metric(m: &MetricView) -> String {
    let mut out = String::new();
    open(&mut out, &format!("measurements of {}", m.name));
    let values: Vec<(usize, f64, &str)> = m
        .measurements
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.value.map(|v| (i, v, p.phase.as_str())))
        .collect();
    let mut lo = values.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().map(|v| v.1).fold(f64::NEG_INFINITY, f64::max);
    if let Some(t) = &m.threshold {
        lo = lo.min(t.value);
        hi = hi.max(t.value);
    }
    if !lo.is_finite() || !hi.is_finite() {
        let _ = write!(
            out,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">no numeric measurements yet</text></svg>"#,
            W / 2.0,
            H / 2.0
        );
        return out;
    }
    if (hi - lo).abs() < f64::EPSILON {
        let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        lo -= pad;
        hi += pad;
    }
    // A margin of a tenth of the range, never below zero for values that are not.
    let pad = (hi - lo) * 0.1;
    lo = if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad };
    hi += pad;
    let yf = |v: f64| (v - lo) / (hi - lo);
    for v in [lo, hi] {
        let _ = write!(
            out,
            r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 4.0,
            y_at(yf(v)) + 4.0,
            short(v)
        );
    }
    if let Some(t) = &m.threshold {
        let y = y_at(yf(t.value));
        let _ = write!(
            out,
            r#"<line class="threshold" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="axis threshold-label" x="{}" y="{:.1}" text-anchor="end">{} {}</text>"#,
            W - RIGHT,
            W - RIGHT,
            y - 4.0,
            esc(&t.op),
            short(t.value)
        );
    }
    let n = m.measurements.len().max(2) - 1;
    let xf = |i: usize| i as f64 / n as f64;
    if values.len() > 1 {
        let pts: Vec<String> =
            values.iter().map(|(i, v, _)| format!("{:.1},{:.1}", x_at(xf(*i)), y_at(yf(*v)))).collect();
        let _ = write!(out, r#"<polyline class="line measured" points="{}"/>"#, pts.join(" "));
    }
    for (i, v, phase) in &values {
        let _ = write!(
            out,
            r#"<circle class="point {}" cx="{:.1}" cy="{:.1}" r="3.5"><title>{} ({})</title></circle>"#,
            esc(&phase.to_ascii_lowercase()),
            x_at(xf(*i)),
            y_at(yf(*v)),
            short(*v),
            esc(phase)
        );
    }
    out.push_str("</svg>");
    out
}

/// A number in at most 4 significant digits.
fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() < 0.001 || v.abs() >= 100_000.0) {
        format!("{v:.2e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::analysis_view::{Point, Threshold};

    #[test]
    fn a_weight_chart_has_a_line_per_series_and_ends_now() {
        let t = |s| jiff::Timestamp::from_second(s).unwrap();
        let samples = vec![
            WeightSample { at: t(0), weight: Some(20), achieved: Some(10), step: Some(0) },
            WeightSample { at: t(10), weight: Some(50), achieved: Some(50), step: Some(2) },
        ];
        let svg = weights(&samples, t(20));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<path").count(), 2, "{svg}");
        assert!(svg.contains(r#"class="line achieved""#));
        assert!(weights(&[], t(0)).contains("no weight changes"));
    }

    #[test]
    fn a_metric_chart_draws_its_threshold() {
        let m = MetricView {
            name: "errors".into(),
            phase: "Running".into(),
            message: String::new(),
            condition: "result < 0.05".into(),
            threshold: Some(Threshold { op: "<".into(), value: 0.05, success: true }),
            measurements: [0.01, 0.02, 0.09]
                .iter()
                .map(|v| Point {
                    at: String::new(),
                    value: Some(*v),
                    raw: v.to_string(),
                    phase: "Successful".into(),
                })
                .collect(),
        };
        let svg = metric(&m);
        assert!(svg.contains(r#"class="threshold""#), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(short(0.05), "0.05");
        assert_eq!(short(1500.0), "1500");
    }
}
