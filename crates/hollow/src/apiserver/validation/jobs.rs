//! `ValidateJob` and `ValidateJobUpdate` (`pkg/apis/batch/validation`, Kubernetes 1.32) of a
//! batch/v1 Job whose defaults and generated selector are in place (`apiserver::batch`):
//! the labels the generated selector needs, the counts, the completion mode, the pod failure
//! and replacement policies, the pod template (as for a ReplicaSet's) with a restart policy
//! of `Never` or `OnFailure`, the selector, and on update the immutable fields.

use serde_json::{Value, json};

use super::{gofmt, metadata, names, pods};
use crate::apiserver::{
    batch::{CONTROLLER_UID, JOB_NAME, LEGACY_CONTROLLER_UID, LEGACY_JOB_NAME},
    schema::{FieldCause, render::Bad},
    selectors::LabelSelector,
};

const NEGATIVE: &str = "must be greater than or equal to 0";
const IMMUTABLE: &str = "field is immutable";
const MAX_INDEXED_PARALLELISM: i64 = 100_000;

fn text<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

fn template_labels(spec: &Value) -> Option<&Value> {
    spec.pointer("/template/metadata/labels").filter(|l| !l.is_null())
}

/// Every cause of a Job, `old` its stored state on update. On update the spec is validated
/// twice, as `ValidateJob` and then `ValidateJobSpecUpdate` do (the message prints each once).
pub fn job(obj: &Value, old: Option<&Value>, out: &mut Vec<FieldCause>) {
    let empty = json!({});
    let spec = obj.get("spec").unwrap_or(&empty);
    // New Jobs must carry the prefixed labels; old ones only if they already did.
    let prefixed = old.is_none_or(|o| {
        let labels = o.get("spec").and_then(template_labels);
        labels.is_some_and(|l| l.get(CONTROLLER_UID).is_some() && l.get(JOB_NAME).is_some())
    });
    generated_selector(obj, spec, prefixed, out);
    job_spec(spec, out);
    if text(spec, "/completionMode") == "Indexed"
        && let Some(c) = spec.get("completions").and_then(Value::as_i64).filter(|c| *c > 0)
    {
        let name = text(obj, "/metadata/name");
        let hostname = format!("{name}-{}", c - 1);
        if !names::dns1123_label(&hostname).is_empty() {
            let why = format!("will not able to create pod with invalid DNS label: {hostname}");
            out.push(FieldCause::invalid("metadata.name", &Bad::str(name), &why));
        }
    }
    if let Some(old) = old {
        job_spec(spec, out);
        immutable(spec, old.get("spec").unwrap_or(&empty), old, out);
    }
}

/// `validateGeneratedSelector`: unless `manualSelector`, the template carries the labels the
/// server generated and the selector selects them.
fn generated_selector(obj: &Value, spec: &Value, prefixed: bool, out: &mut Vec<FieldCause>) {
    if spec.get("manualSelector") == Some(&json!(true)) {
        return;
    }
    let Some(selector) = spec.get("selector").filter(|s| !s.is_null()) else { return };
    let (uid, name) = (text(obj, "/metadata/uid"), text(obj, "/metadata/name"));
    let labels = template_labels(spec);
    let mut expected = vec![(LEGACY_CONTROLLER_UID, uid), (LEGACY_JOB_NAME, name)];
    if prefixed {
        expected.extend([(CONTROLLER_UID, uid), (JOB_NAME, name)]);
    }
    for (key, want) in &expected {
        let path = format!("spec.template.metadata.labels[{key}]");
        match labels.and_then(|l| l.get(*key)).and_then(Value::as_str) {
            None => out.push(FieldCause::required(&path, want)),
            Some(have) if have != *want => out.push(FieldCause::invalid(
                &path,
                &Bad::Raw(gofmt::string_map(labels)),
                &format!("must be '{want}'"),
            )),
            Some(_) => {}
        }
    }
    let expected = expected.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    if let Ok(sel) = LabelSelector::from_object(selector)
        && !sel.matches(&expected)
    {
        out.push(FieldCause::invalid(
            "spec.selector",
            &Bad::Raw(gofmt::label_selector(selector)),
            "`selector` not auto-generated",
        ));
    }
}

fn non_negative(spec: &Value, field: &str, out: &mut Vec<FieldCause>) {
    if let Some(n) = spec.get(field).and_then(Value::as_i64).filter(|n| *n < 0) {
        out.push(FieldCause::invalid(&format!("spec.{field}"), &Bad::Int(n), NEGATIVE));
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| (*s).to_string()).collect()
}

/// `ValidateJobSpec`.
fn job_spec(spec: &Value, out: &mut Vec<FieldCause>) {
    for field in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
    ] {
        non_negative(spec, field, out);
    }
    let has = |f: &str| spec.get(f).is_some_and(|v| !v.is_null());
    if has("maxFailedIndexes") && !has("backoffLimitPerIndex") {
        out.push(FieldCause::required("spec.backoffLimitPerIndex", "when maxFailedIndexes is specified"));
    }
    let mode = text(spec, "/completionMode");
    match mode {
        "Indexed" => {
            if !has("completions") {
                out.push(FieldCause::required("spec.completions", "when completion mode is Indexed"));
            }
            if let Some(p) =
                spec.get("parallelism").and_then(Value::as_i64).filter(|p| *p > MAX_INDEXED_PARALLELISM)
            {
                let why = format!(
                    "must be less than or equal to {MAX_INDEXED_PARALLELISM} when completion mode is Indexed"
                );
                out.push(FieldCause::invalid("spec.parallelism", &Bad::Int(p), &why));
            }
        }
        "NonIndexed" | "" => {
            for field in ["backoffLimitPerIndex", "maxFailedIndexes"] {
                if let Some(v) = spec.get(field).filter(|v| !v.is_null()) {
                    let path = format!("spec.{field}");
                    out.push(FieldCause::invalid(&path, &Bad::of(v), "requires indexed completion mode"));
                }
            }
        }
        other => out.push(FieldCause::not_supported(
            "spec.completionMode",
            &Bad::str(other),
            &strings(&["NonIndexed", "Indexed"]),
        )),
    }
    if let Some(policy) = spec.get("podFailurePolicy").filter(|p| !p.is_null()) {
        pod_failure_policy(spec, policy, out);
    }
    if let Some(success) = spec.get("successPolicy").filter(|p| !p.is_null())
        && mode != "Indexed"
    {
        let shown = Bad::Raw(format!("batch.SuccessPolicy{{Rules:{}}}", success["rules"]));
        out.push(FieldCause::invalid("spec.successPolicy", &shown, "requires indexed completion mode"));
    }
    if let Some(replacement) = spec.get("podReplacementPolicy").and_then(Value::as_str) {
        let allowed: &[&str] =
            if has("podFailurePolicy") { &["Failed"] } else { &["Failed", "TerminatingOrFailed"] };
        if !allowed.contains(&replacement) {
            out.push(FieldCause::not_supported(
                "spec.podReplacementPolicy",
                &Bad::str(replacement),
                &strings(allowed),
            ));
        }
    }
    let template = spec.get("template").filter(|t| !t.is_null());
    pods::template(template, "spec.template", out);
    let restart = template.map_or("", |t| text(t, "/spec/restartPolicy"));
    let path = "spec.template.spec.restartPolicy";
    match restart {
        "Always" | "" => out.push(FieldCause::required(path, r#"valid values: "OnFailure", "Never""#)),
        "OnFailure" | "Never" => {
            if has("podFailurePolicy") && restart != "Never" {
                let why = r#"only "Never" is supported when podFailurePolicy is specified"#;
                out.push(FieldCause::invalid(path, &Bad::str(restart), why));
            }
        }
        other => {
            out.push(FieldCause::not_supported(path, &Bad::str(other), &strings(&["OnFailure", "Never"])))
        }
    }
    let selector = spec.get("selector").filter(|s| !s.is_null());
    match selector {
        None => out.push(FieldCause::required("spec.selector", "")),
        Some(sel) => metadata::label_selector(sel, "spec.selector", out),
    }
    // A missing selector selects nothing, so it never matches either.
    let matches = match selector.map(LabelSelector::from_object) {
        None => Some(false),
        Some(Ok(sel)) => {
            Some(sel.matches(&crate::apiserver::selectors::labels_of(template.unwrap_or(&Value::Null))))
        }
        Some(Err(_)) => None,
    };
    if matches == Some(false) {
        out.push(FieldCause::invalid(
            "spec.template.metadata.labels",
            &Bad::Raw(gofmt::string_map(template_labels(spec))),
            "`selector` does not match template `labels`",
        ));
    }
}

/// `validatePodFailurePolicy`: each rule's action, and exactly one of its exit code or pod
/// condition requirements, well formed.
fn pod_failure_policy(spec: &Value, policy: &Value, out: &mut Vec<FieldCause>) {
    let rules = policy.get("rules").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if rules.len() > 20 {
        out.push(FieldCause::too_many("spec.podFailurePolicy.rules", rules.len() as i64, 20));
    }
    let containers: Vec<&str> = ["/template/spec/containers", "/template/spec/initContainers"]
        .iter()
        .filter_map(|p| spec.pointer(p).and_then(Value::as_array))
        .flatten()
        .map(|c| text(c, "/name"))
        .collect();
    let actions = strings(&["Count", "FailIndex", "FailJob", "Ignore"]);
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("spec.podFailurePolicy.rules[{i}]");
        match text(rule, "/action") {
            "" => out.push(FieldCause::required(
                &format!("{at}.action"),
                r#"valid values: ["Count" "FailIndex" "FailJob" "Ignore"]"#,
            )),
            "FailIndex" if spec.get("backoffLimitPerIndex").is_none_or(Value::is_null) => {
                out.push(FieldCause::invalid(
                    &format!("{at}.action"),
                    &Bad::str("FailIndex"),
                    "requires the backoffLimitPerIndex to be set",
                ));
            }
            a if !actions.iter().any(|x| x == a) => {
                out.push(FieldCause::not_supported(&format!("{at}.action"), &Bad::str(a), &actions));
            }
            _ => {}
        }
        let exit = rule.get("onExitCodes").filter(|e| !e.is_null());
        let conditions = rule.get("onPodConditions").and_then(Value::as_array).filter(|c| !c.is_empty());
        if let Some(e) = exit {
            on_exit_codes(e, &format!("{at}.onExitCodes"), &containers, out);
        }
        for (j, p) in conditions.into_iter().flatten().enumerate() {
            let status = text(p, "/status");
            if !["True", "False", "Unknown"].contains(&status) {
                let path = format!("{at}.onPodConditions[{j}].status");
                out.push(FieldCause::not_supported(
                    &path,
                    &Bad::str(status),
                    &strings(&["False", "True", "Unknown"]),
                ));
            }
        }
        let why = match (exit.is_some(), conditions.is_some()) {
            (true, true) => "specifying both OnExitCodes and OnPodConditions is not supported",
            (false, false) => "specifying one of OnExitCodes and OnPodConditions is required",
            _ => continue,
        };
        // `field.OmitValueType`: the message has no value.
        out.push(FieldCause {
            reason: "FieldValueInvalid",
            message: format!("Invalid value: {why}"),
            field: at.clone(),
        });
    }
}

fn on_exit_codes(req: &Value, at: &str, containers: &[&str], out: &mut Vec<FieldCause>) {
    let op = text(req, "/operator");
    match op {
        "In" | "NotIn" => {}
        "" => out.push(FieldCause::required(&format!("{at}.operator"), r#"valid values: ["In" "NotIn"]"#)),
        other => out.push(FieldCause::not_supported(
            &format!("{at}.operator"),
            &Bad::str(other),
            &strings(&["In", "NotIn"]),
        )),
    }
    if let Some(name) = req.get("containerName").and_then(Value::as_str)
        && !containers.contains(&name)
    {
        out.push(FieldCause::invalid(
            &format!("{at}.containerName"),
            &Bad::str(name),
            "must be one of the container or initContainer names in the pod template",
        ));
    }
    let values: Vec<i64> =
        req.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_i64).collect();
    let shown = || {
        Bad::Raw(format!("[]int32{{{}}}", values.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")))
    };
    if values.is_empty() {
        out.push(FieldCause::invalid(&format!("{at}.values"), &shown(), "at least one value is required"));
    }
    for (j, v) in values.iter().enumerate() {
        if op == "In" && *v == 0 {
            out.push(FieldCause::invalid(
                &format!("{at}.values[{j}]"),
                &Bad::Int(0),
                "must not be 0 for the In operator",
            ));
        }
        if values[..j].contains(v) {
            out.push(FieldCause::duplicate(&format!("{at}.values[{j}]"), &Bad::Int(*v)));
        }
    }
    if values.windows(2).any(|w| w[0] > w[1]) {
        out.push(FieldCause::invalid(&format!("{at}.values"), &shown(), "must be ordered"));
    }
}

/// A pod template as the message shows it (Go prints the whole struct, with pointer
/// addresses; this keeps its labels and annotations).
fn template_shown(spec: &Value) -> Bad {
    Bad::Raw(format!(
        "core.PodTemplateSpec{{ObjectMeta:v1.ObjectMeta{{Labels:{}, Annotations:{}}}, Spec:core.PodSpec{{...}}}}",
        gofmt::string_map(template_labels(spec)),
        gofmt::string_map(spec.pointer("/template/metadata/annotations").filter(|a| !a.is_null())),
    ))
}

/// `ValidateJobSpecUpdate`'s immutable fields. A suspended Job that never started may still
/// change its template's scheduling directives, labels and annotations.
fn immutable(spec: &Value, old_spec: &Value, old: &Value, out: &mut Vec<FieldCause>) {
    let field = |s: &Value, f: &str| s.get(f).filter(|v| !v.is_null()).cloned();
    let indexed = text(spec, "/completionMode") == "Indexed";
    let (c, oc) = (field(spec, "completions"), field(old_spec, "completions"));
    // An Indexed Job's completions may change with its parallelism (ElasticIndexedJob).
    if c != oc {
        let shown = c.as_ref().map_or(Bad::Null, Bad::of);
        if !indexed {
            out.push(FieldCause::invalid("spec.completions", &shown, IMMUTABLE));
        } else if c.is_some() && c != field(spec, "parallelism") {
            let why = "can only be modified in tandem with spec.parallelism";
            out.push(FieldCause::invalid("spec.completions", &shown, why));
        }
    }
    let (s, os) = (field(spec, "selector"), field(old_spec, "selector"));
    if s != os {
        let shown = s.as_ref().map_or(Bad::Null, |s| Bad::Raw(gofmt::label_selector(s)));
        out.push(FieldCause::invalid("spec.selector", &shown, IMMUTABLE));
    }
    let suspended_unstarted =
        old_spec.get("suspend") == Some(&json!(true)) && old.pointer("/status/startTime").is_none();
    let comparable = |s: &Value| {
        let mut t = s.get("template").cloned().unwrap_or(Value::Null);
        if suspended_unstarted && let Some(t) = t.as_object_mut() {
            if let Some(m) = t.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("labels");
                m.remove("annotations");
            }
            if let Some(p) = t.get_mut("spec").and_then(Value::as_object_mut) {
                for k in ["nodeSelector", "tolerations", "schedulingGates"] {
                    p.remove(k);
                }
                if let Some(a) = p.get_mut("affinity").and_then(Value::as_object_mut) {
                    a.remove("nodeAffinity");
                }
                if p.get("affinity").is_some_and(|a| a.as_object().is_some_and(|a| a.is_empty())) {
                    p.remove("affinity");
                }
            }
        }
        t
    };
    if comparable(spec) != comparable(old_spec) {
        out.push(FieldCause::invalid("spec.template", &template_shown(spec), IMMUTABLE));
    }
    for (f, shown) in [
        ("completionMode", None),
        ("podFailurePolicy", Some("batch.PodFailurePolicy")),
        ("backoffLimitPerIndex", None),
        ("managedBy", None),
        ("successPolicy", Some("batch.SuccessPolicy")),
    ] {
        let (n, o) = (field(spec, f), field(old_spec, f));
        if n != o {
            let bad = match (&n, shown) {
                (None, _) => Bad::Null,
                (Some(v), Some(go_type)) => Bad::Raw(format!("{go_type}{{Rules:{}}}", v["rules"])),
                (Some(v), None) => Bad::of(v),
            };
            out.push(FieldCause::invalid(&format!("spec.{f}"), &bad, IMMUTABLE));
        }
    }
}
