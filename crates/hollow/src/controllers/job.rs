//! The hollow Job controller, like `pkg/controller/job` (Kubernetes 1.32) for NonIndexed Jobs.
//!
//! For a Job not finished it keeps `parallelism` pods running (no more than the completions
//! still missing), created from the template with the Job as controller owner, named
//! `<job>-<5 random characters>`, each carrying the `batch.kubernetes.io/job-tracking`
//! finalizer. A pod that ends is counted as the real controller counts it: its uid goes to
//! `status.uncountedTerminatedPods`, its finalizer is removed, then it moves to
//! `status.succeeded` or `status.failed`. A failed pod is replaced after a back-off.
//!
//! The Job fails (`FailureTarget`, then `Failed` once no pod is left running or uncounted)
//! when more pods failed than `backoffLimit` allows (`BackoffLimitExceeded`), when it ran
//! longer than `activeDeadlineSeconds` (`DeadlineExceeded`), or when a `FailJob` rule of its
//! pod failure policy matched (`PodFailurePolicy`); its running pods are deleted. It succeeds
//! (`SuccessCriteriaMet`, then `Complete` with `completionTime`) when `completions` pods
//! succeeded. `suspend` deletes its pods (`Suspended`); resuming restarts `startTime`.
//! `ttlSecondsAfterFinished` deletes a finished Job (its pods go with it). Pods whose Job is
//! gone, being deleted or finished lose their finalizer.

use std::{collections::BTreeSet, sync::Arc};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{
    Controller, Ctx, controller_of, deleting, earliest, is, job_status as js, namespace, pod_ready, uid,
};
use crate::apiserver::{
    batch::{self, TRACKING_FINALIZER},
    objects::{Part, object_key},
    registry::ResourceDef,
    store::{Change, ObjectKey},
};

/// The hollow Job controller.
pub struct JobController {
    ctx: Ctx,
}

fn name_of(obj: &Value) -> &str {
    obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default()
}

fn int(v: &Value, ptr: &str) -> Option<i64> {
    v.pointer(ptr).and_then(Value::as_i64)
}

fn time_at(v: &Value, ptr: &str) -> Option<Timestamp> {
    v.pointer(ptr).and_then(Value::as_str).and_then(|t| t.parse().ok())
}

/// The condition of `type_` if it is True.
fn true_condition<'a>(conditions: &'a [Value], type_: &str) -> Option<&'a Value> {
    conditions.iter().find(|c| c["type"] == type_ && c["status"] == "True")
}

impl JobController {
    /// A controller.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    fn defs(&self) -> Option<(Arc<ResourceDef>, Arc<ResourceDef>)> {
        Some((self.ctx.def("batch", "jobs")?, self.ctx.def("", "pods")?))
    }

    /// The pods the Job controls.
    fn pods_of(&self, job: &Value) -> Vec<Arc<Value>> {
        let job_uid = uid(job);
        self.ctx
            .server
            .store
            .dependents(job_uid)
            .into_iter()
            .filter(|(k, p)| {
                k.resource.plural == "pods"
                    && k.resource.group.is_empty()
                    && controller_of(p).is_some_and(|(_, _, u)| u == job_uid)
            })
            .map(|(_, p)| p)
            .collect()
    }

    fn new_pod(&self, job: &Value) -> Value {
        let name = job.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        let template = job.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let suffix = super::name_suffix(self.ctx.server.next_serial());
        let mut meta = template.get("metadata").cloned().filter(Value::is_object).unwrap_or(json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.remove("creationTimestamp");
        }
        meta["name"] = json!(format!("{name}-{suffix}"));
        meta["generateName"] = json!(format!("{name}-"));
        meta["namespace"] = json!(namespace(job));
        meta["ownerReferences"] = json!([{"apiVersion": "batch/v1", "kind": "Job", "name": name, "uid": uid(job),
                                          "controller": true, "blockOwnerDeletion": true}]);
        meta["finalizers"] = json!([TRACKING_FINALIZER]);
        let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
        spec["nodeName"] = json!(super::kubelet::NODE);
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
    }

    /// Removes the tracking finalizer from the pods `which` picks. Returns whether it wrote.
    fn release(&self, pod_def: &ResourceDef, pods: &[Arc<Value>], which: impl Fn(&Value) -> bool) -> bool {
        let mut wrote = false;
        for p in pods.iter().filter(|p| js::tracked(p) && which(p)) {
            let mut next = (**p).clone();
            if let Some(f) = next.pointer_mut("/metadata/finalizers").and_then(Value::as_array_mut) {
                f.retain(|x| x != TRACKING_FINALIZER);
            }
            wrote |= self.ctx.update(pod_def, p, next, Part::Main).is_ok();
        }
        wrote
    }

    /// A pod that keeps the finalizer while no Job counts it: its Job is gone, being deleted
    /// or finished (`syncOrphanPod`).
    fn orphaned(&self, pod: &Value) -> bool {
        let Some(("Job", _, owner)) = controller_of(pod) else { return true };
        self.ctx.server.store.get_by_uid(owner).is_none_or(|(_, job)| deleting(&job) || batch::finished(&job))
    }

    /// A finished Job: its pods are not tracked any more; `ttlSecondsAfterFinished` deletes it.
    fn sync_finished(
        &self,
        job: &Value,
        job_def: &ResourceDef,
        pod_def: &ResourceDef,
    ) -> (bool, Option<Timestamp>) {
        let wrote = self.release(pod_def, &self.pods_of(job), |_| true);
        let Some(ttl) = int(job, "/spec/ttlSecondsAfterFinished") else { return (wrote, None) };
        let conditions =
            job.pointer("/status/conditions").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let done = true_condition(conditions, "Complete").or_else(|| true_condition(conditions, "Failed"));
        let Some(at) = done.and_then(|c| time_at(c, "/lastTransitionTime")) else { return (wrote, None) };
        let expires = at + SignedDuration::from_secs(ttl);
        if expires <= self.ctx.now() {
            return (self.ctx.delete(job_def, job).is_ok() || wrote, None);
        }
        (wrote, Some(expires))
    }

    /// Deletes a pod the Job no longer wants without counting it (`deleteJobPods`: its
    /// finalizer goes first).
    fn drop_pod(&self, pod_def: &ResourceDef, pod: &Arc<Value>) -> bool {
        self.release(pod_def, std::slice::from_ref(pod), |_| true);
        let fresh = self.ctx.server.store.get(&object_key(pod_def, Some(namespace(pod)), name_of(pod)));
        fresh.is_some_and(|p| self.ctx.delete_gracefully(pod_def, &p).is_ok())
    }

    /// Brings one Job's pods and status in line. Returns whether it wrote, and when it next
    /// needs to run.
    fn sync_one(
        &self,
        job: &Value,
        job_def: &ResourceDef,
        pod_def: &ResourceDef,
    ) -> (bool, Option<Timestamp>) {
        if deleting(job) {
            return (self.release(pod_def, &self.pods_of(job), |_| true), None);
        }
        if batch::finished(job) {
            return self.sync_finished(job, job_def, pod_def);
        }
        let now = self.ctx.now();
        let owned = self.pods_of(job);
        let pods: Vec<&Value> = owned.iter().map(|p| &**p).collect();
        let status = job.get("status").cloned().unwrap_or(json!({}));
        let mut tally = js::Tally::read(job, &pods, &status);
        let active: Vec<&Arc<Value>> = owned.iter().filter(|p| js::is_active(p)).collect();
        let mut terminating = pods.iter().filter(|p| js::is_terminating(p)).count();
        let suspended = job.pointer("/spec/suspend") == Some(&json!(true));
        let mut conditions: Vec<Value> =
            status.get("conditions").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut start = time_at(&status, "/startTime");
        if suspended {
            js::ensure(&mut conditions, "Suspended", true, ("JobSuspended", "Job suspended"), now);
        } else if js::ensure(&mut conditions, "Suspended", false, ("JobResumed", "Job resumed"), now) {
            start = Some(now); // the deadline counts from the resume
        }
        if start.is_none() && !suspended {
            start = Some(now);
        }

        // Whether, and how, the Job has ended.
        let mut next = None;
        let mut target = ["FailureTarget", "SuccessCriteriaMet"]
            .iter()
            .find_map(|t| true_condition(&conditions, t).cloned());
        let deadline = int(job, "/spec/activeDeadlineSeconds")
            .zip(start)
            .filter(|_| !suspended)
            .map(|(s, at)| at + SignedDuration::from_secs(s));
        if target.is_none() {
            let limit = int(job, "/spec/backoffLimit").unwrap_or(6);
            let failure =
                |reason: &str, message: &str| Some(js::condition("FailureTarget", reason, message, now));
            target = if let Some(m) = &tally.fail_job {
                failure("PodFailurePolicy", m)
            } else if tally.all_failed() > limit || js::past_backoff_on_failure(job, &pods) {
                failure("BackoffLimitExceeded", "Job has reached the specified backoff limit")
            } else if deadline.is_some_and(|d| d <= now) {
                failure("DeadlineExceeded", "Job was active longer than specified deadline")
            } else {
                next = deadline;
                None
            };
        }

        // The pods: all go when the Job has ended or is suspended, else as many as it wants.
        let mut wrote = false;
        let mut running = active.len();
        if target.is_some() {
            // Deleted with their finalizer: a failed Job counts them as failed.
            for p in &active {
                if self.ctx.delete_gracefully(pod_def, p).is_ok() {
                    (wrote, running, terminating) =
                        (true, running - 1, terminating + usize::from(js::tracked(p)));
                }
            }
            if target.as_ref().is_some_and(|t| t["type"] == "FailureTarget") {
                tally.fail_unfinished(&pods);
            }
        } else {
            let parallelism = int(job, "/spec/parallelism").unwrap_or(1).max(0);
            let completions = int(job, "/spec/completions");
            let want = match completions {
                _ if suspended => 0,
                None if tally.all_succeeded() > 0 => running as i64,
                None => parallelism,
                Some(c) => (c - tally.all_succeeded()).clamp(0, parallelism),
            };
            let counted = running + if js::only_replace_failed(job) { terminating } else { 0 };
            if (running as i64) > want {
                let mut newest = active.clone();
                let created = |p: &Value| {
                    p.pointer("/metadata/creationTimestamp").and_then(Value::as_str).map(str::to_string)
                };
                newest.sort_by(|a, b| created(b).cmp(&created(a)).then_with(|| uid(b).cmp(uid(a))));
                for p in newest.iter().take(running - usize::try_from(want).unwrap_or(0)) {
                    if self.drop_pod(pod_def, p) {
                        (wrote, running) = (true, running - 1);
                    }
                }
            } else if (counted as i64) < want {
                match js::backoff_until(job, &pods).filter(|t| *t > now) {
                    Some(t) => next = earliest(next, Some(t)),
                    None => {
                        for _ in counted as i64..want {
                            if self.ctx.create(pod_def, self.new_pod(job)).is_ok() {
                                (wrote, running) = (true, running + 1);
                            }
                        }
                    }
                }
            }
            let met = match completions {
                None => tally.all_succeeded() > 0,
                Some(c) => tally.all_succeeded() >= c,
            };
            if running == 0 && met && !suspended {
                let why = ("CompletionsReached", "Reached expected number of succeeded pods");
                target = Some(js::condition("SuccessCriteriaMet", why.0, why.1, now));
            }
        }
        let mut completion = time_at(&status, "/completionTime");
        if let Some(t) = &target {
            if true_condition(&conditions, t["type"].as_str().unwrap_or_default()).is_none() {
                conditions.push(t.clone());
            }
            // The terminal condition waits for every pod to be gone and counted.
            if running == 0 && terminating == 0 && tally.settled() {
                let success = t["type"] == "SuccessCriteriaMet";
                let text = |k: &str| t[k].as_str().unwrap_or_default().to_string();
                let type_ = if success { "Complete" } else { "Failed" };
                conditions.push(js::condition(type_, &text("reason"), &text("message"), now));
                if success {
                    completion = Some(now);
                }
            }
        }

        let ready = active.iter().filter(|p| pod_ready(p).0).count().min(running);
        let seen = js::Seen { conditions, start, completion, active: running, terminating, ready };
        let desired = js::status(&tally, &seen);
        if job.get("status") != Some(&desired) {
            let mut next_job = job.clone();
            next_job["status"] = desired;
            if self.ctx.update(job_def, job, next_job, Part::Status).is_err() {
                return (wrote, None);
            }
            wrote = true;
        }
        // Counted (or ignored) pods let go of their finalizer once the status says so.
        wrote |= self.release(pod_def, &self.pods_of(job), |p| tally.releasable(p));
        (wrote, next)
    }
}

impl Controller for JobController {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        let Some((job_def, pod_def)) = self.defs() else { return (false, None) };
        let (mut wrote, mut next) = (false, None::<Timestamp>);
        for job in self.ctx.list("batch", "jobs") {
            let (w, n) = self.sync_one(&job, &job_def, &pod_def);
            wrote |= w;
            next = earliest(next, n);
        }
        let pods = self.ctx.list("", "pods");
        wrote |= self.release(&pod_def, &pods, |p| self.orphaned(p));
        (wrote, next)
    }

    /// The Jobs that changed, those whose pods changed, and tracked pods left without a Job.
    fn sync_changes(&self, changes: &[Change]) -> (bool, Option<Timestamp>) {
        let Some((job_def, pod_def)) = self.defs() else { return (false, None) };
        let mut dirty: BTreeSet<String> = BTreeSet::new();
        let mut loose: BTreeSet<ObjectKey> = BTreeSet::new();
        for c in changes {
            if is(c, "batch", "jobs") {
                dirty.insert(uid(&c.object).to_string());
                // A Job that went leaves its pods to the orphan check.
                loose.extend(self.ctx.server.store.dependents(uid(&c.object)).into_iter().map(|(k, _)| k));
            } else if is(c, "", "pods") {
                for p in std::iter::once(&c.object).chain(c.previous.as_ref()) {
                    if let Some(("Job", _, u)) = controller_of(p) {
                        dirty.insert(u.to_string());
                    }
                }
                loose.insert(c.key.clone());
            }
        }
        let (mut wrote, mut next) = (false, None::<Timestamp>);
        for u in &dirty {
            let Some((key, job)) = self.ctx.server.store.get_by_uid(u) else { continue };
            if key.resource != job_def.id() {
                continue;
            }
            let (w, n) = self.sync_one(&job, &job_def, &pod_def);
            wrote |= w;
            next = earliest(next, n);
        }
        let pod_id = pod_def.id();
        let loose: Vec<Arc<Value>> = loose
            .iter()
            .filter(|k| k.resource == pod_id)
            .filter_map(|k| self.ctx.server.store.get(k))
            .collect();
        wrote |= self.release(&pod_def, &loose, |p| self.orphaned(p));
        (wrote, next)
    }
}
