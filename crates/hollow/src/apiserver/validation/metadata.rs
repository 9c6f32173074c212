//! `ValidateObjectMeta` (`k8s.io/apimachinery/pkg/api/validation/objectmeta.go`): the name or
//! generateName by the kind's rule, label keys and values, annotation keys and their total
//! size; and `ValidateLabelSelector` for the selectors of built-in kinds.

use serde_json::{Map, Value};

use super::names::{self, NameRule};
use crate::apiserver::schema::{FieldCause, render::Bad};

/// Largest total size of an object's annotations, keys and values (256 KiB).
pub const TOTAL_ANNOTATION_SIZE: usize = 256 * 1024;

/// Every cause in `metadata` of an object whose names follow `rule`.
pub fn object(rule: NameRule, obj: &Value) -> Vec<FieldCause> {
    let mut out = Vec::new();
    let meta = obj.get("metadata");
    let text = |k: &str| meta.and_then(|m| m.get(k)).and_then(Value::as_str).unwrap_or_default();
    let name = text("name");
    for msg in rule.check(name, false) {
        out.push(FieldCause::invalid("metadata.name", &Bad::str(name), &msg));
    }
    let generate = text("generateName");
    if !generate.is_empty() {
        for msg in rule.check(generate, true) {
            out.push(FieldCause::invalid("metadata.generateName", &Bad::str(generate), &msg));
        }
    }
    if let Some(labels) = meta.and_then(|m| m.get("labels")).and_then(Value::as_object) {
        labels_map(labels, "metadata.labels", &mut out);
    }
    if let Some(annotations) = meta.and_then(|m| m.get("annotations")).and_then(Value::as_object) {
        annotations_map(annotations, "metadata.annotations", &mut out);
    }
    out
}

/// `ValidateLabels`: every key a qualified name, every value a label value. The causes name
/// the map, not the key, as the real server's do.
pub fn labels_map(labels: &Map<String, Value>, path: &str, out: &mut Vec<FieldCause>) {
    for (k, v) in labels {
        label_key(k, path, out);
        if let Some(v) = v.as_str() {
            for msg in names::label_value(v) {
                out.push(FieldCause::invalid(path, &Bad::str(v), &msg));
            }
        }
    }
}

/// `ValidateLabelName`.
fn label_key(k: &str, path: &str, out: &mut Vec<FieldCause>) {
    for msg in names::qualified_name(k) {
        out.push(FieldCause::invalid(path, &Bad::str(k), &msg));
    }
}

/// `ValidateAnnotations`: keys are qualified names (case does not matter), and all of them
/// together at most 256 KiB.
pub fn annotations_map(annotations: &Map<String, Value>, path: &str, out: &mut Vec<FieldCause>) {
    let mut total = 0;
    for (k, v) in annotations {
        for msg in names::qualified_name(&k.to_lowercase()) {
            out.push(FieldCause::invalid(path, &Bad::str(k), &msg));
        }
        total += k.len() + v.as_str().map_or(0, str::len);
    }
    if total > TOTAL_ANNOTATION_SIZE {
        out.push(FieldCause::too_long(path, TOTAL_ANNOTATION_SIZE as i64));
    }
}

/// `ValidateLabelSelector` of `spec.selector`-style selectors.
pub fn label_selector(sel: &Value, path: &str, out: &mut Vec<FieldCause>) {
    for (i, req) in sel.get("matchExpressions").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let at = format!("{path}.matchExpressions[{i}]");
        let op = req.get("operator").and_then(Value::as_str).unwrap_or_default();
        let values = req.get("values").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        match op {
            "In" | "NotIn" if values.is_empty() => out.push(FieldCause::required(
                &format!("{at}.values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if !values.is_empty() => out.push(FieldCause::forbidden(
                &format!("{at}.values"),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            _ => out.push(FieldCause::invalid(
                &format!("{at}.operator"),
                &Bad::str(op),
                "not a valid selector operator",
            )),
        }
        for (j, v) in values.iter().enumerate() {
            for msg in names::label_value(v.as_str().unwrap_or_default()) {
                out.push(FieldCause::invalid(&format!("{at}.values[{j}]"), &Bad::of(v), &msg));
            }
        }
        label_key(req.get("key").and_then(Value::as_str).unwrap_or_default(), &format!("{at}.key"), out);
    }
    if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
        labels_map(labels, &format!("{path}.matchLabels"), out);
    }
}

/// Whether a `LabelSelector` selects by nothing (neither labels nor expressions).
pub fn selector_is_empty(sel: &Value) -> bool {
    let len = |k: &str| {
        sel.get(k).map_or(0, |v| v.as_object().map(Map::len).or(v.as_array().map(Vec::len)).unwrap_or(0))
    };
    len("matchLabels") + len("matchExpressions") == 0
}
