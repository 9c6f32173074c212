//! Invariants the API server checks beside kube-openapi, with `field.Path` paths (map keys as
//! `[key]`): `x-kubernetes-list-type` `set`/`map` uniqueness
//! (`apiextensions-apiserver/pkg/apiserver/schema/listtype`) and the `apiVersion`/`kind` of
//! `x-kubernetes-embedded-resource` objects (`schema/objectmeta`, without `metadata`).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{EMBEDDED, FieldCause, additional, child, flag, keyed, property, render::Bad, render::go_json};

/// `ValidateListSetsAndMaps`.
pub(crate) fn lists(schema: &Value, obj: &Value) -> Vec<FieldCause> {
    let mut out = Vec::new();
    if let Some(map) = obj.as_object() {
        lists_in_object("", schema, map, &mut out);
    }
    out
}

fn lists_in_object(path: &str, s: &Value, obj: &Map<String, Value>, out: &mut Vec<FieldCause>) {
    if let Some(a) = additional(s) {
        for (k, v) in obj {
            lists_in_value(&keyed(path, k), a, v, out);
        }
    }
    for (k, v) in obj {
        if let Some(p) = property(s, k) {
            lists_in_value(&child(path, k), p, v, out);
        }
    }
}

fn lists_in_value(path: &str, s: &Value, v: &Value, out: &mut Vec<FieldCause>) {
    match v {
        Value::Array(items) => {
            match s.get("x-kubernetes-list-type").and_then(Value::as_str) {
                Some("set") => {
                    for i in duplicates(items) {
                        out.push(FieldCause::duplicate(&format!("{path}[{i}]"), &Bad::of(&items[i])));
                    }
                }
                Some("map") => list_map(path, s, items, out),
                _ => {}
            }
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    lists_in_value(&format!("{path}[{i}]"), item_schema, item, out);
                }
            }
        }
        Value::Object(map) => lists_in_object(path, s, map, out),
        _ => {}
    }
}

/// Identity of a list element as Go compares it: scalars by type and value, compounds by JSON.
fn identity(v: &Value) -> String {
    match v {
        Value::Number(n) if n.as_i64().is_some() => format!("i{n}"),
        Value::Number(n) => format!("f{}", n.as_f64().unwrap_or(0.0)),
        Value::Array(_) | Value::Object(_) => format!("c{}", go_json(v)),
        other => format!("s{other}"),
    }
}

/// Indices of the second appearance of each repeated element (`validateListSet`).
fn duplicates(items: &[Value]) -> Vec<usize> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut dups = Vec::new();
    for (i, x) in items.iter().enumerate() {
        let times = seen.entry(identity(x)).or_insert(0);
        *times += 1;
        if *times == 2 {
            dups.push(i);
        }
    }
    dups
}

/// `validateListMap`: items must be objects (or null); their key fields unique.
fn list_map(path: &str, s: &Value, items: &[Value], out: &mut Vec<FieldCause>) {
    if let Some((i, x)) = items.iter().enumerate().find(|(_, x)| !x.is_null() && !x.is_object()) {
        let detail = "must be an object for an array of list-type map";
        out.push(FieldCause::invalid(&format!("{path}[{i}]"), &Bad::of(x), detail));
        return;
    }
    let keys: Vec<&str> = s
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
        .map(|ks| ks.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let key_of = |x: &Value| -> Value {
        let mut key = Map::new();
        for k in &keys {
            if let Some(v) = x.get(*k) {
                key.insert((*k).to_string(), v.clone());
            }
        }
        Value::Object(key)
    };
    let key_values: Vec<Value> = items.iter().map(key_of).collect();
    for i in duplicates(&key_values) {
        out.push(FieldCause::duplicate(&format!("{path}[{i}]"), &Bad::Json(key_values[i].clone())));
    }
}

/// `schemaobjectmeta.Validate` for embedded resources below the root: `apiVersion` and `kind`.
pub(crate) fn embedded(schema: &Value, obj: &Value) -> Vec<FieldCause> {
    let mut out = Vec::new();
    walk_embedded("", schema, obj, true, &mut out);
    out
}

fn walk_embedded(path: &str, s: &Value, x: &Value, root: bool, out: &mut Vec<FieldCause>) {
    let is_embedded = flag(s, EMBEDDED);
    match x {
        Value::Object(map) => {
            if is_embedded && !root {
                embedded_resource(path, map, out);
            }
            for (k, v) in map {
                if is_embedded && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                if let Some(p) = property(s, k) {
                    walk_embedded(&child(path, k), p, v, false, out);
                } else if let Some(a) = additional(s) {
                    walk_embedded(&keyed(path, k), a, v, false, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.get("items") {
                for (i, v) in items.iter().enumerate() {
                    walk_embedded(&format!("{path}[{i}]"), item_schema, v, false, out);
                }
            }
        }
        _ => {}
    }
}

fn embedded_resource(path: &str, x: &Map<String, Value>, out: &mut Vec<FieldCause>) {
    for k in ["apiVersion", "kind"] {
        if !x.contains_key(k) {
            out.push(FieldCause::required(&child(path, k), "must not be empty"));
        }
    }
    for (k, v) in x {
        let field = child(path, k);
        let detail = match (k.as_str(), v.as_str()) {
            ("apiVersion" | "kind", None) => Some("must be a string".to_string()),
            ("apiVersion" | "kind", Some("")) => Some("must not be empty".to_string()),
            ("apiVersion", Some(gv)) if gv.matches('/').count() > 1 => {
                Some(format!("unexpected GroupVersion string: {gv}"))
            }
            ("kind", Some(kind)) => dns1035(&kind.to_lowercase())
                .map(|e| format!("may have mixed case, but should otherwise match: {e}")),
            _ => None,
        };
        if let Some(detail) = detail {
            out.push(FieldCause::invalid(&field, &Bad::of(v), &detail));
        }
    }
}

/// `validation.IsDNS1035Label` errors, joined with `,`.
fn dns1035(s: &str) -> Option<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    let b = s.as_bytes();
    let ok = b.first().is_some_and(u8::is_ascii_lowercase)
        && b.last().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if !ok {
        errs.push(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an \
             alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', \
             regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
                .to_string(),
        );
    }
    (!errs.is_empty()).then(|| errs.join(","))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(causes: &[FieldCause]) -> Vec<String> {
        causes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn set_and_map_lists() {
        let schema = json!({"type": "object", "properties": {
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "conds": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
                "items": {"type": "object"}},
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port", "protocol"],
                "items": {"type": "object"}},
            "byName": {"type": "object", "additionalProperties": {"type": "array", "x-kubernetes-list-type": "set"}},
        }});
        let obj = json!({
            "tags": ["a", "b", "a", "a"],
            "conds": [{"type": "Ready"}, {"type": "Ready", "status": "True"}, {}],
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 80, "protocol": "TCP"}, {"port": 80}],
            "byName": {"x": [1, 1]},
        });
        assert_eq!(
            fields(&lists(&schema, &obj)),
            [
                "byName[x][1]: Duplicate value: 1",
                r#"conds[1]: Duplicate value: {"type":"Ready"}"#,
                r#"ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}"#,
                r#"tags[2]: Duplicate value: "a""#,
            ]
        );
        let bad = json!({"conds": [{"type": "A"}, "x"]});
        assert_eq!(
            fields(&lists(&schema, &bad)),
            [r#"conds[1]: Invalid value: "x": must be an object for an array of list-type map"#]
        );
    }

    #[test]
    fn embedded_resources_need_api_version_and_kind() {
        let schema = json!({"type": "object", "properties": {
            "obj": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true},
        }});
        assert_eq!(
            fields(&embedded(&schema, &json!({"obj": {"kind": "Bad_Kind"}}))),
            [
                "obj.apiVersion: Required value: must not be empty",
                r#"obj.kind: Invalid value: "Bad_Kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
            ]
        );
        assert!(embedded(&schema, &json!({"obj": {"apiVersion": "v1", "kind": "Pod"}})).is_empty());
    }
}
