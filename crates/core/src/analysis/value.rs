//! A measured value — a number or a vector — and its text form in an AnalysisRun's status
//! (`0.97`, `[0.9, NaN, 1]`; JSON has no NaN, and a shadow of the value must read back
//! exactly for `ramp analysis replay`).

use std::fmt;

use super::expr;

/// A measured value.
#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    /// A scalar (or a one-element instant vector).
    Number(f64),
    /// A vector (instant vector of several series, or a range's values).
    Vector(Vec<f64>),
}

/// Text that is not a [`Sample`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a recorded value: {0:?}")]
pub struct SampleError(pub String);

impl Sample {
    /// No data: an empty vector, or nothing but NaN.
    pub fn is_no_data(&self) -> bool {
        match self {
            Sample::Number(n) => n.is_nan(),
            Sample::Vector(v) => v.iter().all(|n| n.is_nan()),
        }
    }

    /// The values, in order.
    pub fn values(&self) -> &[f64] {
        match self {
            Sample::Number(n) => std::slice::from_ref(n),
            Sample::Vector(v) => v,
        }
    }

    /// Sum of the values that are numbers (0 for none).
    pub fn total(&self) -> f64 {
        self.values().iter().filter(|n| !n.is_nan()).sum()
    }

    /// As the threshold language's `result`.
    pub fn to_expr(&self) -> expr::Value {
        match self {
            Sample::Number(n) => expr::Value::Number(*n),
            Sample::Vector(v) => expr::Value::Numbers(v.clone()),
        }
    }

    /// Reads the text form back.
    pub fn parse(text: &str) -> Result<Self, SampleError> {
        let bad = || SampleError(text.to_string());
        let t = text.trim();
        if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            if inner.trim().is_empty() {
                return Ok(Sample::Vector(Vec::new()));
            }
            let v: Result<Vec<f64>, _> = inner.split(',').map(|x| number(x.trim()).ok_or_else(bad)).collect();
            return v.map(Sample::Vector);
        }
        number(t).map(Sample::Number).ok_or_else(bad)
    }
}

fn number(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok().filter(|n: &f64| n.is_finite()),
    }
}

fn write_number(f: &mut fmt::Formatter<'_>, n: f64) -> fmt::Result {
    if n.is_nan() {
        f.write_str("NaN")
    } else if n == f64::INFINITY {
        f.write_str("+Inf")
    } else if n == f64::NEG_INFINITY {
        f.write_str("-Inf")
    } else {
        // Shortest text that reads back to the same f64.
        write!(f, "{n}")
    }
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sample::Number(n) => write_number(f, *n),
            Sample::Vector(v) => {
                f.write_str("[")?;
                for (i, n) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_number(f, *n)?;
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_exactly() {
        for s in [
            Sample::Number(0.1 + 0.2),
            Sample::Number(-3.0),
            Sample::Vector(vec![]),
            Sample::Vector(vec![1.5, f64::INFINITY, 1e-300]),
        ] {
            assert_eq!(Sample::parse(&s.to_string()), Ok(s.clone()), "{s}");
        }
        let nan = Sample::parse("[NaN, 2]").unwrap_or(Sample::Number(0.0));
        assert!(matches!(&nan, Sample::Vector(v) if v[0].is_nan() && v[1] == 2.0));
        assert!(
            Sample::parse("1e999").is_err()
                && Sample::parse("[1,,2]").is_err()
                && Sample::parse("x").is_err()
        );
    }

    #[test]
    fn no_data_is_empty_or_all_nan() {
        assert!(Sample::Vector(vec![]).is_no_data());
        assert!(Sample::Number(f64::NAN).is_no_data());
        assert!(Sample::Vector(vec![f64::NAN, f64::NAN]).is_no_data());
        assert!(!Sample::Vector(vec![f64::NAN, 0.0]).is_no_data());
        assert!(!Sample::Number(0.0).is_no_data());
    }
}
