//! Label and field selectors as they arrive in query strings (`?labelSelector=app=web,tier in
//! (a,b),!legacy`, `?fieldSelector=metadata.name=web`).

use std::collections::BTreeMap;

use serde_json::Value;

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

/// Splits on commas that are not inside parentheses.
fn terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter().map(str::trim).filter(|t| !t.is_empty()).collect()
}

fn values(list: &str) -> Result<Vec<String>, String> {
    let inner = list
        .trim()
        .strip_prefix('(')
        .and_then(|l| l.strip_suffix(')'))
        .ok_or_else(|| format!("values must be in parentheses: {list:?}"))?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect())
}

impl LabelSelector {
    /// Parses the query-string form.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for t in terms(s) {
            let req = if let Some(k) = t.strip_prefix('!') {
                LabelReq::DoesNotExist(k.trim().to_string())
            } else if let Some((k, v)) = t.split_once("!=") {
                LabelReq::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = t.split_once("==") {
                LabelReq::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = t.split_once('=') {
                LabelReq::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = t.split_once(" notin ") {
                LabelReq::NotIn(k.trim().into(), values(v)?)
            } else if let Some((k, v)) = t.split_once(" in ") {
                LabelReq::In(k.trim().into(), values(v)?)
            } else if let Some((k, v)) = t.split_once('>') {
                LabelReq::Gt(
                    k.trim().into(),
                    v.trim().parse().map_err(|_| format!("invalid integer in {t:?}"))?,
                )
            } else if let Some((k, v)) = t.split_once('<') {
                LabelReq::Lt(
                    k.trim().into(),
                    v.trim().parse().map_err(|_| format!("invalid integer in {t:?}"))?,
                )
            } else if t.chars().all(|c| c.is_alphanumeric() || "-_./".contains(c)) {
                LabelReq::Exists(t.to_string())
            } else {
                return Err(format!("unable to parse requirement: {t:?}"));
            };
            reqs.push(req);
        }
        Ok(Self(reqs))
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

impl FieldSelector {
    /// Parses and checks the fields against those the resource supports.
    pub fn parse(s: &str, supported: &[String]) -> Result<Self, String> {
        let mut out = Vec::new();
        for t in terms(s) {
            let (field, equal, value) = if let Some((f, v)) = t.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = t.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = t.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!("invalid field selector: {t:?}"));
            };
            let field = field.trim();
            if field != "metadata.name"
                && field != "metadata.namespace"
                && !supported.iter().any(|f| f == field)
            {
                return Err(format!("field label not supported: {field}"));
            }
            out.push((field.to_string(), equal, value.trim().to_string()));
        }
        Ok(Self(out))
    }

    /// Whether an object matches.
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| {
            let ptr = format!("/{}", field.replace('.', "/"));
            let actual = match obj.pointer(&ptr) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (actual == *value) == *equal
        })
    }
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
    }

    #[test]
    fn field_selectors_check_supported_fields() {
        let obj =
            serde_json::json!({"metadata": {"name": "a", "namespace": "n"}, "status": {"phase": "Running"}});
        let phase = vec!["status.phase".to_string()];
        assert!(FieldSelector::parse("status.phase=Running,metadata.name=a", &phase).unwrap().matches(&obj));
        assert!(!FieldSelector::parse("status.phase!=Running", &phase).unwrap().matches(&obj));
        assert!(FieldSelector::parse("spec.bogus=x", &phase).is_err());
    }
}
