//! `analysis_expr`: the threshold judge's condition language. The input's first line is a
//! condition, the rest a measured value in its recorded text form (`0.97`, `[1, NaN, +Inf]`).
//!
//! Checks: no panic; a refused condition points inside its source; a parsed one evaluates
//! (to a boolean or an error) against the value and against NaN, infinities, an empty and a
//! long vector; the threshold judge gives a verdict with a reason; a recorded value that
//! reads reads back the same after it is written again.

use ramp::{
    analysis::{expr::Expr, threshold, value::Sample},
    api::analysis::ThresholdJudge,
};

/// Values every condition is also evaluated against: the edges of f64 and of vectors.
fn edge_values() -> Vec<Sample> {
    vec![
        Sample::Number(f64::NAN),
        Sample::Number(f64::INFINITY),
        Sample::Number(f64::NEG_INFINITY),
        Sample::Number(-0.0),
        Sample::Number(f64::MAX),
        Sample::Vector(Vec::new()),
        Sample::Vector(vec![f64::NAN, 1.0, f64::NEG_INFINITY]),
        Sample::Vector((0..4096).map(f64::from).collect()),
    ]
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (src, value_text) = text.split_once('\n').unwrap_or((text, ""));
    let value = Sample::parse(value_text).ok();
    if let Some(v) = &value {
        reads_back(v);
    }
    match Expr::parse(src) {
        Err(e) => assert!(e.at <= src.len(), "error at {} past the end of {src:?}", e.at),
        Ok(e) => {
            for v in value.iter().cloned().chain(edge_values()) {
                if let Err(err) = e.holds(&v.to_expr()) {
                    assert!(err.at <= src.len(), "error at {} past the end of {src:?}", err.at);
                }
            }
        }
    }
    let judges = [
        ThresholdJudge { success_condition: Some(src.into()), failure_condition: None },
        ThresholdJudge { success_condition: None, failure_condition: Some(src.into()) },
        ThresholdJudge { success_condition: Some(src.into()), failure_condition: Some(src.into()) },
    ];
    for j in &judges {
        let _ = threshold::check(j);
        for v in value.iter().cloned().chain(edge_values().into_iter().take(3)) {
            let judged = threshold::judge(j, &v);
            assert!(!judged.message.is_empty(), "{j:?} on {v} gave no reason");
        }
    }
}

fn reads_back(v: &Sample) {
    let text = v.to_string();
    let back = Sample::parse(&text);
    let same = |a: &f64, b: &f64| a == b || (a.is_nan() && b.is_nan());
    assert!(
        back.as_ref().is_ok_and(|b| b.values().len() == v.values().len()
            && b.values().iter().zip(v.values()).all(|(a, b)| same(a, b))),
        "{v:?} written as {text:?} reads back as {back:?}"
    );
}
