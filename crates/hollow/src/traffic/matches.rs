//! HTTPRoute rule `matches` against one synthetic request, and how specific a match is
//! (Gateway API precedence).
//!
//! A match is `{path, headers, queryParams, method}`; its conditions are ANDed, and a rule's
//! matches are ORed. A rule without matches has the one default match, `PathPrefix /`.

use std::collections::BTreeMap;

use serde_json::Value;

/// The method of every synthetic request.
pub(super) const METHOD: &str = "GET";

/// A synthetic request, as far as matching cares.
#[derive(Clone, Copy, Debug)]
pub(super) struct Request<'a> {
    /// URL path, matched as given (requests carry no query parameters).
    pub(super) path: &'a str,
    /// Headers, names lowercased.
    pub(super) headers: &'a BTreeMap<String, String>,
    /// HTTP method.
    pub(super) method: &'a str,
}

/// How specific a match that matched is. The derived order is Gateway API precedence,
/// field by field: an `Exact` path, then the longer path value, then a method match, then
/// more header matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Specificity {
    exact: bool,
    path_len: usize,
    method: bool,
    headers: usize,
}

/// The default match (`PathPrefix /`), used by a rule without matches.
const DEFAULT: Specificity = Specificity { exact: false, path_len: 1, method: false, headers: 0 };

/// The most specific of `rule`'s matches that matches `request`; `None` if none does.
pub(super) fn best_match(rule: &Value, request: &Request) -> Option<Specificity> {
    match rule.get("matches").and_then(Value::as_array) {
        None => Some(DEFAULT),
        Some(matches) if matches.is_empty() => Some(DEFAULT),
        Some(matches) => matches.iter().filter_map(|m| match_one(m, request)).max(),
    }
}

/// One match: all its conditions must hold.
fn match_one(m: &Value, request: &Request) -> Option<Specificity> {
    let (exact, path_len) = path(m.get("path"), request.path)?;
    let method = method(m.get("method"), request.method)?;
    let headers = headers(m.get("headers"), request.headers)?;
    // Synthetic requests have no query parameters, so any queryParams condition fails.
    if m.get("queryParams").and_then(Value::as_array).is_some_and(|q| !q.is_empty()) {
        return None;
    }
    Some(Specificity { exact, path_len, method, headers })
}

/// The path condition (default `PathPrefix /`): `Some((is exact, value length))` if it holds.
/// `RegularExpression` and unknown types are unsupported and never hold.
fn path(condition: Option<&Value>, path: &str) -> Option<(bool, usize)> {
    let field = |k: &str| condition.and_then(|c| c.get(k)).and_then(Value::as_str);
    let value = field("value").unwrap_or("/");
    let exact = match field("type").unwrap_or("PathPrefix") {
        "Exact" => true,
        "PathPrefix" => false,
        _ => return None,
    };
    let holds = if exact { path == value } else { prefix_matches(value, path) };
    holds.then_some((exact, value.len()))
}

/// `PathPrefix` semantics: whole `/`-separated elements, a trailing `/` ignored, so `/foo`
/// matches `/foo`, `/foo/` and `/foo/bar` but not `/foobar`.
pub(super) fn prefix_matches(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The method condition: `Some(true)` if present and equal, `Some(false)` if absent.
fn method(condition: Option<&Value>, method: &str) -> Option<bool> {
    match condition {
        None | Some(Value::Null) => Some(false),
        Some(m) => (m.as_str() == Some(method)).then_some(true),
    }
}

/// The header conditions: `Some(count)` if all hold. Names compare case-insensitively and
/// only the first entry per name counts (as the spec says); values compare exactly.
/// `RegularExpression` and unknown types are unsupported and never hold.
fn headers(conditions: Option<&Value>, headers: &BTreeMap<String, String>) -> Option<usize> {
    let mut seen: Vec<String> = Vec::new();
    for c in conditions.and_then(Value::as_array).into_iter().flatten() {
        let field = |k: &str| c.get(k).and_then(Value::as_str);
        let name = field("name").unwrap_or_default().to_ascii_lowercase();
        if seen.contains(&name) {
            continue;
        }
        let holds = match field("type").unwrap_or("Exact") {
            "Exact" => headers.get(&name).map(String::as_str) == Some(field("value").unwrap_or_default()),
            _ => false,
        };
        if !holds {
            return None;
        }
        seen.push(name);
    }
    Some(seen.len())
}
