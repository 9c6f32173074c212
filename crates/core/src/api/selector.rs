//! Label selectors: matching labels against a `metav1.LabelSelector` and printing one in the
//! string form used by `?labelSelector=` and the scale subresource's `status.selector`.
//!
//! Semantics follow `metav1.LabelSelectorAsSelector`: `matchLabels` and `matchExpressions`
//! are ANDed; an empty selector matches everything; `In`/`NotIn` need values, `Exists`/
//! `DoesNotExist` must have none; `NotIn` and `DoesNotExist` match labels that are absent.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

/// A selector that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// An operator other than In, NotIn, Exists, DoesNotExist.
    #[error("unknown operator {operator:?} for key {key:?}")]
    UnknownOperator { key: String, operator: String },
    /// In/NotIn without values, or Exists/DoesNotExist with values.
    #[error("operator {operator} for key {key:?} {problem}")]
    BadValues { key: String, operator: String, problem: &'static str },
}

/// Whether `labels` satisfy `selector`.
pub fn matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> Result<bool, SelectorError> {
    if let Some(ml) = &selector.match_labels
        && ml.iter().any(|(k, v)| labels.get(k) != Some(v))
    {
        return Ok(false);
    }
    for req in selector.match_expressions.iter().flatten() {
        if !requirement_matches(req, labels)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn requirement_matches(
    req: &LabelSelectorRequirement,
    labels: &BTreeMap<String, String>,
) -> Result<bool, SelectorError> {
    let values = req.values.as_deref().unwrap_or_default();
    let bad =
        |problem| SelectorError::BadValues { key: req.key.clone(), operator: req.operator.clone(), problem };
    let value = labels.get(&req.key);
    match req.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => Err(bad("needs at least one value")),
        "Exists" | "DoesNotExist" if !values.is_empty() => Err(bad("takes no values")),
        "In" => Ok(value.is_some_and(|v| values.contains(v))),
        "NotIn" => Ok(value.is_none_or(|v| !values.contains(v))),
        "Exists" => Ok(value.is_some()),
        "DoesNotExist" => Ok(value.is_none()),
        other => Err(SelectorError::UnknownOperator { key: req.key.clone(), operator: other.to_string() }),
    }
}

/// Checks every requirement's operator and values.
pub fn check(selector: &LabelSelector) -> Result<(), SelectorError> {
    matches(selector, &BTreeMap::new()).map(|_| ())
}

/// Whether the selector has no terms at all (and so selects everything).
pub fn is_empty(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

/// The selector in `kubectl -l` syntax: `app=web,tier in (a,b),!legacy`.
pub fn to_query(selector: &LabelSelector) -> String {
    let mut terms: Vec<String> = Vec::new();
    for (k, v) in selector.match_labels.iter().flatten() {
        terms.push(format!("{k}={v}"));
    }
    for req in selector.match_expressions.iter().flatten() {
        let values = req.values.as_deref().unwrap_or_default();
        terms.push(match req.operator.as_str() {
            "In" => format!("{} in ({})", req.key, values.join(",")),
            "NotIn" => format!("{} notin ({})", req.key, values.join(",")),
            "DoesNotExist" => format!("!{}", req.key),
            _ => req.key.clone(),
        });
    }
    terms.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn every_operator_matches_like_kubernetes() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let cases = [
            (expr("tier", "In", &["front", "back"]), true),
            (expr("tier", "In", &["back"]), false),
            (expr("tier", "NotIn", &["back"]), true),
            (expr("missing", "NotIn", &["x"]), true),
            (expr("app", "Exists", &[]), true),
            (expr("missing", "Exists", &[]), false),
            (expr("missing", "DoesNotExist", &[]), true),
            (expr("app", "DoesNotExist", &[]), false),
        ];
        for (req, want) in cases {
            let sel = LabelSelector { match_expressions: Some(vec![req.clone()]), ..Default::default() };
            assert_eq!(matches(&sel, &l), Ok(want), "{req:?}");
        }
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let sel = LabelSelector {
            match_labels: Some(labels(&[("app", "web")])),
            match_expressions: Some(vec![expr("tier", "In", &["back"])]),
        };
        assert_eq!(matches(&sel, &labels(&[("app", "web"), ("tier", "front")])), Ok(false));
        assert_eq!(matches(&sel, &labels(&[("app", "web"), ("tier", "back")])), Ok(true));
        assert_eq!(to_query(&sel), "app=web,tier in (back)");
    }

    #[test]
    fn malformed_requirements_are_errors() {
        let sel = |r| LabelSelector { match_expressions: Some(vec![r]), ..Default::default() };
        assert!(check(&sel(expr("a", "In", &[]))).is_err());
        assert!(check(&sel(expr("a", "Exists", &["x"]))).is_err());
        assert!(check(&sel(expr("a", "Near", &["x"]))).is_err());
        assert!(is_empty(&LabelSelector::default()));
    }
}
