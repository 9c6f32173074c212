//! Pruning of unknown fields, as `structuralpruning.PruneWithOptions` and
//! `structuraldefaulting.PruneNonNullableNullsWithoutDefaults` in apiextensions-apiserver.
//!
//! The root is treated as an embedded resource: its `apiVersion`, `kind` and `metadata` are
//! left alone (the server handles `ObjectMeta` itself), as are those of any object marked
//! `x-kubernetes-embedded-resource`. Under `x-kubernetes-preserve-unknown-fields` unknown
//! fields stay, but declared properties below are still pruned by their own schema.

use serde_json::Value;

use super::{EMBEDDED, PRESERVE, field_schema, flag, nullable, property};

const META: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// What a key not among the properties falls to.
enum Extra<'a> {
    /// `additionalProperties: <schema>`.
    Schema(&'a Value),
    /// `additionalProperties: true`: kept as it is.
    Keep,
    /// Nothing: pruned.
    Prune,
}

fn extra(s: &Value) -> Extra<'_> {
    match s.get("additionalProperties") {
        Some(a @ Value::Object(_)) => Extra::Schema(a),
        Some(Value::Bool(true)) => Extra::Keep,
        _ => Extra::Prune,
    }
}

pub(crate) fn prune(schema: &Value, obj: &mut Value) -> Vec<String> {
    let mut pruned = Vec::new();
    walk(Some(schema), obj, "", true, &mut pruned);
    drop_nulls(Some(schema), obj);
    pruned.sort();
    pruned
}

fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn walk(s: Option<&Value>, x: &mut Value, path: &str, root: bool, pruned: &mut Vec<String>) {
    if let Some(s) = s
        && flag(s, PRESERVE)
    {
        skip(s, x, path, root, pruned);
        return;
    }
    match x {
        Value::Object(map) => {
            let Some(s) = s else {
                pruned.extend(map.keys().map(|k| key_path(path, k)));
                map.clear();
                return;
            };
            let embedded = root || flag(s, EMBEDDED);
            map.retain(|k, v| {
                if embedded && META.contains(&k.as_str()) {
                    return true;
                }
                let p = key_path(path, k);
                if let Some(prop) = property(s, k) {
                    walk(Some(prop), v, &p, false, pruned);
                    return true;
                }
                match extra(s) {
                    Extra::Schema(a) => walk(Some(a), v, &p, false, pruned),
                    Extra::Keep => {}
                    Extra::Prune => {
                        pruned.push(p);
                        return false;
                    }
                }
                true
            });
        }
        Value::Array(items) => {
            let item_schema = s.and_then(|s| s.get("items"));
            for (i, v) in items.iter_mut().enumerate() {
                walk(item_schema, v, &format!("{path}[{i}]"), false, pruned);
            }
        }
        _ => {}
    }
}

/// `skipPrune`: unknown fields stay; known ones are pruned by their schema.
fn skip(s: &Value, x: &mut Value, path: &str, root: bool, pruned: &mut Vec<String>) {
    match x {
        Value::Object(map) => {
            let embedded = root || flag(s, EMBEDDED);
            for (k, v) in map.iter_mut() {
                if embedded && META.contains(&k.as_str()) {
                    continue;
                }
                if let Some(prop) = property(s, k) {
                    walk(Some(prop), v, &key_path(path, k), false, pruned);
                } else if let Extra::Schema(a) = extra(s) {
                    walk(Some(a), v, &key_path(path, k), false, pruned);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.get("items") {
                for (i, v) in items.iter_mut().enumerate() {
                    skip(item_schema, v, &format!("{path}[{i}]"), false, pruned);
                }
            }
        }
        _ => {}
    }
}

/// Removes `null` fields whose schema is neither `nullable` nor defaulted.
fn drop_nulls(s: Option<&Value>, x: &mut Value) {
    match x {
        Value::Object(map) => map.retain(|k, v| {
            let fs = s.and_then(|s| field_schema(s, k));
            if v.is_null() && fs.is_some_and(|fs| !nullable(fs) && fs.get("default").is_none()) {
                return false;
            }
            drop_nulls(fs, v);
            true
        }),
        Value::Array(items) => {
            let item_schema = s.and_then(|s| s.get("items"));
            for v in items {
                drop_nulls(item_schema, v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "a": {"type": "string"},
                "n": {"type": "string", "nullable": true},
                "d": {"type": "string", "default": "x"},
                "steps": {"type": "array", "items": {"type": "object", "properties": {"w": {"type": "integer"}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                    "properties": {"inner": {"type": "object", "properties": {"k": {"type": "string"}}}}},
                "port": {"x-kubernetes-int-or-string": true},
                "embedded": {"type": "object", "x-kubernetes-embedded-resource": true,
                    "properties": {"spec": {"type": "object"}}},
                "opaque": {"type": "object"},
            }},
        }})
    }

    #[test]
    fn prunes_unknown_fields_and_reports_them_sorted() {
        let mut obj = json!({
            "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web", "x": 1},
            "extra": true,
            "spec": {
                "a": "s", "zzz": 1, "foo": {"bar": 1},
                "steps": [{"w": 1, "bogus": 2}, {"w": 2}],
                "labels": {"app": "web"},
                "free": {"anything": {"goes": 1}, "inner": {"k": "v", "drop": 1}},
                "port": 8080,
                "embedded": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"q": 1}, "other": 1},
                "opaque": {"gone": 1},
            },
        });
        let pruned = prune(&schema(), &mut obj);
        assert_eq!(
            pruned,
            [
                "extra",
                "spec.embedded.other",
                "spec.embedded.spec.q",
                "spec.foo",
                "spec.free.inner.drop",
                "spec.opaque.gone",
                "spec.steps[0].bogus",
                "spec.zzz",
            ]
        );
        assert_eq!(obj["metadata"], json!({"name": "web", "x": 1}));
        assert_eq!(obj["spec"]["free"], json!({"anything": {"goes": 1}, "inner": {"k": "v"}}));
        assert_eq!(
            obj["spec"]["embedded"],
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}})
        );
        assert_eq!(obj["spec"]["steps"], json!([{"w": 1}, {"w": 2}]));
        assert_eq!(obj["spec"]["port"], json!(8080));
    }

    #[test]
    fn drops_non_nullable_nulls_without_default() {
        let mut obj = json!({"spec": {"a": null, "n": null, "d": null, "labels": {"k": null}}});
        assert!(prune(&schema(), &mut obj).is_empty());
        assert_eq!(obj, json!({"spec": {"n": null, "d": null, "labels": {}}}));
    }
}
