//! The tree `kubectl ramp get` shows, built from the objects as listed (pure: the same objects
//! give the same tree). `-o json|yaml` print it as it is; the text form draws it.
//!
//! ```text
//! Rollout ─► revisions (stable / canary / preview / active / aborted marks)
//!              └─► ReplicaSet ─► pods (ready or why not, restarts)
//!              └─► AnalysisRuns ─► metrics (phase, last value, reason, evidence)
//!          ─► steps, weight, approvals, pauses, conditions, last request
//! ```

use std::collections::BTreeMap;

use k8s_openapi::api::{
    apps::v1::ReplicaSet,
    core::v1::{Pod, Service},
};
use kube::ResourceExt;
use serde::Serialize;

use crate::{
    api::{
        ApprovalRecord, CanaryStep, RequestRecord, Rollout, StrategyRef,
        analysis::{AnalysisRun, Evidence},
        condition::keys,
    },
    plan::{
        blue_green::{PREVIEW_PAUSE, SWITCH},
        canary::{AWAITING_APPROVAL, describe},
        gate::{Rule, counted},
    },
};

/// The objects a tree is drawn from.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The Rollout.
    pub rollout: Rollout,
    /// ReplicaSets (those the Rollout controls are kept).
    pub replica_sets: Vec<ReplicaSet>,
    /// Pods (those of the kept ReplicaSets are kept).
    pub pods: Vec<Pod>,
    /// AnalysisRuns (those the Rollout owns are kept).
    pub runs: Vec<AnalysisRun>,
    /// Services (those the strategy names are read for the active/preview marks).
    pub services: Vec<Service>,
}

/// A Rollout and everything under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tree {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// `rollingUpdate`, `blueGreen` or `canary`.
    pub strategy: String,
    /// `status.phase`.
    pub phase: Option<String>,
    /// `status.message`.
    pub message: Option<String>,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// `status.observedGeneration`: the tree is current when it equals `generation`.
    pub observed_generation: Option<i64>,
    /// Pod counts.
    pub replicas: Replicas,
    /// Traffic weight on the updated revision.
    pub weight: Weight,
    /// pod-template-hash of the stable revision.
    pub stable_revision: Option<String>,
    /// pod-template-hash of the revision the spec asks for.
    pub updated_revision: Option<String>,
    /// Canary steps.
    pub steps: Option<Steps>,
    /// Revisions, newest first.
    pub revisions: Vec<Revision>,
    /// AnalysisRuns of revisions that have no ReplicaSet any more.
    pub other_analysis_runs: Vec<Run>,
    /// Approvals waited for and given.
    pub approvals: Approvals,
    /// Why the rollout is paused, with since when.
    pub pauses: Vec<Pause>,
    /// `status.conditions`.
    pub conditions: Vec<ConditionLine>,
    /// The last operation Ramp carried out.
    pub last_request: Option<RequestRecord>,
}

/// Pod counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replicas {
    /// `spec.replicas`.
    pub desired: i32,
    /// Pods that exist.
    pub current: i32,
    /// On the updated revision.
    pub updated: i32,
    /// Ready.
    pub ready: i32,
    /// Available.
    pub available: i32,
}

/// Weight set and achieved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Weight {
    /// What the strategy set.
    pub set: Option<i32>,
    /// What the router (or the pods' share) achieved.
    pub achieved: Option<i32>,
}

/// A canary's steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Steps {
    /// `status.currentStep`: steps done (the index of the current one).
    pub current: i32,
    /// Every step, in order.
    pub steps: Vec<StepLine>,
}

/// One step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepLine {
    /// 0-based.
    pub index: usize,
    /// The step in words.
    pub text: String,
    /// `done`, `current` or `pending`.
    pub state: &'static str,
}

/// One revision: its ReplicaSet, pods and analyses.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// `ramp.dev/revision`.
    pub revision: Option<u64>,
    /// pod-template-hash.
    pub hash: String,
    /// `stable`, `canary`, `updated`, `active`, `preview`, `aborted`.
    pub marks: Vec<&'static str>,
    /// The containers' images.
    pub images: Vec<String>,
    /// Its ReplicaSet.
    pub replica_set: ReplicaSetNode,
    /// Its AnalysisRuns, oldest first.
    pub analysis_runs: Vec<Run>,
}

/// A ReplicaSet and its pods.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSetNode {
    /// Name.
    pub name: String,
    /// `spec.replicas`.
    pub desired: i32,
    /// `status.replicas`.
    pub current: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `metadata.creationTimestamp`.
    pub created: Option<String>,
    /// Its pods, by name.
    pub pods: Vec<PodNode>,
}

/// A pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodNode {
    /// Name.
    pub name: String,
    /// Its Ready condition is True (and it is not being deleted).
    pub ready: bool,
    /// Why not, when not: `ContainerCreating`, `CrashLoopBackOff`, `Terminating`, the Ready
    /// condition's reason and message...
    pub reason: Option<String>,
    /// Container restarts, init containers included.
    pub restarts: i32,
    /// `metadata.creationTimestamp`.
    pub created: Option<String>,
}

/// An AnalysisRun's verdict and its metrics' evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// Name.
    pub name: String,
    /// `background`, `step-N`, `prePromotion`, `postPromotion`.
    pub point: String,
    /// pod-template-hash judged.
    pub revision: String,
    /// The verdict so far.
    pub phase: String,
    /// Why.
    pub message: Option<String>,
    /// A shadow run.
    pub dry_run: bool,
    /// Set aside by a retry: history only.
    pub superseded: bool,
    /// The Kayenta-style score, when scored.
    pub score: Option<String>,
    /// Each metric.
    pub metrics: Vec<MetricLine>,
}

/// One metric of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricLine {
    /// Name.
    pub name: String,
    /// Its verdict so far.
    pub phase: String,
    /// Why.
    pub message: Option<String>,
    /// Measurements taken, and how they counted.
    pub count: i32,
    /// Successful.
    pub successful: i32,
    /// Failed.
    pub failed: i32,
    /// Inconclusive.
    pub inconclusive: i32,
    /// Provider errors.
    pub error: i32,
    /// The latest measurement.
    pub last: Option<MeasurementLine>,
}

/// A measurement and its evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasurementLine {
    /// What it counted as.
    pub phase: String,
    /// When.
    pub at: String,
    /// The value.
    pub value: String,
    /// The baseline's value.
    pub baseline: Option<String>,
    /// The reason, in words.
    pub message: String,
    /// The query, window, samples and estimate.
    pub evidence: Option<Evidence>,
}

/// Approvals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Approvals {
    /// The gate waiting now, if one is.
    pub waiting: Option<Gate>,
    /// Approvals and rejections recorded for the updated revision.
    pub records: Vec<ApprovalRecord>,
}

/// A gate waiting for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gate {
    /// The canary step (none for a blue-green switch).
    pub step: Option<i32>,
    /// The gate's message for approvers.
    pub message: String,
    /// Waiting since.
    pub since: String,
    /// Approvals needed, from different people.
    pub required: usize,
    /// Whose approvals count so far.
    pub approved_by: Vec<String>,
    /// Only members of these groups count (empty: anyone).
    pub groups: Vec<String>,
}

/// A pause condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    /// Why.
    pub reason: String,
    /// Since.
    pub since: String,
}

/// A condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConditionLine {
    /// Type.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False`, `Unknown`.
    pub status: String,
    /// Reason.
    pub reason: String,
    /// Message.
    pub message: String,
}

fn controlled_by(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, uid: &str) -> bool {
    meta.owner_references.iter().flatten().any(|o| o.controller == Some(true) && o.uid == uid)
}

fn time(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> Option<String> {
    t.map(|t| t.0.to_string())
}

/// A step in words, with what a reader needs (templates, the approver's message).
fn step_text(s: &CanaryStep) -> String {
    let base = describe(Some(s));
    if let Some(a) = &s.analysis {
        let names: Vec<&str> = a.templates.iter().map(|t| t.template_name.as_str()).collect();
        return format!("{base} {}", names.join(", "));
    }
    match s.approval.as_ref().and_then(|a| a.message.as_deref()) {
        Some(m) => format!("{base}: {m}"),
        None => base,
    }
}

/// Why a pod is not ready (`None` when it is).
pub fn not_ready_reason(pod: &Pod) -> Option<String> {
    if pod.metadata.deletion_timestamp.is_some() {
        return Some("Terminating".into());
    }
    let status = pod.status.as_ref()?;
    let ready = status.conditions.iter().flatten().find(|c| c.type_ == "Ready");
    if ready.is_some_and(|c| c.status == "True") {
        return None;
    }
    // A container's own state says most (CrashLoopBackOff, ImagePullBackOff, ...).
    let containers =
        status.init_container_statuses.iter().flatten().chain(status.container_statuses.iter().flatten());
    for c in containers {
        let state = c.state.as_ref();
        if let Some(w) = state.and_then(|s| s.waiting.as_ref()) {
            let reason = w.reason.clone().unwrap_or_else(|| "Waiting".into());
            return Some(match &w.message {
                Some(m) if !m.is_empty() => format!("{reason}: {m}"),
                _ => reason,
            });
        }
        if let Some(t) = state.and_then(|s| s.terminated.as_ref()).filter(|t| t.exit_code != 0) {
            return Some(format!(
                "{} (exit {})",
                t.reason.clone().unwrap_or_else(|| "Terminated".into()),
                t.exit_code
            ));
        }
    }
    match (status.phase.as_deref(), ready) {
        (Some(p @ ("Succeeded" | "Failed")), _) => Some(p.into()),
        (_, Some(c)) => {
            let reason = c.reason.clone().unwrap_or_else(|| "NotReady".into());
            Some(match c.message.as_deref() {
                Some(m) if !m.is_empty() => format!("{reason}: {m}"),
                _ => reason,
            })
        }
        (phase, None) => Some(phase.unwrap_or("Pending").into()),
    }
}

fn pod_node(pod: &Pod) -> PodNode {
    let restarts = crate::controller::pods::restarts(pod);
    let reason = not_ready_reason(pod);
    PodNode {
        name: pod.name_any(),
        ready: reason.is_none(),
        reason,
        restarts,
        created: time(pod.metadata.creation_timestamp.as_ref()),
    }
}

fn run_node(run: &AnalysisRun) -> Run {
    let status = run.status.clone().unwrap_or_default();
    Run {
        name: run.name_any(),
        point: run.spec.point.clone(),
        revision: run.spec.revision.clone(),
        phase: format!("{:?}", status.phase),
        message: status.message.clone(),
        dry_run: run.spec.dry_run,
        superseded: run.spec.superseded,
        score: status.score.clone(),
        metrics: status
            .metric_results
            .iter()
            .map(|m| MetricLine {
                name: m.name.clone(),
                phase: format!("{:?}", m.phase),
                message: m.message.clone(),
                count: m.count,
                successful: m.successful,
                failed: m.failed,
                inconclusive: m.inconclusive,
                error: m.error,
                last: m.measurements.last().map(|x| MeasurementLine {
                    phase: format!("{:?}", x.phase),
                    at: x.at.0.to_string(),
                    value: x.value.clone(),
                    baseline: x.baseline.clone(),
                    message: x.message.clone(),
                    evidence: x.evidence.clone(),
                }),
            })
            .collect(),
    }
}

/// The pod-template-hash a Service selects, if it selects one.
fn selected_hash(services: &[Service], name: Option<&str>) -> Option<String> {
    let name = name?;
    let svc = services.iter().find(|s| s.metadata.name.as_deref() == Some(name))?;
    svc.spec.as_ref()?.selector.as_ref()?.get(keys::POD_TEMPLATE_HASH).cloned()
}

/// Builds the tree.
pub fn build(s: &Snapshot) -> Tree {
    let r = &s.rollout;
    let status = r.status.clone().unwrap_or_default();
    let uid = r.uid().unwrap_or_default();
    let strategy = r.spec.strategy.selected();
    let (active, preview) = match strategy {
        Some(StrategyRef::BlueGreen(b)) => (
            selected_hash(&s.services, Some(&b.active_service)),
            selected_hash(&s.services, b.preview_service.as_deref()),
        ),
        _ => (None, None),
    };
    let is_canary = matches!(strategy, Some(StrategyRef::Canary(_)));

    let mut runs: Vec<&AnalysisRun> = s.runs.iter().filter(|x| controlled_by(&x.metadata, &uid)).collect();
    runs.sort_by_key(|x| (x.metadata.creation_timestamp.as_ref().map(|t| t.0), x.name_any()));
    let mut pods_by_rs: BTreeMap<String, Vec<&Pod>> = BTreeMap::new();
    for pod in &s.pods {
        let owner = pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true));
        if let Some(o) = owner.filter(|o| o.kind == "ReplicaSet") {
            pods_by_rs.entry(o.name.clone()).or_default().push(pod);
        }
    }

    let mut revisions: Vec<Revision> = s
        .replica_sets
        .iter()
        .filter(|rs| controlled_by(&rs.metadata, &uid))
        .map(|rs| {
            let annotations = rs.annotations();
            let hash = rs.labels().get(keys::POD_TEMPLATE_HASH).cloned().unwrap_or_default();
            let mut marks = Vec::new();
            let is = |v: &Option<String>| v.as_deref() == Some(hash.as_str()) && !hash.is_empty();
            if is(&status.stable_revision) {
                marks.push("stable");
            }
            if is(&status.updated_revision) && !is(&status.stable_revision) {
                marks.push(if is_canary { "canary" } else { "updated" });
            }
            if is(&active) {
                marks.push("active");
            }
            if is(&preview) {
                marks.push("preview");
            }
            if is(&status.aborted_revision) {
                marks.push("aborted");
            }
            let spec = rs.spec.as_ref();
            let images = spec
                .and_then(|s| s.template.as_ref())
                .and_then(|t| t.spec.as_ref())
                .map(|p| p.containers.iter().filter_map(|c| c.image.clone()).collect())
                .unwrap_or_default();
            let rs_status = rs.status.clone().unwrap_or_default();
            let name = rs.name_any();
            let mut pods: Vec<PodNode> =
                pods_by_rs.get(&name).into_iter().flatten().map(|p| pod_node(p)).collect();
            pods.sort_by(|a, b| a.name.cmp(&b.name));
            Revision {
                revision: annotations.get(keys::REVISION).and_then(|v| v.parse().ok()),
                marks,
                images,
                analysis_runs: runs.iter().filter(|x| x.spec.revision == hash).map(|x| run_node(x)).collect(),
                hash,
                replica_set: ReplicaSetNode {
                    name,
                    desired: spec.and_then(|s| s.replicas).unwrap_or(0),
                    current: rs_status.replicas,
                    ready: rs_status.ready_replicas.unwrap_or(0),
                    available: rs_status.available_replicas.unwrap_or(0),
                    created: time(rs.metadata.creation_timestamp.as_ref()),
                    pods,
                },
            }
        })
        .collect();
    revisions.sort_by(|a, b| b.revision.cmp(&a.revision).then_with(|| a.hash.cmp(&b.hash)));
    let other_analysis_runs = runs
        .iter()
        .filter(|x| !revisions.iter().any(|v| v.hash == x.spec.revision))
        .map(|x| run_node(x))
        .collect();

    let steps = match strategy {
        Some(StrategyRef::Canary(c)) => {
            let current = status.current_step.unwrap_or(0);
            Some(Steps {
                current,
                steps: c
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, st)| {
                        let i32_index = i32::try_from(i).unwrap_or(i32::MAX);
                        StepLine {
                            index: i,
                            text: step_text(st),
                            state: match i32_index.cmp(&current) {
                                std::cmp::Ordering::Less => "done",
                                std::cmp::Ordering::Equal => "current",
                                std::cmp::Ordering::Greater => "pending",
                            },
                        }
                    })
                    .collect(),
            })
        }
        _ => None,
    };

    let updated = status.updated_revision.clone().unwrap_or_default();
    let waiting = status.pause_conditions.iter().find_map(|p| {
        let since = p.start_time.0.to_string();
        // The gate's spec and the step its approvals are recorded under.
        let (spec, record_step, shown_step, default_message) = match (p.reason.as_str(), strategy) {
            (AWAITING_APPROVAL, Some(StrategyRef::Canary(c))) => {
                let step = status.current_step.unwrap_or(0);
                let gate =
                    usize::try_from(step).ok().and_then(|i| c.steps.get(i)).and_then(|g| g.approval.as_ref());
                (gate, step, Some(step), format!("approval step {step} waits"))
            }
            (PREVIEW_PAUSE, Some(StrategyRef::BlueGreen(b))) => (
                b.approval.as_ref(),
                SWITCH,
                None,
                "the switch to the preview waits for `approve` or `promote`".into(),
            ),
            _ => return None,
        };
        let rule = Rule::of(spec);
        let records: Vec<ApprovalRecord> = status
            .approvals
            .iter()
            .filter(|a| a.revision == updated && a.step == record_step)
            .cloned()
            .collect();
        Some(Gate {
            step: shown_step,
            message: spec.and_then(|a| a.message.clone()).unwrap_or(default_message),
            since,
            required: rule.required,
            approved_by: counted(&rule, &records).into_iter().map(str::to_string).collect(),
            groups: rule.groups,
        })
    });

    Tree {
        name: r.name_any(),
        namespace: r.namespace().unwrap_or_default(),
        strategy: strategy.map_or("-", |s| s.name()).to_string(),
        phase: status.phase.map(|p| p.as_str().to_string()),
        message: status.message.clone(),
        generation: r.metadata.generation,
        observed_generation: status.observed_generation,
        replicas: Replicas {
            desired: r.spec.replicas,
            current: status.replicas,
            updated: status.updated_replicas,
            ready: status.ready_replicas,
            available: status.available_replicas,
        },
        weight: Weight { set: status.weight, achieved: status.achieved_weight },
        stable_revision: status.stable_revision.clone(),
        updated_revision: status.updated_revision.clone(),
        steps,
        revisions,
        other_analysis_runs,
        approvals: Approvals {
            waiting,
            records: status.approvals.iter().filter(|a| a.revision == updated).cloned().collect(),
        },
        pauses: status
            .pause_conditions
            .iter()
            .map(|p| Pause { reason: p.reason.clone(), since: p.start_time.0.to_string() })
            .collect(),
        conditions: status
            .conditions
            .iter()
            .map(|c| ConditionLine {
                type_: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
            })
            .collect(),
        last_request: status.last_request.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn owned_by(kind: &str, name: &str, uid: &str) -> Value {
        json!([{"apiVersion": "v1", "kind": kind, "name": name, "uid": uid, "controller": true}])
    }

    fn rs(hash: &str, revision: u64) -> ReplicaSet {
        serde_json::from_value(json!({
            "metadata": {"name": format!("web-{hash}"), "namespace": "default",
                         "labels": {"app": "web", "pod-template-hash": hash},
                         "annotations": {"ramp.dev/revision": revision.to_string()},
                         "ownerReferences": owned_by("Rollout", "web", "u1")},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "web", "image": format!("web:{hash}")}]}}},
            "status": {"replicas": 1, "readyReplicas": 0, "availableReplicas": 0},
        }))
        .unwrap()
    }

    #[test]
    fn blue_green_marks_come_from_the_services_and_pods_say_why_not_ready() {
        let rollout: Rollout = serde_json::from_value(json!({
            "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "web", "namespace": "default", "uid": "u1", "generation": 2},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"blueGreen": {"activeService": "web", "previewService": "web-preview",
                                                "approval": {"message": "ok?", "required": 2, "groups": ["sre"]}}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:b"}]}}},
            "status": {"observedGeneration": 2, "phase": "Paused", "stableRevision": "a", "updatedRevision": "b",
                       "pauseConditions": [{"reason": "BlueGreenPause", "startTime": "2026-01-01T00:00:00Z"}],
                       "approvals": [{"revision": "b", "step": 0, "approved": true, "by": "alice", "groups": ["sre"]},
                                     {"revision": "b", "step": 0, "approved": true, "by": "bob", "groups": ["dev"]}]},
        }))
        .unwrap();
        let service = |name: &str, hash: &str| -> Service {
            serde_json::from_value(json!({"metadata": {"name": name, "namespace": "default"},
                "spec": {"selector": {"app": "web", "pod-template-hash": hash}}}))
            .unwrap()
        };
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web-b-x", "namespace": "default", "ownerReferences": owned_by("ReplicaSet", "web-b", "r")},
            "status": {"phase": "Running",
                       "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
                       "containerStatuses": [{"name": "web", "image": "web:b", "imageID": "", "ready": false, "restartCount": 3,
                                              "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}}]},
        }))
        .unwrap();
        let tree = build(&Snapshot {
            rollout,
            replica_sets: vec![rs("a", 1), rs("b", 2)],
            pods: vec![pod],
            runs: Vec::new(),
            services: vec![service("web", "a"), service("web-preview", "b")],
        });
        assert_eq!(tree.revisions[0].marks, vec!["updated", "preview"]);
        assert_eq!(tree.revisions[1].marks, vec!["stable", "active"]);
        let pod = &tree.revisions[0].replica_set.pods[0];
        assert_eq!(pod.reason.as_deref(), Some("CrashLoopBackOff: back-off 40s"));
        assert_eq!((pod.ready, pod.restarts), (false, 3));
        let gate = tree.approvals.waiting.unwrap();
        assert_eq!((gate.message.as_str(), gate.required), ("ok?", 2));
        assert_eq!(gate.approved_by, vec!["alice"], "bob is not in sre");
        assert_eq!(tree.approvals.records.len(), 2);
    }
}
