//! The OpenAPI value checks: kube-openapi's `SchemaValidator` (`pkg/validation/validate`) over
//! the CRD schema as apiextensions converts it (int-or-string is `type: [integer, string]`,
//! unsupported formats stripped), its errors turned into causes as
//! `kubeOpenAPIResultToFieldErrors` does.
//!
//! Names in messages are kube-openapi paths (`spec.steps[2].setWeight`; map values
//! `labels.app`); the cause's field is the same with a leading `.` removed (`<nil>` for the
//! object itself). Per node the checks run in kube-openapi's order: type, string, format,
//! number, list (items first), enum, object (values, properties, then `required`).
//! With an old object, a node equal to its correlated old value reports nothing (ratcheting).

use serde_json::{Map, Value};

use super::{
    FieldCause, INT_OR_STRING, correlate_item, flag, formats,
    render::{Bad, go_float, go_json, go_quote},
};

pub(crate) fn openapi(schema: &Value, obj: &Value, old: Option<&Value>) -> Vec<FieldCause> {
    let mut out = Vec::new();
    node(schema, "", obj, old, &mut out);
    out
}

/// The cause field for a kube-openapi name.
fn field(name: &str) -> String {
    match name {
        "" | "." => "<nil>".to_string(),
        n => n.strip_prefix('.').unwrap_or(n).to_string(),
    }
}

fn num(s: &Value, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

fn int(s: &Value, key: &str) -> Option<i64> {
    num(s, key).map(|f| f as i64)
}

/// The JSON type and format kube-openapi infers from a decoded value.
fn value_type(v: &Value) -> (&'static str, &'static str) {
    match v {
        Value::Null => ("null", ""),
        Value::Bool(_) => ("boolean", ""),
        Value::Number(n) if n.as_i64().is_some() => ("integer", "int64"),
        Value::Number(_) => ("number", "float64"),
        Value::String(_) => ("string", ""),
        Value::Array(_) => ("array", ""),
        Value::Object(_) => ("object", ""),
    }
}

/// `swag.IsFloat64AJSONInteger`.
fn is_json_integer(f: f64) -> bool {
    f.is_finite() && f.abs() <= 9_007_199_254_740_992.0 && f.fract() == 0.0
}

fn node(s: &Value, name: &str, v: &Value, old: Option<&Value>, out: &mut Vec<FieldCause>) {
    if old.is_some_and(|o| o == v) {
        return;
    }
    let types: Vec<&str> = if flag(s, INT_OR_STRING) {
        vec!["integer", "string"]
    } else {
        s.get("type").and_then(Value::as_str).into_iter().collect()
    };
    let format = formats::effective(s.get("format").and_then(Value::as_str).unwrap_or(""));
    if v.is_null() {
        if !types.is_empty() && !flag(s, "nullable") {
            let detail = format!("{name} in body must be of type {}: \"null\"", types.join(","));
            out.push(FieldCause::type_invalid(&field(name), &Bad::str("null"), &detail));
        }
        enumeration(s, name, v, out);
        return;
    }
    check_type(&types, format, name, v, out);
    match v {
        Value::String(text) => {
            string(s, name, text, out);
            if !format.is_empty() && !formats::check(format, text) {
                let detail = format!("{name} in body must be of type {format}: {}", go_quote(text));
                out.push(FieldCause::type_invalid(&field(name), &Bad::of(v), &detail));
            }
        }
        Value::Number(_) => number(s, name, v, out),
        Value::Array(items) => array(s, name, items, old, out),
        _ => {}
    }
    enumeration(s, name, v, out);
    if let Value::Object(map) = v {
        object(s, name, map, old, out);
    }
}

/// `typeValidator`.
fn check_type(types: &[&str], format: &str, name: &str, v: &Value, out: &mut Vec<FieldCause>) {
    if types.is_empty() && format.is_empty() {
        return;
    }
    let (vtype, vformat) = value_type(v);
    let has = |t: &str| types.contains(&t);
    let float_int = vtype == "number" && v.as_f64().is_some_and(is_json_integer) && has("integer");
    let int_float = vtype == "integer" && has("number");
    let string_or_slice = v.is_string() || v.is_array();
    let format_ok =
        string_or_slice || format.is_empty() || has(vtype) || vformat == format || float_int || int_float;
    let (expected, got) = if !format_ok {
        (format.to_string(), vformat)
    } else if string_or_slice && !format.is_empty() && !has("number") && !has("integer") {
        return;
    } else if !(has(vtype) || float_int || int_float) {
        (types.join(","), vtype)
    } else {
        return;
    };
    let detail = format!("{name} in body must be of type {expected}: {}", go_quote(got));
    out.push(FieldCause::type_invalid(&field(name), &Bad::str(got), &detail));
}

/// `stringValidator`: the first of maxLength, minLength, pattern that fails.
fn string(s: &Value, name: &str, text: &str, out: &mut Vec<FieldCause>) {
    let len = text.chars().count() as i64;
    let bad = Bad::str(text);
    if let Some(max) = int(s, "maxLength")
        && len > max
    {
        out.push(FieldCause::too_long(&field(name), max));
    } else if let Some(min) = int(s, "minLength")
        && len < min
    {
        let detail = format!("{name} in body should be at least {min} chars long");
        out.push(FieldCause::invalid(&field(name), &bad, &detail));
    } else if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
        let shown = match formats::regex_match(pattern, text) {
            Ok(true) => return,
            Ok(false) => pattern.to_string(),
            Err(e) => format!("{pattern}, but pattern is invalid: {e}"),
        };
        let detail = format!("{name} in body should match '{shown}'");
        out.push(FieldCause::invalid(&field(name), &bad, &detail));
    }
}

/// `numberValidator`: multipleOf, minimum, maximum. Integers are compared with the bound
/// truncated to an integer, floats as floats; the bound is printed the same way.
fn number(s: &Value, name: &str, v: &Value, out: &mut Vec<FieldCause>) {
    let bad = Bad::of(v);
    let as_int = v.as_i64();
    let f = v.as_f64().unwrap_or(f64::NAN);
    let shown = |bound: f64| match as_int {
        Some(_) => (bound as i64).to_string(),
        None => go_float(bound),
    };
    if let Some(factor) = num(s, "multipleOf") {
        let fails = match as_int {
            Some(i) => (factor as i64) > 0 && i % (factor as i64) != 0,
            None if factor > 0.0 => {
                !is_json_integer(if factor < 1.0 { 1.0 / factor * f } else { f / factor })
            }
            None => false,
        };
        if fails {
            let detail = format!("{name} in body should be a multiple of {}", shown(factor));
            out.push(FieldCause::invalid(&field(name), &bad, &detail));
        }
    }
    let bounds =
        [("minimum", "exclusiveMinimum", "greater than"), ("maximum", "exclusiveMaximum", "less than")];
    for (key, exclusive_key, words) in bounds {
        let Some(bound) = num(s, key) else { continue };
        let exclusive = flag(s, exclusive_key);
        let below = key == "minimum";
        let fails = match as_int {
            Some(i) => {
                let b = bound as i64;
                if below { i < b || (exclusive && i == b) } else { i > b || (exclusive && i == b) }
            }
            None => {
                if below {
                    f < bound || (exclusive && f == bound)
                } else {
                    f > bound || (exclusive && f == bound)
                }
            }
        };
        if fails {
            let or_equal = if exclusive { "" } else { " or equal to" };
            let detail = format!("{name} in body should be {words}{or_equal} {}", shown(bound));
            out.push(FieldCause::invalid(&field(name), &bad, &detail));
        }
    }
}

/// `schemaSliceValidator`: items, then minItems, maxItems, uniqueItems.
fn array(s: &Value, name: &str, items: &[Value], old: Option<&Value>, out: &mut Vec<FieldCause>) {
    if let Some(item_schema) = s.get("items") {
        for (i, item) in items.iter().enumerate() {
            let old_item = correlate_item(s, old, item);
            node(item_schema, &format!("{name}[{i}]"), item, old_item, out);
        }
    }
    let size = items.len() as i64;
    if let Some(min) = int(s, "minItems")
        && size < min
    {
        let detail = format!("{name} in body should have at least {min} items");
        out.push(FieldCause::invalid(&field(name), &Bad::Int(size), &detail));
    }
    if let Some(max) = int(s, "maxItems")
        && size > max
    {
        out.push(FieldCause::too_many(&field(name), size, max));
    }
    if flag(s, "uniqueItems") && items.iter().enumerate().any(|(i, x)| items[..i].contains(x)) {
        let detail = format!("{name} in body shouldn't contain duplicates");
        out.push(FieldCause::invalid(&field(name), &Bad::str(""), &detail));
    }
}

/// `basicCommonValidator`: `enum` (a `null` never matches).
fn enumeration(s: &Value, name: &str, v: &Value, out: &mut Vec<FieldCause>) {
    let Some(values) = s.get("enum").and_then(Value::as_array).filter(|e| !e.is_empty()) else { return };
    let matches = |e: &Value| match (e, v) {
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) => a == b,
            (Some(a), None) => b.as_f64().is_some_and(|b| b.trunc() == a as f64),
            _ => a.as_f64() == b.as_f64(),
        },
        (e, v) => e == v,
    };
    if values.iter().any(matches) {
        return;
    }
    let supported: Vec<String> = values
        .iter()
        .map(|e| match e {
            Value::String(s) => s.clone(),
            other => go_json(other),
        })
        .collect();
    out.push(FieldCause::not_supported(&field(name), &Bad::of(v), &supported));
}

/// `objectValidator`: min/maxProperties (which stop the node), additional property values,
/// properties, `required`.
fn object(s: &Value, name: &str, map: &Map<String, Value>, old: Option<&Value>, out: &mut Vec<FieldCause>) {
    let count = map.len() as i64;
    if let Some(min) = int(s, "minProperties")
        && count < min
    {
        let detail = format!("{name} in body should have at least {min} properties");
        out.push(FieldCause::invalid(&field(name), &Bad::Int(count), &detail));
        return;
    }
    if let Some(max) = int(s, "maxProperties")
        && count > max
    {
        out.push(FieldCause::too_many(&field(name), count, max));
        return;
    }
    let props = s.get("properties").and_then(Value::as_object);
    let declared = |k: &str| props.is_some_and(|p| p.contains_key(k));
    let old_of = |k: &str| old.and_then(Value::as_object).and_then(|o| o.get(k));
    match s.get("additionalProperties") {
        Some(a @ Value::Object(_)) => {
            for (k, v) in map.iter().filter(|(k, _)| !declared(k)) {
                node(a, &format!("{name}.{k}"), v, old_of(k), out);
            }
        }
        Some(Value::Bool(false)) => {
            for k in map.keys().filter(|k| !declared(k)) {
                let detail = format!("{name}.{k} in body is a forbidden property");
                out.push(FieldCause::invalid(&field(name), &Bad::str(k), &detail));
            }
        }
        _ => {}
    }
    for (p, ps) in props.into_iter().flatten() {
        if let Some(v) = map.get(p) {
            let child = if name.is_empty() { p.clone() } else { format!("{name}.{p}") };
            node(ps, &child, v, old_of(p), out);
        }
    }
    for k in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if !map.contains_key(k) {
            out.push(FieldCause::required(&field(&format!("{name}.{k}")), ""));
        }
    }
}
