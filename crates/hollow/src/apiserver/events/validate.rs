//! Event validation as the real server's `pkg/apis/core/validation/events.go`: the legacy
//! rules every Event passes (namespaces agree; a new-style Event with `eventTime` names its
//! reporting controller, instance, action and reason within their limits), and for
//! `events.k8s.io/v1` the strict ones (eventTime required, type Normal or Warning, series of
//! at least 2, no deprecated fields). Field paths are the stored (`v1`) names, as there.

use serde_json::{Value, json};

use crate::apiserver::selectors::label_key_errors;

/// Length limits (`ReportingInstanceLengthLimit`, `ActionLengthLimit`, `ReasonLengthLimit`,
/// `NoteLengthLimit`).
const INSTANCE_LIMIT: usize = 128;
const ACTION_LIMIT: usize = 128;
const REASON_LIMIT: usize = 128;
const NOTE_LIMIT: usize = 1024;

/// One field error: path and the error body (`Required value`, `Invalid value: "": ...`).
pub type FieldError = (String, String);

fn s<'a>(ev: &'a Value, ptr: &str) -> &'a str {
    ev.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

fn set(ev: &Value, k: &str) -> bool {
    ev.get(k).is_some_and(|v| !v.is_null() && v != "")
}

fn required(path: &str) -> FieldError {
    (path.into(), "Required value".into())
}

fn invalid(path: &str, value: &str, why: &str) -> FieldError {
    (path.into(), format!("Invalid value: {value:?}: {why}"))
}

fn too_long(path: &str, limit: usize) -> FieldError {
    invalid(path, "", &format!("can have at most {limit} characters"))
}

/// The errors of a stored-form Event written through `events.k8s.io/v1` (`strict`) or `v1`.
pub fn validate(ev: &Value, strict: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let ns = s(ev, "/metadata/namespace");
    let involved_ns = s(ev, "/involvedObject/namespace");
    let controller_path = if strict { "reportingController" } else { "reportingComponent" };
    if !set(ev, "eventTime") {
        let agrees =
            if involved_ns.is_empty() { ns.is_empty() || ns == "default" } else { ns == involved_ns };
        if !agrees {
            errs.push(invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"));
        }
    } else {
        if involved_ns.is_empty() && ns != "default" && ns != "kube-system" {
            errs.push(invalid("involvedObject.namespace", involved_ns, "does not match event.namespace"));
        }
        let controller = s(ev, "/reportingComponent");
        if controller.is_empty() {
            errs.push(required(controller_path));
        }
        for e in label_key_errors(controller) {
            errs.push(invalid(controller_path, controller, &e));
        }
        let limits =
            [("reportingInstance", INSTANCE_LIMIT), ("action", ACTION_LIMIT), ("reason", REASON_LIMIT)];
        for (field, limit) in limits {
            let v = s(ev, &format!("/{field}"));
            if v.is_empty() {
                errs.push(required(field));
            }
            if v.len() > limit {
                errs.push(too_long(field, limit));
            }
        }
        if s(ev, "/message").len() > NOTE_LIMIT {
            errs.push(too_long("message", NOTE_LIMIT));
        }
    }
    if !strict {
        return errs;
    }
    if let Some(series) = ev.get("series").filter(|v| v.is_object()) {
        if series["count"].as_i64().unwrap_or(0) < 2 {
            errs.push(invalid("series.count", "", "should be at least 2"));
        }
        if !set(series, "lastObservedTime") {
            errs.push(required("series.lastObservedTime"));
        }
    }
    if !set(ev, "eventTime") {
        errs.push(required("eventTime"));
    }
    let type_ = s(ev, "/type");
    if type_ != "Normal" && type_ != "Warning" {
        errs.push(invalid("type", "", &format!("has invalid value: {type_}")));
    }
    for field in ["firstTimestamp", "lastTimestamp"] {
        if set(ev, field) {
            errs.push(invalid(field, "", "needs to be unset"));
        }
    }
    if ev.get("count").and_then(Value::as_i64).is_some_and(|c| c != 0) {
        errs.push(invalid("count", "", "needs to be unset"));
    }
    if !s(ev, "/source/component").is_empty() || !s(ev, "/source/host").is_empty() {
        errs.push(invalid("source", "", "needs to be unset"));
    }
    errs
}

/// The 422 body parts: the message after `<kind> "<name>" is invalid: ` and the causes.
pub fn describe(errs: &[FieldError]) -> (String, Vec<Value>) {
    let each: Vec<String> = errs.iter().map(|(f, m)| format!("{f}: {m}")).collect();
    let joined = if each.len() == 1 { each[0].clone() } else { format!("[{}]", each.join(", ")) };
    let causes = errs
        .iter()
        .map(|(f, m)| {
            let reason = if m.starts_with("Required") { "FieldValueRequired" } else { "FieldValueInvalid" };
            json!({"reason": reason, "message": m, "field": f})
        })
        .collect();
    (joined, causes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_style() -> Value {
        json!({"metadata": {"name": "e", "namespace": "default"}, "eventTime": "2026-01-01T00:00:00.000000Z",
               "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
               "reportingComponent": "ramp.dev/controller", "reportingInstance": "ramp-0", "action": "Scale",
               "reason": "Scaled", "type": "Normal", "message": "scaled"})
    }

    #[test]
    fn strict_rules() {
        assert_eq!(validate(&new_style(), true), Vec::<FieldError>::new());
        let mut ev = new_style();
        ev["type"] = json!("Info");
        ev["message"] = json!("x".repeat(1025));
        ev.as_object_mut().unwrap().remove("action");
        ev.as_object_mut().unwrap().remove("eventTime");
        ev["involvedObject"]["namespace"] = json!("other");
        let got = validate(&ev, true);
        assert_eq!(
            got,
            vec![
                invalid("involvedObject.namespace", "other", "does not match event.namespace"),
                required("eventTime"),
                invalid("type", "", "has invalid value: Info"),
            ]
        );
        let mut ev = new_style();
        ev["message"] = json!("x".repeat(1025));
        ev["reportingComponent"] = json!("");
        ev["series"] = json!({"count": 1});
        assert_eq!(
            validate(&ev, true),
            vec![
                required("reportingController"),
                invalid("reportingController", "", "name part must be non-empty"),
                invalid(
                    "reportingController",
                    "",
                    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
                ),
                too_long("message", 1024),
                invalid("series.count", "", "should be at least 2"),
                required("series.lastObservedTime"),
            ]
        );
    }

    #[test]
    fn legacy_events_need_agreeing_namespaces_only() {
        let ev = json!({"metadata": {"name": "e", "namespace": "default"}, "involvedObject": {"kind": "Pod", "name": "p"},
                        "reason": "x", "message": "y", "count": 2, "source": {"component": "kubelet"}});
        assert!(validate(&ev, false).is_empty());
        assert_eq!(validate(&ev, true).len(), 4, "{:?}", validate(&ev, true));
    }
}
