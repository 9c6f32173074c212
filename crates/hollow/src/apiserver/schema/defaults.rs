//! Schema defaulting, as `structuraldefaulting.Default`
//! (`apiextensions-apiserver/pkg/apiserver/schema/defaulting/algorithm.go`).

use serde_json::Value;

use super::{additional, nullable};

/// Fills absent (or non-nullable `null`) properties from their `default`, then recurses into
/// every present value; `null` map values and list items that are not nullable take the value
/// or item schema's default.
pub(crate) fn apply(schema: &Value, x: &mut Value) {
    match x {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, prop) in props.into_iter().flatten() {
                let Some(default) = prop.get("default") else { continue };
                let absent = match map.get(k) {
                    None => true,
                    Some(Value::Null) => !nullable(prop),
                    Some(_) => false,
                };
                if absent {
                    map.insert(k.clone(), default.clone());
                }
            }
            let addl = additional(schema);
            for (k, v) in map.iter_mut() {
                if let Some(prop) = props.and_then(|p| p.get(k)) {
                    apply(prop, v);
                } else if let Some(a) = addl {
                    replace_null(a, v);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for v in items {
                    replace_null(item_schema, v);
                }
            }
        }
        _ => {}
    }
}

/// A map value or list item: a non-nullable `null` becomes the default (not defaulted further,
/// as in Go, which recurses into the replaced `nil`); anything else is defaulted inside.
fn replace_null(s: &Value, v: &mut Value) {
    if v.is_null() && !nullable(s) {
        if let Some(d) = s.get("default") {
            *v = d.clone();
        }
        return;
    }
    apply(s, v);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fills_absent_fields_and_recurses_into_defaults() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "integer", "default": 1},
            "b": {"type": "object", "default": {}, "properties": {"c": {"type": "string", "default": "x"}}},
            "n": {"type": "string", "nullable": true, "default": "d"},
            "m": {"type": "string", "default": "d"},
            "keep": {"type": "integer", "default": 5},
        }});
        let mut obj = json!({"n": null, "m": null, "keep": 7});
        apply(&schema, &mut obj);
        assert_eq!(obj, json!({"a": 1, "b": {"c": "x"}, "n": null, "m": "d", "keep": 7}));
    }

    #[test]
    fn defaults_inside_items_and_map_values() {
        let schema = json!({"type": "object", "properties": {
            "list": {"type": "array", "items": {"type": "object", "default": {"z": 0},
                "properties": {"w": {"type": "integer", "default": 3}}}},
            "map": {"type": "object", "additionalProperties": {"type": "object",
                "properties": {"w": {"type": "integer", "default": 4}}}},
        }});
        let mut obj = json!({"list": [{}, null, {"w": 9}], "map": {"k": {}}});
        apply(&schema, &mut obj);
        assert_eq!(obj, json!({"list": [{"w": 3}, {"z": 0}, {"w": 9}], "map": {"k": {"w": 4}}}));
    }
}
