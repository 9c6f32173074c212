//! batch/v1 Jobs beyond the generic write path, as the real registry (Kubernetes 1.32) does
//! them: `SetDefaults_Job`, the selector and pod template labels the server generates on
//! create (`generateSelector`), the cells `kubectl get jobs` prints (`printJob`), and the
//! orphaning default of a DELETE through batch/v1.

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{defaults, table::human_duration};

/// The label the generated selector selects by: the Job's uid.
pub const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// The Job's name on its pods.
pub const JOB_NAME: &str = "batch.kubernetes.io/job-name";
/// The unprefixed controller-uid label, still set for older clients.
pub const LEGACY_CONTROLLER_UID: &str = "controller-uid";
/// The unprefixed job-name label, still set for older clients.
pub const LEGACY_JOB_NAME: &str = "job-name";
/// The finalizer the Job controller keeps on its pods until it has counted them.
pub const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
/// The warning of a DELETE through batch/v1 that names no propagation policy.
pub const DELETE_WARNING: &str = "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning";

/// Whether a Job is reached through the version whose DELETE orphans pods by default.
pub fn orphans_by_default(group: &str, version: &str, kind: &str) -> bool {
    group == "batch" && version == "v1" && kind == "Job"
}

fn unset(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key).is_none_or(Value::is_null)
}

/// `SetDefaults_Job` (with the pod template's PodSpec defaults); also what a read of the
/// stored object would add: the Job's labels are its template's when it has none.
pub fn defaults(obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    // JobSpec and its template are structs, not pointers: defaulted even when absent.
    if !o.get("spec").is_some_and(Value::is_object) {
        o.insert("spec".into(), json!({}));
    }
    let Some(spec) = o.get_mut("spec").and_then(Value::as_object_mut) else { return };
    if unset(spec, "completions") && unset(spec, "parallelism") {
        spec.insert("completions".into(), json!(1));
    }
    if unset(spec, "parallelism") {
        spec.insert("parallelism".into(), json!(1));
    }
    if unset(spec, "backoffLimit") {
        let limit = if unset(spec, "backoffLimitPerIndex") { 6 } else { i64::from(i32::MAX) };
        spec.insert("backoffLimit".into(), json!(limit));
    }
    if unset(spec, "completionMode") {
        spec.insert("completionMode".into(), json!("NonIndexed"));
    }
    if unset(spec, "suspend") {
        spec.insert("suspend".into(), json!(false));
    }
    if unset(spec, "podReplacementPolicy") {
        let policy = if unset(spec, "podFailurePolicy") { "TerminatingOrFailed" } else { "Failed" };
        spec.insert("podReplacementPolicy".into(), json!(policy));
    }
    let rules =
        spec.get_mut("podFailurePolicy").and_then(|p| p.get_mut("rules")).and_then(Value::as_array_mut);
    for rule in rules.into_iter().flatten() {
        let patterns = rule.get_mut("onPodConditions").and_then(Value::as_array_mut);
        for p in patterns.into_iter().flatten().filter_map(Value::as_object_mut) {
            if p.get("status").and_then(Value::as_str).is_none_or(str::is_empty) {
                p.insert("status".into(), json!("True"));
            }
        }
    }
    if !spec.get("template").is_some_and(Value::is_object) {
        spec.insert("template".into(), json!({}));
    }
    if let Some(t) = spec.get_mut("template").and_then(Value::as_object_mut) {
        if !t.get("spec").is_some_and(Value::is_object) {
            t.insert("spec".into(), json!({}));
        }
        if let Some(pod) = t.get_mut("spec") {
            defaults::pod_spec(pod);
        }
    }
    labels_from_template(obj);
}

/// The Job's labels default to its template's.
fn labels_from_template(obj: &mut Value) {
    let template = obj.pointer("/spec/template/metadata/labels").and_then(Value::as_object).cloned();
    let own_empty = obj.pointer("/metadata/labels").and_then(Value::as_object).is_none_or(Map::is_empty);
    if let Some(labels) = template.filter(|l| !l.is_empty())
        && own_empty
    {
        obj["metadata"]["labels"] = Value::Object(labels);
    }
}

/// `generateSelector`, on create when `spec.manualSelector` is not true (the uid is set):
/// the template gets the job-name and controller-uid labels it lacks, the selector selects
/// `batch.kubernetes.io/controller-uid`. Conflicting labels are left for validation to refuse.
pub fn generate_selector(obj: &mut Value) {
    if obj.pointer("/spec/manualSelector") == Some(&json!(true)) {
        return;
    }
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
    let uid = obj.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default().to_string();
    let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else { return };
    let template = spec.entry("template").or_insert_with(|| json!({}));
    if !template.get("metadata").is_some_and(Value::is_object) {
        template["metadata"] = json!({});
    }
    if !template["metadata"].get("labels").is_some_and(Value::is_object) {
        template["metadata"]["labels"] = json!({});
    }
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        for (key, value) in [
            (LEGACY_JOB_NAME, &name),
            (JOB_NAME, &name),
            (LEGACY_CONTROLLER_UID, &uid),
            (CONTROLLER_UID, &uid),
        ] {
            labels.entry(key).or_insert_with(|| json!(value));
        }
    }
    let selector = spec.entry("selector").or_insert_with(|| json!({}));
    if !selector.is_object() {
        *selector = json!({});
    }
    if !selector.get("matchLabels").is_some_and(Value::is_object) {
        selector["matchLabels"] = json!({});
    }
    if let Some(m) = selector["matchLabels"].as_object_mut() {
        m.entry(CONTROLLER_UID).or_insert_with(|| json!(uid));
    }
    labels_from_template(obj);
}

/// Whether a Job has a condition of `type_` with status True.
pub fn condition_true(job: &Value, type_: &str) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c["type"] == type_ && c["status"] == "True"))
}

/// Whether a Job is finished: Complete or Failed.
pub fn finished(job: &Value) -> bool {
    condition_true(job, "Complete") || condition_true(job, "Failed")
}

/// The STATUS cell of `kubectl get jobs` (1.30+).
pub fn status_cell(job: &Value, _: Timestamp) -> Value {
    let status = if condition_true(job, "Complete") {
        "Complete"
    } else if condition_true(job, "Failed") {
        "Failed"
    } else if job.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating"
    } else if condition_true(job, "Suspended") {
        "Suspended"
    } else if condition_true(job, "FailureTarget") {
        "FailureTarget"
    } else if condition_true(job, "SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    };
    json!(status)
}

/// The COMPLETIONS cell: `succeeded/completions`, or `succeeded/1 of parallelism` for a work
/// queue Job.
pub fn completions_cell(job: &Value, _: Timestamp) -> Value {
    let succeeded = job.pointer("/status/succeeded").and_then(Value::as_i64).unwrap_or(0);
    let cell = match job.pointer("/spec/completions").and_then(Value::as_i64) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match job.pointer("/spec/parallelism").and_then(Value::as_i64).unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    json!(cell)
}

/// The DURATION cell: start to completion, or start to now while it has not completed.
pub fn duration_cell(job: &Value, now: Timestamp) -> Value {
    let time = |p: &str| job.pointer(p).and_then(Value::as_str).and_then(|t| t.parse::<Timestamp>().ok());
    let cell = match (time("/status/startTime"), time("/status/completionTime")) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration(now.duration_since(start).as_secs()),
        (Some(start), Some(done)) => human_duration(done.duration_since(start).as_secs()),
    };
    json!(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_the_generated_selector_are_the_real_servers() {
        let mut job = json!({"metadata": {"name": "smoke", "uid": "u-1"},
                             "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.36"}]}}}});
        defaults(&mut job);
        generate_selector(&mut job);
        let spec = &job["spec"];
        assert_eq!(
            (&spec["parallelism"], &spec["completions"], &spec["backoffLimit"]),
            (&json!(1), &json!(1), &json!(6))
        );
        assert_eq!(spec["completionMode"], "NonIndexed");
        assert_eq!(spec["suspend"], false);
        assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
        assert!(spec.get("manualSelector").is_none(), "not defaulted in 1.32");
        assert_eq!(spec["selector"], json!({"matchLabels": {CONTROLLER_UID: "u-1"}}));
        let want =
            json!({CONTROLLER_UID: "u-1", JOB_NAME: "smoke", "controller-uid": "u-1", "job-name": "smoke"});
        assert_eq!(spec["template"]["metadata"]["labels"], want);
        assert_eq!(job["metadata"]["labels"], want, "the Job's labels default to its template's");
    }

    #[test]
    fn a_work_queue_job_keeps_completions_unset_and_own_labels_stay() {
        let mut job = json!({"metadata": {"name": "q", "uid": "u", "labels": {"team": "a"}},
                             "spec": {"parallelism": 3, "podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]},
                                      "template": {"metadata": {"labels": {"app": "q"}}}}});
        defaults(&mut job);
        generate_selector(&mut job);
        assert!(job["spec"].get("completions").is_none());
        assert_eq!(job["spec"]["podReplacementPolicy"], "Failed");
        assert_eq!(job["spec"]["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"], "True");
        assert_eq!(job["metadata"]["labels"], json!({"team": "a"}));
        assert_eq!(completions_cell(&job, Timestamp::UNIX_EPOCH), json!("0/1 of 3"));
    }
}
