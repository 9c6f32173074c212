//! RBAC policy rules and how one is matched against a request: `RuleAllows` and its helpers.
//! Pure functions of a rule and the request's attributes.
//!
//! - verbs: `*` or the exact verb; any verb a rule names works, so custom verbs such as
//!   `approve` on `rollouts` are granted like `get`;
//! - apiGroups: `*` or the exact group (`""` is the core group);
//! - resources: `*`, the exact `resource` or `resource/subresource`, or `*/subresource`;
//!   `pods` does not grant `pods/status`;
//! - resourceNames: empty (any name) or one of them; a request without a name (list,
//!   create) is not granted by a rule with names;
//! - nonResourceURLs: `*`, the exact path, or a prefix ending in `*`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::attributes::RequestAttributes;

/// `rbac.authorization.k8s.io/v1` PolicyRule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicyRule {
    /// Verbs (`*` for all).
    pub verbs: Vec<String>,
    /// API groups (`*` for all, `""` core).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// Resources, `resource/subresource`, `*/subresource` or `*`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Names the rule is limited to (empty: any).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// Non-resource paths (`/healthz`, `/apis/*`, `*`).
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// A resource rule.
    pub fn resources(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Self {
        Self {
            verbs: strings(verbs),
            api_groups: strings(groups),
            resources: strings(resources),
            ..Self::default()
        }
    }

    /// A non-resource rule.
    pub fn urls(verbs: &[&str], urls: &[&str]) -> Self {
        Self { verbs: strings(verbs), non_resource_urls: strings(urls), ..Self::default() }
    }

    /// The same rule limited to `names`.
    #[must_use]
    pub fn names(mut self, names: &[&str]) -> Self {
        self.resource_names = strings(names);
        self
    }

    /// The rules of a Role or ClusterRole object (`rules`), skipping any that do not parse (the
    /// server refuses those on write, so only a hand-made store can hold one).
    pub fn of_role(role: &Value) -> Vec<Self> {
        role.get("rules")
            .and_then(Value::as_array)
            .map(|rules| rules.iter().filter_map(|r| serde_json::from_value(r.clone()).ok()).collect())
            .unwrap_or_default()
    }

    /// The rule as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Whether this rule grants `request` (`RuleAllows`).
    pub fn allows(&self, request: &RequestAttributes) -> bool {
        if !verb_matches(self, &request.verb) {
            return false;
        }
        match &request.resource {
            Some(r) => {
                api_group_matches(self, &r.group)
                    && resource_matches(self, &r.combined_resource(), &r.subresource)
                    && resource_name_matches(self, &r.name)
            }
            None => non_resource_url_matches(self, &request.path),
        }
    }
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| (*x).to_string()).collect()
}

fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == "*" || v == verb)
}

fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    rule.api_groups.iter().any(|g| g == "*" || g == group)
}

fn resource_matches(rule: &PolicyRule, combined: &str, subresource: &str) -> bool {
    rule.resources.iter().any(|r| {
        r == "*"
            || r == combined
            || (!subresource.is_empty()
                && r.len() == subresource.len() + 2
                && r.starts_with("*/")
                && r.ends_with(subresource))
    })
}

fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == name)
}

fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    rule.non_resource_urls
        .iter()
        .any(|u| u == "*" || u == path || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*'))))
}
