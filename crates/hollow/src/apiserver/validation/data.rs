//! ConfigMaps and Secrets (`ValidateConfigMap`, `ValidateSecret` and their updates): keys,
//! the 1 MiB size limit, and `immutable: true`.

use serde_json::{Map, Value};

use super::names;
use crate::apiserver::schema::{FieldCause, render::Bad};

/// `MaxSecretSize`, also the ConfigMap limit (1 MiB).
pub const MAX_DATA_SIZE: usize = 1024 * 1024;

const IMMUTABLE: &str = "field is immutable when `immutable` is set";

fn map<'a>(obj: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    obj.get(key).and_then(Value::as_object)
}

fn keys(m: Option<&Map<String, Value>>, path: &str, out: &mut Vec<FieldCause>) {
    for k in m.into_iter().flat_map(Map::keys) {
        for msg in names::config_key(k) {
            out.push(FieldCause::invalid(&format!("{path}[{k}]"), &Bad::str(k), &msg));
        }
    }
}

fn text_len(v: &Value) -> usize {
    v.as_str().map_or(0, str::len)
}

/// `ValidateConfigMap`: keys, no key in both maps, at most 1 MiB of data.
pub fn config_map(obj: &Value, out: &mut Vec<FieldCause>) {
    let (data, binary) = (map(obj, "data"), map(obj, "binaryData"));
    keys(data, "data", out);
    keys(binary, "binaryData", out);
    let mut total = 0;
    for (k, v) in data.into_iter().flatten() {
        total += text_len(v);
        if binary.is_some_and(|b| b.contains_key(k)) {
            out.push(FieldCause::invalid(
                &format!("data[{k}]"),
                &Bad::str(k),
                "duplicate of key present in binaryData",
            ));
        }
    }
    // binaryData is base64 on the wire; the limit counts the decoded bytes.
    total += binary.into_iter().flatten().map(|(_, v)| text_len(v) / 4 * 3).sum::<usize>();
    if total > MAX_DATA_SIZE {
        out.push(FieldCause::too_long("", MAX_DATA_SIZE as i64));
    }
}

/// `ValidateSecret`: keys and at most 1 MiB of (decoded) data.
pub fn secret(obj: &Value, out: &mut Vec<FieldCause>) {
    let data = map(obj, "data");
    keys(data, "data", out);
    let total: usize = data.into_iter().flatten().map(|(_, v)| text_len(v) / 4 * 3).sum();
    if total > MAX_DATA_SIZE {
        out.push(FieldCause::too_long("data", MAX_DATA_SIZE as i64));
    }
}

fn non_null(obj: &Value, key: &str) -> Value {
    obj.get(key).filter(|v| !v.is_null()).cloned().unwrap_or(Value::Null)
}

/// The update of an object that was `immutable: true`: it stays so, and its data does not change.
pub fn immutable(kind: &str, new: &Value, old: &Value, out: &mut Vec<FieldCause>) {
    if old.get("immutable").and_then(Value::as_bool) != Some(true) {
        return;
    }
    if new.get("immutable").and_then(Value::as_bool) != Some(true) {
        out.push(FieldCause::forbidden("immutable", IMMUTABLE));
    }
    let fields: &[&str] = if kind == "Secret" { &["data"] } else { &["data", "binaryData"] };
    for f in fields {
        if non_null(new, f) != non_null(old, f) {
            out.push(FieldCause::forbidden(f, IMMUTABLE));
        }
    }
}

/// A Secret's `stringData` is write-only: it is merged into `data` (base64), as the real
/// server does when it decodes the object.
pub fn merge_string_data(obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    let Some(Value::Object(strings)) = o.remove("stringData") else { return };
    let data = o.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if !data.is_object() {
        *data = Value::Object(Map::new());
    }
    if let Some(d) = data.as_object_mut() {
        for (k, v) in strings {
            let bytes = v.as_str().unwrap_or_default().as_bytes().to_vec();
            let encoded = serde_json::to_value(k8s_openapi::ByteString(bytes)).unwrap_or(Value::Null);
            d.insert(k, encoded);
        }
    }
}
