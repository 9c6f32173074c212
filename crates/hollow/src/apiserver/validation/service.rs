//! `ValidateService` (`pkg/apis/core/validation`), the parts a controller writes: ports
//! (present unless headless or ExternalName, in range, named when there are several, names
//! unique) and the selector's labels.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{metadata, names};
use crate::apiserver::schema::{FieldCause, render::Bad};

const PORT_RANGE: &str = "must be between 1 and 65535, inclusive";

/// Every cause of a Service's spec.
pub fn spec(obj: &Value, out: &mut Vec<FieldCause>) {
    let empty = Value::Null;
    let spec = obj.get("spec").unwrap_or(&empty);
    let ports = spec.get("ports").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let headless = spec.get("clusterIP").and_then(Value::as_str) == Some("None");
    let external = spec.get("type").and_then(Value::as_str) == Some("ExternalName");
    if ports.is_empty() && !headless && !external {
        out.push(FieldCause::required("spec.ports", ""));
    }
    let mut seen = BTreeSet::new();
    for (i, p) in ports.iter().enumerate() {
        let at = format!("spec.ports[{i}]");
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        if ports.len() > 1 && name.is_empty() {
            out.push(FieldCause::required(&format!("{at}.name"), ""));
        } else if !name.is_empty() {
            for msg in names::dns1123_label(name) {
                out.push(FieldCause::invalid(&format!("{at}.name"), &Bad::str(name), &msg));
            }
            if !seen.insert(name.to_string()) {
                out.push(FieldCause::duplicate(&format!("{at}.name"), &Bad::str(name)));
            }
        }
        let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=65535).contains(&port) {
            out.push(FieldCause::invalid(&format!("{at}.port"), &Bad::Int(port), PORT_RANGE));
        }
        if let Some(target) = p.get("targetPort").and_then(Value::as_i64)
            && !(1..=65535).contains(&target)
        {
            out.push(FieldCause::invalid(&format!("{at}.targetPort"), &Bad::Int(target), PORT_RANGE));
        }
    }
    if let Some(sel) = spec.get("selector").and_then(Value::as_object) {
        metadata::labels_map(sel, "spec.selector", out);
    }
}
