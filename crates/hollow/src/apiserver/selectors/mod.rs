//! Label and field selectors as they arrive in query strings (`?labelSelector=app=web,tier in
//! (a,b),!legacy`, `?fieldSelector=metadata.name=web`).

use std::collections::BTreeMap;

use serde_json::Value;

mod fields;
mod names;
mod parse;

pub use names::{label_key_errors, label_value_errors};

/// One label requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelReq {
    /// `k=v`, `k==v`.
    Eq(String, String),
    /// `k!=v` (also matches when `k` is absent).
    NotEq(String, String),
    /// `k in (a,b)`.
    In(String, Vec<String>),
    /// `k notin (a,b)` (also matches when absent).
    NotIn(String, Vec<String>),
    /// `k`.
    Exists(String),
    /// `!k`.
    DoesNotExist(String),
    /// `k>n` / `k<n` (integer values).
    Gt(String, i64),
    /// `k<n`.
    Lt(String, i64),
}

/// A parsed label selector (requirements ANDed; empty matches everything).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<LabelReq>);

impl LabelSelector {
    /// Parses the query-string form (apimachinery `labels.Parse`).
    pub fn parse(s: &str) -> Result<Self, String> {
        parse::parse(s).map(Self)
    }

    /// Whether an object's labels match.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            LabelReq::Eq(k, v) => labels.get(k) == Some(v),
            LabelReq::NotEq(k, v) => labels.get(k) != Some(v),
            LabelReq::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            LabelReq::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            LabelReq::Exists(k) => labels.contains_key(k),
            LabelReq::DoesNotExist(k) => !labels.contains_key(k),
            LabelReq::Gt(k, n) => labels.get(k).and_then(|v| v.parse::<i64>().ok()).is_some_and(|v| v > *n),
            LabelReq::Lt(k, n) => labels.get(k).and_then(|v| v.parse::<i64>().ok()).is_some_and(|v| v < *n),
        })
    }
}

/// A parsed field selector: `field=value` / `field!=value` terms, ANDed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector(pub Vec<(String, bool, String)>);

impl LabelSelector {
    /// A `metav1.LabelSelector` object (`matchLabels` and `matchExpressions`, ANDed), as
    /// `LabelSelectorAsSelector` converts it. Errors on an unknown operator or on values that
    /// do not fit the operator.
    pub fn from_object(sel: &Value) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for (k, v) in sel.get("matchLabels").and_then(Value::as_object).into_iter().flatten() {
            let v = v.as_str().ok_or_else(|| format!("matchLabels[{k}] must be a string"))?;
            reqs.push(LabelReq::Eq(k.clone(), v.to_string()));
        }
        for e in sel.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
            let key = e["key"].as_str().unwrap_or_default().to_string();
            let values: Vec<String> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let op = e["operator"].as_str().unwrap_or_default();
            reqs.push(match op {
                "In" | "NotIn" if values.is_empty() => {
                    return Err(format!("{key}: for 'in', 'notin' operators, values set can't be empty"));
                }
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    return Err(format!("{key}: values set must be empty for exists and does not exist"));
                }
                "In" => LabelReq::In(key, values),
                "NotIn" => LabelReq::NotIn(key, values),
                "Exists" => LabelReq::Exists(key),
                "DoesNotExist" => LabelReq::DoesNotExist(key),
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            });
        }
        Ok(Self(reqs))
    }

    /// The selector in query syntax: `app=web,tier in (a,b),!legacy`.
    pub fn to_query(&self) -> String {
        let term = |r: &LabelReq| match r {
            LabelReq::Eq(k, v) => format!("{k}={v}"),
            LabelReq::NotEq(k, v) => format!("{k}!={v}"),
            LabelReq::In(k, vs) => format!("{k} in ({})", vs.join(",")),
            LabelReq::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
            LabelReq::Exists(k) => k.clone(),
            LabelReq::DoesNotExist(k) => format!("!{k}"),
            LabelReq::Gt(k, n) => format!("{k}>{n}"),
            LabelReq::Lt(k, n) => format!("{k}<{n}"),
        };
        self.0.iter().map(term).collect::<Vec<_>>().join(",")
    }
}

/// Whether an object's labels satisfy a `metav1.LabelSelector` object; a malformed selector
/// selects nothing.
pub fn object_selects(sel: &Value, obj: &Value) -> bool {
    LabelSelector::from_object(sel).is_ok_and(|s| s.matches(&labels_of(obj)))
}

/// An object's labels.
pub fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    obj.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn every_operator() {
        let labels = l(&[("app", "web"), ("tier", "front"), ("rank", "3")]);
        for (sel, want) in [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("missing!=x", true),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("missing notin (x)", true),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("rank>2", true),
            ("rank<2", false),
            ("app=web,tier in (back)", false),
            ("", true),
        ] {
            assert_eq!(LabelSelector::parse(sel).unwrap().matches(&labels), want, "{sel}");
        }
        assert!(LabelSelector::parse("tier in front").is_err());
        assert!(LabelSelector::parse("a in ()").unwrap().matches(&l(&[("a", "")])));
    }
}
