//! What the hollow Job controller reads off a Job and its pods, as `pkg/controller/job` does
//! (Kubernetes 1.32): which pods are active, terminating, succeeded or failed (with
//! `podReplacementPolicy: TerminatingOrFailed` a pod being deleted counts as failed at once),
//! what the pod failure policy makes of a failed pod, the back-off before a failed pod is
//! replaced (10s, doubling per failure since the last success, at most 10 min), the
//! `OnFailure` restarts that exhaust the backoff limit, how it counts the pods that ended
//! (`status.uncountedTerminatedPods` first) and the status and conditions it writes.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::deleting;
use crate::{apiserver::batch::TRACKING_FINALIZER, clock::format_time};

/// The first back-off before a failed pod is replaced.
const BACKOFF: SignedDuration = SignedDuration::from_secs(10);
/// The longest back-off.
const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(600);

fn phase(pod: &Value) -> &str {
    pod.pointer("/status/phase").and_then(Value::as_str).unwrap_or_default()
}

fn terminal(pod: &Value) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed")
}

/// Whether a replacement waits for a pod to be Failed (not just being deleted).
pub(super) fn only_replace_failed(job: &Value) -> bool {
    job.pointer("/spec/podReplacementPolicy").and_then(Value::as_str) == Some("Failed")
        || job.pointer("/spec/podFailurePolicy").is_some_and(|p| !p.is_null())
}

/// A pod still running (or about to).
pub(super) fn is_active(pod: &Value) -> bool {
    !terminal(pod) && !deleting(pod)
}

/// A pod being deleted that has not ended.
pub(super) fn is_terminating(pod: &Value) -> bool {
    !terminal(pod) && deleting(pod)
}

/// A pod that ended well.
pub(super) fn is_succeeded(pod: &Value) -> bool {
    phase(pod) == "Succeeded"
}

/// A pod that counts as failed (`isPodFailed`).
pub(super) fn is_failed(pod: &Value, job: &Value) -> bool {
    phase(pod) == "Failed" || (!only_replace_failed(job) && deleting(pod) && phase(pod) != "Succeeded")
}

/// What the pod failure policy makes of a failed pod.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Counted against the backoff limit (no rule matched, or `Count`).
    Count,
    /// Not counted (`Ignore`).
    Ignore,
    /// The Job fails at once (`FailJob`), with this message.
    FailJob(String),
}

fn exit_codes_match(rule: &Value, pod: &Value) -> Option<(String, i64)> {
    let req = rule.get("onExitCodes").filter(|r| !r.is_null())?;
    let only = req.get("containerName").and_then(Value::as_str);
    let values: Vec<i64> = req["values"].as_array().into_iter().flatten().filter_map(Value::as_i64).collect();
    let statuses = ["/status/containerStatuses", "/status/initContainerStatuses"];
    statuses.iter().filter_map(|p| pod.pointer(p).and_then(Value::as_array)).flatten().find_map(|c| {
        let code = c.pointer("/state/terminated/exitCode").and_then(Value::as_i64)?;
        let name = c["name"].as_str().unwrap_or_default();
        let wanted = match req["operator"].as_str() {
            Some("In") => values.contains(&code),
            Some("NotIn") => !values.contains(&code),
            _ => false,
        };
        (code != 0 && only.is_none_or(|n| n == name) && wanted).then(|| (name.to_string(), code))
    })
}

fn pod_conditions_match(rule: &Value, pod: &Value) -> Option<String> {
    let patterns = rule.get("onPodConditions").and_then(Value::as_array)?;
    let conditions = pod.pointer("/status/conditions").and_then(Value::as_array)?;
    patterns.iter().find_map(|p| {
        conditions
            .iter()
            .any(|c| c["type"] == p["type"] && c["status"] == p["status"])
            .then(|| p["type"].as_str().unwrap_or_default().to_string())
    })
}

/// `matchPodFailurePolicy`: the first rule that matches a failed pod decides.
pub(super) fn verdict(job: &Value, pod: &Value) -> Verdict {
    let rules = job.pointer("/spec/podFailurePolicy/rules").and_then(Value::as_array);
    let pod_name = format!(
        "{}/{}",
        pod.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default(),
        pod.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default()
    );
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let action = rule["action"].as_str().unwrap_or_default();
        let message = if let Some((container, code)) = exit_codes_match(rule, pod) {
            format!(
                "Container {container} for pod {pod_name} failed with exit code {code} matching {action} rule at index {i}"
            )
        } else if let Some(condition) = pod_conditions_match(rule, pod) {
            format!("Pod {pod_name} has condition {condition} matching {action} rule at index {i}")
        } else {
            continue;
        };
        return match action {
            "Ignore" => Verdict::Ignore,
            "FailJob" => Verdict::FailJob(message),
            _ => Verdict::Count,
        };
    }
    Verdict::Count
}

fn time_at(v: &Value, ptr: &str) -> Option<Timestamp> {
    v.pointer(ptr).and_then(Value::as_str).and_then(|t| t.parse().ok())
}

/// When a pod ended: its containers' last finish, else its deletion.
fn finished_at(pod: &Value) -> Option<Timestamp> {
    let containers = pod.pointer("/status/containerStatuses").and_then(Value::as_array);
    let last =
        containers.into_iter().flatten().filter_map(|c| time_at(c, "/state/terminated/finishedAt")).max();
    last.or_else(|| time_at(pod, "/metadata/deletionTimestamp"))
}

/// When the next replacement may be created: the last failure since the last success plus
/// the back-off of that many failures. None when no failure is waited for.
pub(super) fn backoff_until(job: &Value, pods: &[&Value]) -> Option<Timestamp> {
    let last_success = pods.iter().filter(|p| is_succeeded(p)).filter_map(|p| finished_at(p)).max();
    let failures: Vec<Timestamp> = pods
        .iter()
        .filter(|p| is_failed(p, job) && verdict(job, p) != Verdict::Ignore)
        .filter_map(|p| finished_at(p))
        .filter(|t| last_success.is_none_or(|s| *t > s))
        .collect();
    let last = failures.iter().max()?;
    let doublings = u32::try_from(failures.len().saturating_sub(1)).unwrap_or(u32::MAX).min(16);
    let backoff = BACKOFF.checked_mul(1 << doublings).unwrap_or(MAX_BACKOFF).min(MAX_BACKOFF);
    Some(*last + backoff)
}

/// `pastBackoffLimitOnFailure`: with `OnFailure`, the restarts of the running pods reach the
/// backoff limit.
pub(super) fn past_backoff_on_failure(job: &Value, pods: &[&Value]) -> bool {
    if job.pointer("/spec/template/spec/restartPolicy").and_then(Value::as_str) != Some("OnFailure") {
        return false;
    }
    let restarts: i64 = pods
        .iter()
        .filter(|p| matches!(phase(p), "Running" | "Pending"))
        .flat_map(|p| ["/status/containerStatuses", "/status/initContainerStatuses"].map(|s| p.pointer(s)))
        .filter_map(|s| s.and_then(Value::as_array))
        .flatten()
        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
        .sum();
    let limit = job.pointer("/spec/backoffLimit").and_then(Value::as_i64).unwrap_or(6);
    if limit == 0 { restarts > 0 } else { restarts >= limit }
}

/// Whether the Job controller still has to count a pod: it carries the tracking finalizer.
pub(super) fn tracked(pod: &Value) -> bool {
    pod.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x == TRACKING_FINALIZER))
}

fn uid(pod: &Value) -> String {
    pod.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default().to_string()
}

fn uids(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// The pods a Job has counted and is counting (`trackJobStatusAndRemoveFinalizers`).
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// `status.succeeded`: counted, their finalizer gone.
    pub(super) succeeded: i64,
    /// `status.failed`.
    pub(super) failed: i64,
    /// `status.uncountedTerminatedPods.succeeded`: ended, finalizer still to remove.
    pub(super) uncounted_ok: Vec<String>,
    /// `status.uncountedTerminatedPods.failed`.
    pub(super) uncounted_failed: Vec<String>,
    /// Failed pods the pod failure policy ignores: released, never counted.
    pub(super) ignored: Vec<String>,
    /// The message of a `FailJob` rule that matched.
    pub(super) fail_job: Option<String>,
}

impl Tally {
    /// The counts in `status`, the pods that ended since added to the uncounted lists, and
    /// the uncounted pods whose finalizer is gone moved to the counts.
    pub(super) fn read(job: &Value, pods: &[&Value], status: &Value) -> Self {
        let mut t = Tally {
            succeeded: status.get("succeeded").and_then(Value::as_i64).unwrap_or(0),
            failed: status.get("failed").and_then(Value::as_i64).unwrap_or(0),
            uncounted_ok: uids(status.pointer("/uncountedTerminatedPods/succeeded")),
            uncounted_failed: uids(status.pointer("/uncountedTerminatedPods/failed")),
            ..Tally::default()
        };
        for p in pods.iter().filter(|p| tracked(p)) {
            let u = uid(p);
            if t.uncounted_ok.contains(&u) || t.uncounted_failed.contains(&u) {
                continue;
            }
            if is_succeeded(p) {
                t.uncounted_ok.push(u);
            } else if is_failed(p, job) {
                match verdict(job, p) {
                    Verdict::Ignore => t.ignored.push(u),
                    Verdict::Count => t.uncounted_failed.push(u),
                    Verdict::FailJob(m) => {
                        t.fail_job.get_or_insert(m);
                        t.uncounted_failed.push(u);
                    }
                }
            }
        }
        let still: Vec<String> = pods.iter().filter(|p| tracked(p)).map(|p| uid(p)).collect();
        let before = (t.uncounted_ok.len(), t.uncounted_failed.len());
        t.uncounted_ok.retain(|u| still.contains(u));
        t.uncounted_failed.retain(|u| still.contains(u));
        t.succeeded += (before.0 - t.uncounted_ok.len()) as i64;
        t.failed += (before.1 - t.uncounted_failed.len()) as i64;
        t
    }

    /// Succeeded pods, counted or not.
    pub(super) fn all_succeeded(&self) -> i64 {
        self.succeeded + self.uncounted_ok.len() as i64
    }

    /// Failed pods, counted or not.
    pub(super) fn all_failed(&self) -> i64 {
        self.failed + self.uncounted_failed.len() as i64
    }

    /// Once the Job has failed, every tracked pod that has not ended counts as failed.
    pub(super) fn fail_unfinished(&mut self, pods: &[&Value]) {
        for p in pods.iter().filter(|p| tracked(p) && !terminal(p)) {
            let u = uid(p);
            if !self.uncounted_failed.contains(&u) && !self.ignored.contains(&u) {
                self.uncounted_failed.push(u);
            }
        }
    }

    /// Whether every ended pod is counted.
    pub(super) fn settled(&self) -> bool {
        self.uncounted_ok.is_empty() && self.uncounted_failed.is_empty()
    }

    /// The pods whose finalizer can go: counted in the status, or ignored.
    pub(super) fn releasable(&self, pod: &Value) -> bool {
        let u = uid(pod);
        self.uncounted_ok.contains(&u) || self.uncounted_failed.contains(&u) || self.ignored.contains(&u)
    }
}

/// What the controller saw of a Job besides its counts.
pub(super) struct Seen {
    pub(super) conditions: Vec<Value>,
    pub(super) start: Option<Timestamp>,
    pub(super) completion: Option<Timestamp>,
    pub(super) active: usize,
    pub(super) terminating: usize,
    pub(super) ready: usize,
}

/// The JobStatus to write (fields omitted as the Go type omits them when empty).
pub(super) fn status(t: &Tally, s: &Seen) -> Value {
    let mut out = serde_json::Map::new();
    if !s.conditions.is_empty() {
        out.insert("conditions".into(), json!(s.conditions));
    }
    for (k, at) in [("startTime", s.start), ("completionTime", s.completion)] {
        if let Some(at) = at {
            out.insert(k.into(), json!(format_time(at)));
        }
    }
    for (k, n) in [("active", s.active as i64), ("succeeded", t.succeeded), ("failed", t.failed)] {
        if n > 0 {
            out.insert(k.into(), json!(n));
        }
    }
    out.insert("terminating".into(), json!(s.terminating));
    out.insert("ready".into(), json!(s.ready));
    let mut uncounted = serde_json::Map::new();
    for (k, list) in [("succeeded", &t.uncounted_ok), ("failed", &t.uncounted_failed)] {
        if !list.is_empty() {
            uncounted.insert(k.into(), json!(list));
        }
    }
    out.insert("uncountedTerminatedPods".into(), Value::Object(uncounted));
    Value::Object(out)
}

/// A condition True since `now`.
pub(super) fn condition(type_: &str, reason: &str, message: &str, now: Timestamp) -> Value {
    json!({"type": type_, "status": "True", "reason": reason, "message": message,
           "lastProbeTime": format_time(now), "lastTransitionTime": format_time(now)})
}

/// `ensureJobConditionStatus`: sets a condition's status (appending it only when True).
/// Returns whether anything changed.
pub(super) fn ensure(
    conditions: &mut Vec<Value>,
    type_: &str,
    status: bool,
    why: (&str, &str),
    now: Timestamp,
) -> bool {
    let want = if status { "True" } else { "False" };
    match conditions.iter_mut().find(|c| c["type"] == type_) {
        Some(c) if c["status"] == want && c["reason"] == why.0 && c["message"] == why.1 => false,
        Some(c) => {
            *c = condition(type_, why.0, why.1, now);
            c["status"] = json!(want);
            true
        }
        None if status => {
            conditions.push(condition(type_, why.0, why.1, now));
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_pod(name: &str, code: i64, at: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "default"},
               "status": {"phase": "Failed", "containerStatuses": [{"name": "main", "state": {"terminated": {"exitCode": code, "finishedAt": at}}}]}})
    }

    #[test]
    fn the_backoff_doubles_per_failure_since_the_last_success() {
        let job = json!({"spec": {}});
        let a = failed_pod("a", 1, "2026-01-01T00:00:01Z");
        let b = failed_pod("b", 1, "2026-01-01T00:00:12Z");
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(backoff_until(&job, &[&a]), Some(at("2026-01-01T00:00:11Z")));
        assert_eq!(backoff_until(&job, &[&a, &b]), Some(at("2026-01-01T00:00:32Z")));
        let ok = json!({"status": {"phase": "Succeeded", "containerStatuses": [{"state": {"terminated": {"exitCode": 0, "finishedAt": "2026-01-01T00:00:05Z"}}}]}});
        assert_eq!(backoff_until(&job, &[&a, &ok, &b]), Some(at("2026-01-01T00:00:22Z")));
        assert_eq!(backoff_until(&job, &[&ok]), None);
    }

    #[test]
    fn the_pod_failure_policy_picks_the_first_matching_rule() {
        let job = json!({"spec": {"podFailurePolicy": {"rules": [
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [3]}},
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "NotIn", "values": [1, 2]}}]}}});
        assert_eq!(verdict(&job, &failed_pod("p", 3, "2026-01-01T00:00:01Z")), Verdict::Ignore);
        assert_eq!(verdict(&job, &failed_pod("p", 1, "2026-01-01T00:00:01Z")), Verdict::Count);
        assert_eq!(
            verdict(&job, &failed_pod("p", 42, "2026-01-01T00:00:01Z")),
            Verdict::FailJob(
                "Container main for pod default/p failed with exit code 42 matching FailJob rule at index 1"
                    .into()
            )
        );
    }
}
