//! `ValidateReplicaSetSpec`, `ValidateDeploymentSpec` (`pkg/apis/apps/validation`), their
//! immutable `spec.selector` in apps/v1, and the selector of a PodDisruptionBudget.

use serde_json::Value;

use super::{gofmt, metadata, pods};
use crate::apiserver::{
    schema::{FieldCause, render::Bad},
    selectors::{LabelSelector, labels_of},
};

/// `IsNegativeErrorMsg`.
const NEGATIVE: &str = "must be greater than or equal to 0";

fn non_negative(spec: &Value, field: &str, path: &str, out: &mut Vec<FieldCause>) {
    if let Some(n) = spec.get(field).and_then(Value::as_i64)
        && n < 0
    {
        out.push(FieldCause::invalid(&format!("{path}.{field}"), &Bad::Int(n), NEGATIVE));
    }
}

/// The spec of a ReplicaSet or a Deployment (`kind`).
pub fn spec(kind: &str, obj: &Value, out: &mut Vec<FieldCause>) {
    let empty = Value::Null;
    let spec = obj.get("spec").unwrap_or(&empty);
    non_negative(spec, "replicas", "spec", out);
    if kind == "ReplicaSet" {
        non_negative(spec, "minReadySeconds", "spec", out);
    }
    match spec.get("selector").filter(|s| !s.is_null()) {
        None => out.push(FieldCause::required("spec.selector", "")),
        Some(sel) => {
            metadata::label_selector(sel, "spec.selector", out);
            if metadata::selector_is_empty(sel) {
                out.push(FieldCause::invalid(
                    "spec.selector",
                    &Bad::Raw(gofmt::label_selector(sel)),
                    "empty selector is invalid for deployment",
                ));
            }
        }
    }
    template(spec, out);
    if kind == "Deployment" {
        non_negative(spec, "minReadySeconds", "spec", out);
        non_negative(spec, "revisionHistoryLimit", "spec", out);
        non_negative(spec, "progressDeadlineSeconds", "spec", out);
        let min_ready = spec.get("minReadySeconds").and_then(Value::as_i64).unwrap_or(0);
        if let Some(deadline) = spec.get("progressDeadlineSeconds").and_then(Value::as_i64)
            && deadline >= 0
            && deadline <= min_ready
        {
            out.push(FieldCause::invalid(
                "spec.progressDeadlineSeconds",
                &Bad::Int(deadline),
                "must be greater than minReadySeconds",
            ));
        }
    }
}

/// `ValidatePodTemplateSpecForReplicaSet`: the selector must select the template's labels.
fn template(spec: &Value, out: &mut Vec<FieldCause>) {
    let Some(t) = spec.get("template").filter(|t| !t.is_null()) else {
        out.push(FieldCause::required("spec.template", ""));
        return;
    };
    let raw = spec.get("selector").filter(|s| !s.is_null());
    let selector = raw.map(LabelSelector::from_object);
    match selector {
        Some(Ok(sel))
            if raw.is_some_and(|r| !metadata::selector_is_empty(r)) && !sel.matches(&labels_of(t)) =>
        {
            out.push(FieldCause::invalid(
                "spec.template.metadata.labels",
                &Bad::Raw(gofmt::string_map(t.pointer("/metadata/labels"))),
                "`selector` does not match template `labels`",
            ));
        }
        Some(Err(_)) => {
            if let Some(sel) = raw {
                out.push(FieldCause::invalid(
                    "spec.selector",
                    &Bad::Raw(gofmt::label_selector(sel)),
                    "invalid label selector",
                ));
            }
        }
        _ => {}
    }
    pods::template(Some(t), "spec.template", out);
    if let Some(policy) = t.pointer("/spec/restartPolicy").and_then(Value::as_str)
        && policy != "Always"
    {
        out.push(FieldCause::not_supported(
            "spec.template.spec.restartPolicy",
            &Bad::str(policy),
            &["Always".to_string()],
        ));
    }
}

/// Non-null entries only: a selector written with `null`s is the same selector.
fn normalized(v: Option<&Value>) -> Value {
    let mut v = v.cloned().unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.retain(|_, x| !x.is_null());
    }
    v
}

/// apps/v1 refuses any change of `spec.selector` (`ValidateImmutableField`).
pub fn immutable_selector(new: &Value, old: &Value, out: &mut Vec<FieldCause>) {
    let (n, o) = (normalized(new.pointer("/spec/selector")), normalized(old.pointer("/spec/selector")));
    if n != o {
        out.push(FieldCause::invalid(
            "spec.selector",
            &Bad::Raw(gofmt::label_selector(&n)),
            "field is immutable",
        ));
    }
}

/// `ValidatePodDisruptionBudgetSpec`: its selector.
pub fn pdb(obj: &Value, out: &mut Vec<FieldCause>) {
    if let Some(sel) = obj.pointer("/spec/selector").filter(|s| !s.is_null()) {
        metadata::label_selector(sel, "spec.selector", out);
    }
}
