//! Hollow kubelets: pods go Pending → Running → Ready after their readiness delay, never get
//! Ready, or crash-loop, as their annotations or image tags say; pods being deleted go away.
//!
//! Behaviour per pod, first match wins:
//! - annotation `sim.ramp.dev/never-ready: "true"`, or an image tag containing `-unready`:
//!   Running, never Ready;
//! - annotation `sim.ramp.dev/crashloop: "true"`, or an image tag containing `-crashloop`:
//!   the container waits in CrashLoopBackOff;
//! - annotation `sim.ramp.dev/flap: "<duration>"`, or an image tag containing `-flap`
//!   (duration 5s): after its readiness delay the pod is Ready for that long, then its
//!   container crashes (restartCount + 1, not Ready) for as long, then is Ready again, and so
//!   on — the flapping pod of argo-rollouts#4128;
//! - otherwise Ready at creation + the readiness delay: annotation
//!   `sim.ramp.dev/readiness-delay` (a duration such as `5s`), else the first container's
//!   `readinessProbe.initialDelaySeconds`, else at once.
//!
//! The `readinessFlapRate` fault makes a share of the pods that would be Ready flap the same
//! way from that time, with a failing readiness probe instead of a crash (no restart).
//!
//! A pod with restartPolicy `Never` or `OnFailure` (a Job's) also ends: its containers run for
//! a while and exit, see [`super::completion`].

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{Controller, Ctx, completion, deleting};
use crate::{
    apiserver::{
        objects::Part,
        registry::ResourceDef,
        store::{Change, ObjectKey, ResourceId},
    },
    clock::format_time,
};

/// The hollow node every pod runs on.
pub const NODE: &str = "hollow-node-1";

/// The hollow kubelet.
pub struct Kubelet {
    ctx: Ctx,
    /// When each pod that is not Ready yet next needs a look (a pod may be listed at a stale
    /// time too: looking at it early changes nothing).
    timers: std::sync::Mutex<BTreeSet<(Timestamp, ObjectKey)>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    ReadyAt(Timestamp),
    NeverReady,
    CrashLoop,
    /// Ready from `start` for `half`, not Ready for `half`, and again: crashed in between
    /// (`crash`), or with a failing readiness probe and its container running.
    Flap {
        start: Timestamp,
        half: SignedDuration,
        crash: bool,
    },
}

/// Where a flapping pod is at `now`: (ready, restarts so far, next change).
fn flap_state(start: Timestamp, half: SignedDuration, now: Timestamp) -> (bool, i64, Timestamp) {
    if now < start || half <= SignedDuration::ZERO {
        return (false, 0, start);
    }
    let half_ns = half.as_nanos().max(1);
    let elapsed = now.duration_since(start).as_nanos();
    let halves = elapsed / half_ns;
    let ready = halves % 2 == 0;
    let restarts = i64::try_from((halves + 1) / 2).unwrap_or(i64::MAX);
    let next = i64::try_from((halves + 1) * half_ns)
        .ok()
        .and_then(|n| start.checked_add(SignedDuration::from_nanos(n)).ok())
        .unwrap_or(now);
    (ready, restarts, next)
}

fn annotation<'a>(pod: &'a Value, key: &str) -> Option<&'a str> {
    pod.pointer("/metadata/annotations").and_then(|a| a.get(key)).and_then(Value::as_str)
}

fn images(pod: &Value) -> impl Iterator<Item = &str> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c["image"].as_str())
}

fn behaviour(pod: &Value, faults: &crate::apiserver::faults::Faults) -> Behaviour {
    let hash = pod.pointer("/metadata/labels/pod-template-hash").and_then(Value::as_str);
    let all: Vec<&str> = images(pod).collect();
    if faults.fails_readiness(hash, &all) {
        return Behaviour::NeverReady;
    }
    let signed = |d| SignedDuration::try_from(d).unwrap_or(SignedDuration::ZERO);
    let name = pod.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    let own = match (behaviour_of(pod, faults.readiness_delay().map(signed)), super::pod_ready(pod)) {
        // A pod that has reported Ready stays Ready since then: a later change of the
        // readiness delay, the jitter or the kubelet's pace is about pods not Ready yet.
        (Behaviour::ReadyAt(_), (true, Some(since))) => Behaviour::ReadyAt(since),
        (Behaviour::ReadyAt(t), _) => Behaviour::ReadyAt(later(
            later(t, signed(faults.kubelet_delay())),
            signed(faults.readiness_jitter(name)),
        )),
        (other, _) => other,
    };
    // A flapping probe, from the time the pod is (or would be) Ready. A Ready pod's time is
    // the start of its current Ready half, which keeps the phase.
    match (own, faults.readiness_flap(name)) {
        (Behaviour::ReadyAt(start), Some(half)) => {
            Behaviour::Flap { start, half: signed(half), crash: false }
        }
        (own, _) => own,
    }
}

/// A pod's own behaviour; `delay` (when set) replaces its readiness delay.
fn behaviour_of(pod: &Value, delay: Option<SignedDuration>) -> Behaviour {
    let tag_has =
        |s: &str| images(pod).any(|i| i.rsplit(':').next().is_some_and(|t| t.contains(s) && i.contains(':')));
    if annotation(pod, "sim.ramp.dev/never-ready") == Some("true") || tag_has("-unready") {
        return Behaviour::NeverReady;
    }
    if annotation(pod, "sim.ramp.dev/crashloop") == Some("true") || tag_has("-crashloop") {
        return Behaviour::CrashLoop;
    }
    let flap = annotation(pod, "sim.ramp.dev/flap")
        .and_then(|d| humantime::parse_duration(d).ok())
        .or_else(|| tag_has("-flap").then_some(std::time::Duration::from_secs(5)))
        .and_then(|d| SignedDuration::try_from(d).ok());
    let created: Timestamp = pod
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let delay = delay.or_else(|| {
        annotation(pod, "sim.ramp.dev/readiness-delay")
            .and_then(|d| humantime::parse_duration(d).ok())
            .map(|d| SignedDuration::try_from(d).unwrap_or(SignedDuration::ZERO))
            .or_else(|| {
                pod.pointer("/spec/containers/0/readinessProbe/initialDelaySeconds")
                    .and_then(Value::as_i64)
                    .map(SignedDuration::from_secs)
            })
    });
    let delay = delay.unwrap_or(SignedDuration::ZERO);
    match flap {
        Some(half) => Behaviour::Flap { start: later(created, delay), half, crash: true },
        None => Behaviour::ReadyAt(later(created, delay)),
    }
}

/// `t + d`, or the end of time when that is past it: a pod told to wait a billion years
/// (an annotation anyone may write) is simply never Ready.
fn later(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(if d.is_negative() { Timestamp::MIN } else { Timestamp::MAX })
}

impl Kubelet {
    /// A kubelet.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx, timers: Default::default() }
    }

    fn status(&self, pod: &Value, b: Behaviour, now: Timestamp, ip: &str) -> Value {
        let created = pod.pointer("/metadata/creationTimestamp").cloned().unwrap_or(json!(format_time(now)));
        let (ready_since, flap_restarts) = match b {
            Behaviour::ReadyAt(t) if t <= now => (Some(t), 0),
            Behaviour::Flap { start, half, crash } => {
                let (ready, restarts, next) = flap_state(start, half, now);
                // Ready since the start of the current up half.
                let since = next.checked_sub(half).unwrap_or(start);
                (ready.then_some(since), if crash { restarts } else { 0 })
            }
            _ => (None, 0),
        };
        let ready = ready_since.is_some();
        let since = ready_since.map_or_else(|| created.clone(), |t| json!(format_time(t)));
        let cond = |t: &str, ok: bool, at: &Value| json!({"type": t, "status": if ok { "True" } else { "False" }, "lastTransitionTime": at, "lastProbeTime": null});
        let containers: Vec<Value> = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let crashed =
                    b == Behaviour::CrashLoop || (matches!(b, Behaviour::Flap { crash: true, .. }) && !ready);
                let state = if crashed {
                    json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off restarting failed container"}})
                } else {
                    json!({"running": {"startedAt": created}})
                };
                json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": ready, "started": !crashed,
                       "restartCount": if b == Behaviour::CrashLoop { 1 } else { flap_restarts }, "state": state})
            })
            .collect();
        json!({
            "phase": "Running",
            "conditions": [cond("PodScheduled", true, &created), cond("Initialized", true, &created),
                           cond("ContainersReady", ready, &since), cond("Ready", ready, &since)],
            "hostIP": "10.0.0.1", "hostIPs": [{"ip": "10.0.0.1"}],
            "podIP": ip, "podIPs": [{"ip": ip}],
            "startTime": created, "containerStatuses": containers, "qosClass": "BestEffort",
        })
    }
}

impl Kubelet {
    fn timers(&self) -> std::sync::MutexGuard<'_, BTreeSet<(Timestamp, ObjectKey)>> {
        self.timers.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Acts on one pod and remembers when it next needs a look. Returns whether it wrote, and
    /// that time.
    fn sync_pod(&self, def: &ResourceDef, pod: &Value, now: Timestamp) -> (bool, Option<Timestamp>) {
        let out = self.sync_pod_once(def, pod, now);
        if let Some(t) = out.1 {
            let ns = pod.pointer("/metadata/namespace").and_then(Value::as_str);
            let name = pod.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            self.timers().insert((t, crate::apiserver::objects::object_key(def, ns, name)));
        }
        out
    }

    /// Acts on one pod. Returns whether it wrote, and when it next needs to run.
    fn sync_pod_once(&self, def: &ResourceDef, pod: &Value, now: Timestamp) -> (bool, Option<Timestamp>) {
        let run = completion::run_of(pod);
        if deleting(pod) {
            // Graceful deletion is immediate on a hollow node.
            let finalizers =
                pod.pointer("/metadata/finalizers").and_then(Value::as_array).is_some_and(|f| !f.is_empty());
            if !finalizers {
                return (self.ctx.delete(def, pod).is_ok(), None);
            }
            // A pod that would end is killed, and stays until its finalizers are done.
            let Some(run) = run.filter(|_| !completion::is_done(pod)) else { return (false, None) };
            let mut desired = pod.clone();
            run.kill(pod, &mut desired["status"], now);
            return (self.ctx.update(def, pod, desired, Part::Status).is_ok(), None);
        }
        if run.is_some() && completion::is_done(pod) {
            return (false, None);
        }
        let b = behaviour(pod, &self.ctx.server.faults);
        let next = match b {
            Behaviour::ReadyAt(t) if t > now => Some(t),
            Behaviour::Flap { start, half, .. } => Some(flap_state(start, half, now).2),
            _ => None,
        };
        let ip = pod.pointer("/status/podIP").and_then(Value::as_str).map_or_else(
            || {
                let n = self.ctx.server.next_serial();
                format!("10.244.{}.{}", (n / 250) % 250, n % 250 + 1)
            },
            str::to_string,
        );
        let mut status = self.status(pod, b, now, &ip);
        let next = match &run {
            // Once the pod has ended nothing more happens to it.
            Some(run) => run.apply(&mut status, now).and_then(|ends| super::earliest(next, Some(ends))),
            None => next,
        };
        if pod.get("status") == Some(&status) {
            return (false, next);
        }
        let mut desired = pod.clone();
        desired["status"] = status;
        (self.ctx.update(def, pod, desired, Part::Status).is_ok(), next)
    }
}

impl Controller for Kubelet {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        let Some(def) = self.ctx.def("", "pods") else { return (false, None) };
        let now = self.ctx.now();
        let (mut wrote, mut next) = (false, None::<Timestamp>);
        self.timers().clear();
        for pod in self.ctx.list("", "pods") {
            let (w, n) = self.sync_pod(&def, &pod, now);
            wrote |= w;
            next = super::earliest(next, n);
        }
        (wrote, next)
    }

    /// The pods that changed.
    fn sync_changes(&self, changes: &[Change]) -> (bool, Option<Timestamp>) {
        let Some(def) = self.ctx.def("", "pods") else { return (false, None) };
        let now = self.ctx.now();
        let (mut wrote, mut next) = (false, None::<Timestamp>);
        let keys: BTreeSet<&ObjectKey> =
            super::changed_objects(changes, "", "pods").map(|c| &c.key).collect();
        for key in keys {
            let Some(pod) = self.ctx.server.store.get(key) else { continue };
            let (w, n) = self.sync_pod(&def, &pod, now);
            wrote |= w;
            next = super::earliest(next, n);
        }
        (wrote, next)
    }

    fn timers_per_object(&self) -> bool {
        true
    }

    /// The pods whose time has come.
    fn sync_due(&self, now: Timestamp) -> (bool, Option<Timestamp>) {
        let Some(def) = self.ctx.def("", "pods") else { return (false, None) };
        let due: Vec<ObjectKey> = {
            let mut timers = self.timers();
            // Everything up to and including `now`: below the smallest key one tick later.
            let first_key = ObjectKey {
                resource: ResourceId::new("", ""),
                namespace: String::new(),
                name: String::new(),
            };
            let later = timers.split_off(&(now + SignedDuration::from_nanos(1), first_key));
            std::mem::replace(&mut *timers, later).into_iter().map(|(_, k)| k).collect()
        };
        let mut wrote = false;
        for key in due {
            if let Some(pod) = self.ctx.server.store.get(&key) {
                wrote |= self.sync_pod(&def, &pod, now).0;
            }
        }
        (wrote, self.timers().first().map(|(t, _)| *t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (issue 12, `fuzz/regressions/hollow_requests/readiness-delay-past-the-end-of-time`):
    /// a readiness delay past the last representable time overflowed the kubelet's timestamp
    /// arithmetic and panicked it.
    #[test]
    fn a_readiness_delay_past_the_end_of_time_means_never_ready() {
        let pod = |key: &str| {
            serde_json::json!({"metadata": {"name": "p", "creationTimestamp": "2026-01-01T00:00:00Z",
                "annotations": {key: "100000000y"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}})
        };
        assert!(
            behaviour_of(&pod("sim.ramp.dev/readiness-delay"), None) == Behaviour::ReadyAt(Timestamp::MAX)
        );
        let long = SignedDuration::from_hours(24 * 365 * 100_000_000);
        assert!(behaviour_of(&pod("x"), Some(long)) == Behaviour::ReadyAt(Timestamp::MAX));
    }

    #[test]
    fn a_flapping_pod_is_ready_then_crashed_in_turn_and_counts_each_crash_as_a_restart() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let half = SignedDuration::from_secs(5);
        let at = |s: i64| start + SignedDuration::from_secs(s);
        assert_eq!(flap_state(start, half, at(-1)), (false, 0, start), "not started");
        assert_eq!(flap_state(start, half, at(0)), (true, 0, at(5)));
        assert_eq!(flap_state(start, half, at(4)), (true, 0, at(5)));
        assert_eq!(flap_state(start, half, at(5)), (false, 1, at(10)), "first crash");
        assert_eq!(flap_state(start, half, at(10)), (true, 1, at(15)), "back up");
        assert_eq!(flap_state(start, half, at(16)), (false, 2, at(20)));
    }
}
