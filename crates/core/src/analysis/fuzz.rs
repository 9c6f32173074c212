//! Property tests over inputs nobody would write: the condition language, the value text and
//! the judges take arbitrary input without panicking, errors point inside the source, and no
//! judge turns NaN or infinity into a verdict it cannot explain.

use proptest::prelude::*;

use super::{compare, expr::Expr, sequential, value::Sample};
use crate::api::analysis::{CompareJudge, SequentialJudge, SequentialKind};

/// Pieces of the language, glued at random: most sequences are wrong in some way.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "result", "1", "0.5", "-", "+", "*", "/", "(", ")", "[", "]", "0", "2", "<", "<=", ">", ">=", "==",
        "!=", "and", "or", "not", "all", "any", "len", "min", "max", "true", "false", "1e308", "NaN", ",",
        ".", " ",
    ])
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), -1e6f64..1e6,]
}

fn result_value() -> impl Strategy<Value = Sample> {
    prop_oneof![
        number().prop_map(Sample::Number),
        prop::collection::vec(number(), 0..6).prop_map(Sample::Vector)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_parses_or_says_where(src in "\\PC{0,120}") {
        if let Err(e) = Expr::parse(&src) {
            prop_assert!(e.at <= src.len(), "error at {} past the end of {src:?}", e.at);
        }
    }

    #[test]
    fn token_soup_parses_and_evaluates_without_panicking(
        tokens in prop::collection::vec(token(), 0..40),
        v in result_value(),
    ) {
        let src = tokens.join(" ");
        match Expr::parse(&src) {
            Ok(e) => { let _ = e.holds(&v.to_expr()); }
            Err(e) => prop_assert!(e.at <= src.len()),
        }
    }

    #[test]
    fn nesting_is_bounded(depth in 0usize..5000) {
        let src = format!("{}result{}", "(".repeat(depth), ")".repeat(depth));
        let _ = Expr::parse(&src);
    }

    #[test]
    fn recorded_values_read_back(v in result_value()) {
        let text = v.to_string();
        let back = Sample::parse(&text);
        prop_assert!(back.is_ok(), "{text}");
        let back = back.unwrap_or(Sample::Number(0.0));
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        prop_assert!(back.values().len() == v.values().len());
        prop_assert!(back.values().iter().zip(v.values()).all(|(a, b)| same(*a, *b)), "{text}");
    }

    #[test]
    fn the_compare_judge_explains_every_class(
        canary in prop::collection::vec(number(), 0..30),
        baseline in prop::collection::vec(number(), 0..30),
    ) {
        let s = compare::Settings::of(&CompareJudge::default()).unwrap_or_else(|e| panic!("{e}"));
        let c = compare::classify(&s, &canary, &baseline);
        prop_assert!(!c.reason.is_empty());
        if let Some(shift) = c.shift {
            prop_assert!(!shift.low.is_nan() && !shift.high.is_nan() && !shift.estimate.is_nan(), "{c:?}");
            prop_assert!(shift.low <= shift.high, "{c:?}");
        }
    }

    #[test]
    fn the_sequential_judges_never_decide_on_nonsense(
        steps in prop::collection::vec((number(), number(), number()), 0..30),
        pairs in prop::collection::vec((number(), number()), 0..30),
    ) {
        let s = sequential::Settings::of(&SequentialJudge::default()).unwrap_or_else(|e| panic!("{e}"));
        let readings: Vec<sequential::Reading> = steps
            .iter()
            .map(|&(e, r, share)| sequential::Reading {
                canary_events: e, canary_requests: r, stable_events: e.abs(), stable_requests: r.abs(), share: Some(share),
            })
            .collect();
        let intervals = sequential::intervals(&readings);
        for i in &intervals {
            prop_assert!(i.share > 0.0 && i.share < 1.0 && i.canary >= 0.0 && i.stable >= 0.0, "{i:?}");
        }
        let d = sequential::count_test(&s, &intervals);
        prop_assert!(d.e_regression >= 0.0 && d.e_no_regression >= 0.0, "{d:?}");
        let c = sequential::Settings::of(&SequentialJudge { kind: Some(SequentialKind::Continuous), ..SequentialJudge::default() })
            .unwrap_or_else(|e| panic!("{e}"));
        let d = sequential::continuous_test(&c, &pairs);
        prop_assert!(d.outcome == sequential::continuous_outcome(&c, &pairs), "{d:?}");
    }
}
