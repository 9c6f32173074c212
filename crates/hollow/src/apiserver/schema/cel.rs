//! `x-kubernetes-validations` through `kube-cel`, its errors turned into the causes the API
//! server's CEL validator (`apiextensions-apiserver/pkg/apiserver/schema/cel`) reports:
//! `field.Invalid(path, <schema type>, <message>)` (or Forbidden/Required/Duplicate by the
//! rule's `reason`), the path in `field.Path` form (map keys as `[key]`).
//!
//! Before evaluation, `null` fields of objects are removed (the server treats them as absent
//! and evaluates no rule on a `null`). On update, a failure at a node whose value equals its
//! correlated old value is dropped unless the rule uses `oldSelf` (ratcheting).

use std::sync::Mutex;

use kube_cel::{ErrorKind, ValidationError};
use serde_json::Value;

use super::{FieldCause, additional, child, correlate_item, keyed, property, render::Bad};

const RULES: &str = "x-kubernetes-validations";

/// Whether any node of the schema has rules (else the server has no CEL validator at all).
pub(crate) fn has_rules(s: &Value) -> bool {
    match s {
        Value::Object(m) => m.contains_key(RULES) || m.values().any(has_rules),
        Value::Array(items) => items.iter().any(has_rules),
        _ => false,
    }
}

/// A schema's CEL rules, compiled once, with the last outcome remembered.
///
/// When the root has no rules of its own, the outcome is a function of the top-level
/// properties whose subschemas have rules (their new and old values): a status write leaves
/// `spec` as it was, so its rules need not run again. The memo is that function's last
/// argument and value; it changes no answer, only how often the rules are evaluated.
pub struct Rules {
    compiled: kube_cel::CompiledSchema,
    /// The top-level properties the outcome depends on; None when a root rule sees it all.
    scope: Option<Vec<String>>,
    memo: Mutex<Option<(Value, Vec<FieldCause>)>>,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules").field("scope", &self.scope).finish_non_exhaustive()
    }
}

impl Rules {
    /// Compiles a schema's rules (None when it has none).
    pub fn compile(schema: &Value) -> Option<Self> {
        if !has_rules(schema) {
            return None;
        }
        let scope = schema.get(RULES).is_none().then(|| {
            schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(_, sub)| has_rules(sub))
                .map(|(k, _)| k.clone())
                .collect()
        });
        Some(Self { compiled: kube_cel::compile_schema(schema), scope, memo: Mutex::new(None) })
    }

    /// What the outcome depends on, as one value.
    fn key(&self, obj: &Value, old: Option<&Value>) -> Option<Value> {
        let scope = self.scope.as_ref()?;
        let part = |v: Option<&Value>| -> Value {
            scope.iter().map(|k| v.and_then(|v| v.get(k)).cloned().unwrap_or(Value::Null)).collect()
        };
        Some(Value::Array(vec![part(Some(obj)), old.map_or(Value::Bool(false), |o| part(Some(o)))]))
    }
}

pub(crate) fn validate(schema: &Value, rules: &Rules, obj: &Value, old: Option<&Value>) -> Vec<FieldCause> {
    let key = rules.key(obj, old);
    let lock = || rules.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(k) = &key
        && let Some((seen, causes)) = lock().as_ref()
        && seen == k
    {
        return causes.clone();
    }
    let causes = evaluate(schema, &rules.compiled, obj, old);
    if let Some(k) = key {
        *lock() = Some((k, causes.clone()));
    }
    causes
}

fn evaluate(
    schema: &Value,
    rules: &kube_cel::CompiledSchema,
    obj: &Value,
    old: Option<&Value>,
) -> Vec<FieldCause> {
    let new = without_nulls(schema, obj);
    let old = old.map(|o| without_nulls(schema, o));
    let Err(errors) = kube_cel::validate_compiled(rules, &new, old.as_ref()) else { return Vec::new() };
    let mut causes: Vec<FieldCause> =
        errors.iter().filter_map(|e| cause(schema, &new, old.as_ref(), e)).collect();
    // The compiled walk visits properties in hash order: report in field-path order, stably.
    causes.sort_by(|a, b| a.field.cmp(&b.field));
    causes
}

/// The object with `null`-valued properties of objects removed, recursively.
fn without_nulls(s: &Value, v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let is_map = s.get("properties").is_none() && additional(s).is_some();
            map.iter()
                .filter(|(_, x)| is_map || !x.is_null())
                .map(|(k, x)| {
                    let xs = property(s, k).or_else(|| additional(s));
                    (k.clone(), xs.map_or_else(|| x.clone(), |xs| without_nulls(xs, x)))
                })
                .collect()
        }
        Value::Array(items) => match s.get("items") {
            Some(is) => items.iter().map(|x| without_nulls(is, x)).collect(),
            None => v.clone(),
        },
        _ => v.clone(),
    }
}

/// A node on the path of an error.
struct Step<'a> {
    schema: &'a Value,
    value: Option<&'a Value>,
    /// The correlated old value; `None` once correlation is lost.
    old: Option<&'a Value>,
    path: String,
}

/// Walks kube-cel's dotted path (`spec.items[2].name`, map keys as `.key`) down schema, value
/// and old value, returning every node passed through (the root first).
fn walk<'a>(schema: &'a Value, new: &'a Value, old: Option<&'a Value>, path: &str) -> Vec<Step<'a>> {
    let mut steps = vec![Step { schema, value: Some(new), old, path: String::new() }];
    let mut rest = path;
    while let Some(cur) = steps.last() {
        rest = rest.strip_prefix('.').unwrap_or(rest);
        if rest.is_empty() {
            break;
        }
        let next = if let Some(r) = rest.strip_prefix('[') {
            let Some((idx, after)) = r.split_once(']') else { break };
            let (Ok(i), Some(items)) = (idx.parse::<usize>(), cur.schema.get("items")) else { break };
            let item = cur.value.and_then(|v| v.get(i));
            let old = item.and_then(|it| correlate_item(cur.schema, cur.old, it));
            rest = after;
            Step { schema: items, value: item, old, path: format!("{}[{i}]", cur.path) }
        } else {
            let obj = cur.value.and_then(Value::as_object);
            let name_len = rest.find(['.', '[']).unwrap_or(rest.len());
            let (key, sub, path) = match property(cur.schema, &rest[..name_len]) {
                Some(p) => (&rest[..name_len], p, child(&cur.path, &rest[..name_len])),
                None => {
                    let Some(a) = additional(cur.schema) else { break };
                    // A map key may contain dots: take the longest key of the value that fits.
                    let fits = |k: &&String| {
                        rest.strip_prefix(k.as_str())
                            .is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
                    };
                    let key = obj.and_then(|o| o.keys().filter(fits).max_by_key(|k| k.len()));
                    let key = key.map_or(&rest[..name_len], String::as_str);
                    (key, a, keyed(&cur.path, key))
                }
            };
            rest = &rest[key.len()..];
            let value = obj.and_then(|o| o.get(key));
            let old = cur.old.and_then(Value::as_object).and_then(|o| o.get(key));
            Step { schema: sub, value, old, path }
        };
        steps.push(next);
    }
    steps
}

/// The rule entry with this `rule` text in a node's validations.
fn rule_of<'a>(s: &'a Value, rule: &str) -> Option<&'a Value> {
    s.get(RULES)?.as_array()?.iter().find(|r| r.get("rule").and_then(Value::as_str) == Some(rule))
}

fn cause(schema: &Value, new: &Value, old: Option<&Value>, e: &ValidationError) -> Option<FieldCause> {
    let steps = walk(schema, new, old, &e.field_path);
    let declared = steps.iter().rev().find_map(|s| rule_of(s.schema, &e.rule).map(|r| (s, r)));
    let Some((step, rule)) = declared else {
        // Not traceable to a node (should not happen): report it as kube-cel does.
        let field = if e.field_path.is_empty() { "<nil>" } else { &e.field_path };
        return Some(FieldCause::invalid(field, &Bad::str(""), e.message.trim()));
    };
    if step.value.is_none_or(Value::is_null) {
        return None;
    }
    let uses_old_self = e.rule.contains("oldSelf");
    if !uses_old_self && step.old.is_some() && step.old == step.value {
        return None;
    }
    let field = match rule.get("fieldPath").and_then(Value::as_str) {
        Some(fp) if !fp.is_empty() => child(&step.path, fp.trim_start_matches('.')),
        _ => step.path.clone(),
    };
    let field = if field.is_empty() { "<nil>".to_string() } else { field };
    let value = Bad::str(step.schema.get("type").and_then(Value::as_str).unwrap_or(""));
    let rule_message = rule.get("message").and_then(Value::as_str).map(str::trim).filter(|m| !m.is_empty());
    let rule_error = rule_message.unwrap_or(e.rule.trim());
    Some(match e.kind {
        ErrorKind::ValidationFailure => {
            let msg = e.message.trim();
            let detail =
                if msg.is_empty() { format!("failed rule: {}", e.rule.trim()) } else { msg.to_string() };
            match e.reason.as_deref() {
                Some("FieldValueForbidden") => FieldCause::forbidden(&field, &detail),
                Some("FieldValueRequired") => FieldCause::required(&field, &detail),
                Some("FieldValueDuplicate") => FieldCause::duplicate(&field, &value),
                _ => FieldCause::invalid(&field, &value, &detail),
            }
        }
        ErrorKind::CompilationFailure | ErrorKind::InvalidRule => {
            FieldCause::invalid(&field, &value, &format!("rule compile error: {}", e.message.trim()))
        }
        _ => {
            let inner = e.message.trim().trim_start_matches("rule evaluation error: ");
            let detail = if inner.to_lowercase().contains("overload") {
                format!(
                    "'no such overload': call arguments did not match a supported operator, function or \
                     macro signature for rule: {rule_error}"
                )
            } else {
                format!("{inner} evaluating rule: {rule_error}")
            };
            FieldCause::invalid(&field, &value, &detail)
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "a": {"type": "integer", "nullable": true, "x-kubernetes-validations": [{"rule": "self > 0", "message": "must be positive"}]},
            "labels": {"type": "object", "additionalProperties": {"type": "string",
                "x-kubernetes-validations": [{"rule": "self != 'bad'", "reason": "FieldValueForbidden", "message": " no bad "}]}},
            "items": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                "items": {"type": "object", "properties": {"name": {"type": "string"}, "v": {"type": "integer"}},
                    "x-kubernetes-validations": [{"rule": "self.v < 10"}]}},
            "frozen": {"type": "string", "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "is immutable"}]},
        }}}})
    }

    fn strings(causes: &[FieldCause]) -> Vec<String> {
        causes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn paths_values_and_reasons() {
        let obj = json!({"spec": {"a": -1, "labels": {"app.kubernetes.io/name": "bad"}, "items": [{"name": "x", "v": 11}]}});
        assert_eq!(
            strings(&validate(&schema(), &Rules::compile(&schema()).unwrap(), &obj, None)),
            [
                r#"spec.a: Invalid value: "integer": must be positive"#,
                "spec.items[0]: Invalid value: \"object\": failed rule: self.v < 10",
                "spec.labels[app.kubernetes.io/name]: Forbidden: no bad",
            ]
        );
        assert_eq!(
            validate(&schema(), &Rules::compile(&schema()).unwrap(), &obj, None)[2].reason,
            "FieldValueForbidden"
        );
    }

    #[test]
    fn nulls_are_absent() {
        assert!(
            validate(&schema(), &Rules::compile(&schema()).unwrap(), &json!({"spec": {"a": null}}), None)
                .is_empty()
        );
    }

    #[test]
    fn unchanged_values_ratchet_but_transition_rules_do_not() {
        let old = json!({"spec": {"a": -1, "items": [{"name": "x", "v": 11}, {"name": "y", "v": 1}], "frozen": "a"}});
        let new = json!({"spec": {"a": -1, "items": [{"name": "y", "v": 12}, {"name": "x", "v": 11}], "frozen": "b"}});
        assert_eq!(
            strings(&validate(&schema(), &Rules::compile(&schema()).unwrap(), &new, Some(&old))),
            [
                r#"spec.frozen: Invalid value: "string": is immutable"#,
                "spec.items[0]: Invalid value: \"object\": failed rule: self.v < 10",
            ]
        );
    }
}
