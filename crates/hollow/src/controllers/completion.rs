//! How the hollow kubelet runs the pods that are not restarted when they exit (restartPolicy
//! `Never` or `OnFailure`: the pods of Jobs). Every container runs for the pod's run time from
//! the pod's creation, then exits with its exit code:
//!
//! - run time: annotation `sim.ramp.dev/run-duration` (a duration such as `5s`), else 1s;
//! - exit code: annotation `sim.ramp.dev/exit-code` (an integer, for every container), else
//!   `-exit<N>` in the container's image tag (`smoke:v1-exit1`), else 0.
//!
//! With `Never` the pod then is `Succeeded` when every container exited 0, else `Failed`, each
//! container `terminated` (`Completed` or `Error`, with its exit code and times). With
//! `OnFailure` a container that exits non-zero is started again at once and runs again
//! (`restartCount` counts its failed runs): the pod runs until its Job's controller gives up on
//! it. A pod deleted while it runs is killed (`Failed`, exit code 137) and stays, as on a real
//! node, until its finalizers are done. Readiness while it runs follows the kubelet's usual
//! rules (`kubelet`).

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::clock::format_time;

/// Annotation: how long the containers run.
pub const RUN_DURATION: &str = "sim.ramp.dev/run-duration";
/// Annotation: the exit code of every container.
pub const EXIT_CODE: &str = "sim.ramp.dev/exit-code";
/// The run time without the annotation.
const DEFAULT_RUN: SignedDuration = SignedDuration::from_secs(1);
/// The exit code of a container killed by its pod's deletion (SIGKILL).
const KILLED: i64 = 137;

/// The run of a pod that ends.
pub(super) struct Run {
    start: Timestamp,
    every: SignedDuration,
    /// Per container, in spec order.
    exits: Vec<i64>,
    /// `OnFailure`: failed containers run again.
    restart_failed: bool,
}

fn annotation<'a>(pod: &'a Value, key: &str) -> Option<&'a str> {
    pod.pointer("/metadata/annotations").and_then(|a| a.get(key)).and_then(Value::as_str)
}

/// `N` of `-exit<N>` in an image's tag.
fn tag_exit_code(image: &str) -> Option<i64> {
    let (_, tag) = image.rsplit_once(':')?;
    if tag.contains('/') {
        return None; // a registry port, not a tag
    }
    let rest = &tag[tag.find("-exit")? + "-exit".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The run of a pod whose restart policy lets it end; None for `Always` (ReplicaSet pods).
pub(super) fn run_of(pod: &Value) -> Option<Run> {
    let restart_failed = match pod.pointer("/spec/restartPolicy").and_then(Value::as_str) {
        Some("Never") => false,
        Some("OnFailure") => true,
        _ => return None,
    };
    let start = pod
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let every = annotation(pod, RUN_DURATION)
        .and_then(|d| humantime::parse_duration(d).ok())
        .and_then(|d| SignedDuration::try_from(d).ok())
        .unwrap_or(DEFAULT_RUN);
    let all = annotation(pod, EXIT_CODE).and_then(|c| c.trim().parse::<i64>().ok());
    let exits = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| all.or_else(|| c["image"].as_str().and_then(tag_exit_code)).unwrap_or(0))
        .collect();
    Some(Run { start, every, exits, restart_failed })
}

/// Whether a pod has ended (its status no longer changes).
pub(super) fn is_done(pod: &Value) -> bool {
    matches!(pod.pointer("/status/phase").and_then(Value::as_str), Some("Succeeded" | "Failed"))
}

fn terminated(exit: i64, started: Timestamp, finished: Timestamp) -> Value {
    json!({"terminated": {"exitCode": exit, "reason": if exit == 0 { "Completed" } else { "Error" },
                          "startedAt": format_time(started), "finishedAt": format_time(finished)}})
}

/// The pod's end: its phase, and its readiness conditions False since `at`.
fn end_pod(status: &mut Value, succeeded: bool, at: Timestamp) {
    status["phase"] = json!(if succeeded { "Succeeded" } else { "Failed" });
    let reason = if succeeded { "PodCompleted" } else { "PodFailed" };
    for c in status.get_mut("conditions").and_then(Value::as_array_mut).into_iter().flatten() {
        match c["type"].as_str() {
            Some("Ready" | "ContainersReady") => {
                if c["status"] == "True" {
                    c["lastTransitionTime"] = json!(format_time(at));
                }
                c["status"] = json!("False");
                c["reason"] = json!(reason);
            }
            Some("Initialized") if succeeded => c["reason"] = json!("PodCompleted"),
            _ => {}
        }
    }
}

impl Run {
    /// Brings `status` (the kubelet's status of the running pod at `now`) to where the run is
    /// at `now`. Returns when it next changes, None once the pod has ended.
    pub(super) fn apply(&self, status: &mut Value, now: Timestamp) -> Option<Timestamp> {
        let end = self.start + self.every;
        if now < end {
            return Some(end);
        }
        let every_ns = self.every.as_nanos().max(1);
        let (mut running, mut all_ok, mut next) = (false, true, None::<Timestamp>);
        let statuses = status.get_mut("containerStatuses").and_then(Value::as_array_mut);
        for (i, c) in statuses.into_iter().flatten().enumerate() {
            let exit = self.exits.get(i).copied().unwrap_or(0);
            if exit != 0 && self.restart_failed {
                // Failed runs so far; the current one started when the last ended.
                let runs = now.duration_since(self.start).as_nanos() / every_ns;
                let at = |n: i128| {
                    i64::try_from(n * every_ns)
                        .ok()
                        .and_then(|ns| self.start.checked_add(SignedDuration::from_nanos(ns)).ok())
                        .unwrap_or(now)
                };
                let (began, ends) = (at(runs), at(runs + 1));
                c["restartCount"] = json!(i64::try_from(runs).unwrap_or(i64::MAX));
                c["state"] = json!({"running": {"startedAt": format_time(began)}});
                c["lastState"] = terminated(exit, at(runs - 1), began);
                c["started"] = json!(true);
                running = true;
                next = Some(next.map_or(ends, |n| n.min(ends)));
            } else {
                c["state"] = terminated(exit, self.start, end);
                c["ready"] = json!(false);
                c["started"] = json!(false);
                all_ok &= exit == 0;
            }
        }
        if running {
            return next;
        }
        end_pod(status, all_ok, end);
        None
    }

    /// The status of the pod killed at `now` by its deletion: every container that still ran
    /// ends with exit code 137.
    pub(super) fn kill(&self, pod: &Value, status: &mut Value, now: Timestamp) {
        if !status.get("containerStatuses").is_some_and(Value::is_array) {
            let containers: Vec<Value> = pod
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false, "started": false, "restartCount": 0}))
                .collect();
            status["containerStatuses"] = json!(containers);
        }
        let statuses = status.get_mut("containerStatuses").and_then(Value::as_array_mut);
        for c in statuses.into_iter().flatten() {
            if c.pointer("/state/terminated").is_none() {
                c["state"] = terminated(KILLED, self.start.min(now), now);
                c["ready"] = json!(false);
                c["started"] = json!(false);
            }
        }
        end_pod(status, false, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(restart: &str, annotations: Value, image: &str) -> Value {
        json!({"metadata": {"creationTimestamp": "2026-01-01T00:00:00Z", "annotations": annotations},
               "spec": {"restartPolicy": restart, "containers": [{"name": "c", "image": image}]}})
    }

    fn running() -> Value {
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}],
               "containerStatuses": [{"name": "c", "ready": true, "started": true, "restartCount": 0,
                                      "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]})
    }

    fn at(secs: i64) -> Timestamp {
        crate::clock::epoch() + SignedDuration::from_secs(secs)
    }

    #[test]
    fn exit_codes_come_from_the_annotation_or_the_image_tag() {
        assert_eq!(tag_exit_code("smoke:v1-exit1"), Some(1));
        assert_eq!(tag_exit_code("smoke:v1-exit42-x"), Some(42));
        assert_eq!(tag_exit_code("registry:5000/smoke"), None);
        assert_eq!(tag_exit_code("smoke:v1"), None);
        let p = pod("Never", json!({EXIT_CODE: "3"}), "smoke:v1-exit1");
        assert_eq!(run_of(&p).map(|r| r.exits), Some(vec![3]));
        assert!(run_of(&pod("Always", json!({}), "x:1")).is_none(), "ReplicaSet pods run forever");
    }

    #[test]
    fn a_never_pod_ends_after_its_run_time() {
        let p = pod("Never", json!({RUN_DURATION: "5s"}), "smoke:v1-exit1");
        let run = run_of(&p).unwrap();
        let mut s = running();
        assert_eq!(run.apply(&mut s, at(4)), Some(at(5)));
        assert_eq!(s["phase"], "Running");
        assert_eq!(run.apply(&mut s, at(5)), None);
        assert_eq!(s["phase"], "Failed");
        let t = &s["containerStatuses"][0]["state"]["terminated"];
        assert_eq!((t["exitCode"].as_i64(), t["reason"].as_str()), (Some(1), Some("Error")));
        assert_eq!(t["finishedAt"], "2026-01-01T00:00:05Z");
        assert_eq!(s["conditions"][0]["reason"], "PodFailed");
    }

    #[test]
    fn a_pod_deleted_while_it_runs_is_killed() {
        let p = pod("Never", json!({RUN_DURATION: "1h"}), "x:1");
        let run = run_of(&p).unwrap();
        let mut s = running();
        run.kill(&p, &mut s, at(30));
        assert_eq!(s["phase"], "Failed");
        let t = &s["containerStatuses"][0]["state"]["terminated"];
        assert_eq!(
            (t["exitCode"].as_i64(), t["finishedAt"].as_str()),
            (Some(137), Some("2026-01-01T00:00:30Z"))
        );
        let mut pending = Value::Null;
        run.kill(&p, &mut pending, at(1));
        assert_eq!(pending["containerStatuses"][0]["state"]["terminated"]["exitCode"], 137, "{pending}");
    }

    #[test]
    fn an_on_failure_pod_restarts_its_failing_container() {
        let p = pod("OnFailure", json!({EXIT_CODE: "2", RUN_DURATION: "10s"}), "x:1");
        let run = run_of(&p).unwrap();
        let mut s = running();
        assert_eq!(run.apply(&mut s, at(25)), Some(at(30)));
        assert_eq!(s["phase"], "Running");
        assert_eq!(s["containerStatuses"][0]["restartCount"], 2);
        assert_eq!(
            s["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"],
            "2026-01-01T00:00:20Z"
        );
    }
}
