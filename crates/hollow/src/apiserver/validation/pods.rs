//! `ValidatePodSpec` and `ValidatePodTemplateSpec` (`pkg/apis/core/validation`), the parts a
//! controller bug is likely to hit: containers present, each named (a DNS-1123 label, unique)
//! and with an image, container ports in range, a supported restart policy.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{metadata, names};
use crate::apiserver::schema::{FieldCause, render::Bad};

const RESTART_POLICIES: [&str; 3] = ["Always", "OnFailure", "Never"];

/// Every cause of the PodSpec `spec` at `path` (`spec`, `spec.template.spec`).
pub fn spec(spec: Option<&Value>, path: &str, out: &mut Vec<FieldCause>) {
    let empty = Value::Null;
    let spec = spec.unwrap_or(&empty);
    let mut seen = BTreeSet::new();
    containers(spec.get("containers"), &format!("{path}.containers"), true, &mut seen, out);
    containers(spec.get("initContainers"), &format!("{path}.initContainers"), false, &mut seen, out);
    if let Some(policy) = spec.get("restartPolicy").and_then(Value::as_str)
        && !RESTART_POLICIES.contains(&policy)
    {
        let supported: Vec<String> = RESTART_POLICIES.iter().map(|s| (*s).to_string()).collect();
        out.push(FieldCause::not_supported(&format!("{path}.restartPolicy"), &Bad::str(policy), &supported));
    }
}

fn containers(
    list: Option<&Value>,
    path: &str,
    required: bool,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<FieldCause>,
) {
    let items = list.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if items.is_empty() {
        if required {
            out.push(FieldCause::required(path, ""));
        }
        return;
    }
    for (i, c) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            out.push(FieldCause::required(&format!("{at}.name"), ""));
        } else {
            for msg in names::dns1123_label(name) {
                out.push(FieldCause::invalid(&format!("{at}.name"), &Bad::str(name), &msg));
            }
        }
        if c.get("image").and_then(Value::as_str).unwrap_or_default().is_empty() {
            out.push(FieldCause::required(&format!("{at}.image"), ""));
        }
        for (j, p) in c.get("ports").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let port = p.get("containerPort").and_then(Value::as_i64).unwrap_or(0);
            if !(1..=65535).contains(&port) {
                out.push(FieldCause::invalid(
                    &format!("{at}.ports[{j}].containerPort"),
                    &Bad::Int(port),
                    "must be between 1 and 65535, inclusive",
                ));
            }
        }
        if !name.is_empty() && !seen.insert(name.to_string()) {
            out.push(FieldCause::duplicate(&format!("{at}.name"), &Bad::str(name)));
        }
    }
}

/// `ValidatePodTemplateSpec` at `path` (`spec.template`): its labels and annotations, then
/// its PodSpec.
pub fn template(template: Option<&Value>, path: &str, out: &mut Vec<FieldCause>) {
    let meta = template.and_then(|t| t.get("metadata"));
    if let Some(labels) = meta.and_then(|m| m.get("labels")).and_then(Value::as_object) {
        metadata::labels_map(labels, &format!("{path}.metadata.labels"), out);
    }
    if let Some(annotations) = meta.and_then(|m| m.get("annotations")).and_then(Value::as_object) {
        metadata::annotations_map(annotations, &format!("{path}.metadata.annotations"), out);
    }
    spec(template.and_then(|t| t.get("spec")), &format!("{path}.spec"), out);
}
