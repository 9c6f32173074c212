//! Chainable fixtures for planner tests.
#![allow(dead_code)]

pub mod crash;
pub mod dashboard;
pub mod gateway;
pub mod harness;
#[path = "../../../crates/hollow/tests/it/common/kubectl.rs"]
pub mod kubectl;
pub mod paused;
pub mod plugin;
pub mod prometheus;
pub mod rollouts;

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::{
    api::core::v1::{Container, PodSpec, PodTemplateSpec},
    apimachinery::pkg::{
        apis::meta::v1::{LabelSelector, ObjectMeta},
        util::intstr::IntOrString,
    },
};
use ramp::{
    api::{RolloutSpec, RolloutStatus, RolloutStrategy, condition::keys},
    plan::{DisruptionBudgetView, Observed, PodCounts, ReplicaSetView, RolloutView, revision},
};

pub fn epoch() -> Timestamp {
    hollow::clock::epoch()
}

pub fn labels() -> BTreeMap<String, String> {
    [("app".to_string(), "web".to_string())].into()
}

pub fn template(image: &str) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: Some(ObjectMeta { labels: Some(labels()), ..Default::default() }),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "web".into(),
                image: Some(image.into()),
                ..Default::default()
            }],
            ..Default::default()
        }),
    }
}

/// `"25%"` → percent, `"3"` → int.
pub fn ios(v: &str) -> IntOrString {
    match v.parse::<i32>() {
        Ok(i) => IntOrString::Int(i),
        Err(_) => IntOrString::String(v.into()),
    }
}

pub fn spec(replicas: i32, surge: &str, unavailable: &str, image: &str) -> RolloutSpec {
    RolloutSpec {
        replicas,
        selector: LabelSelector { match_labels: Some(labels()), ..Default::default() },
        template: Some(template(image)),
        workload_ref: None,
        min_ready_seconds: 0,
        progress_deadline: "10m".into(),
        progress_deadline_abort: false,
        revision_history_limit: 10,
        paused: false,
        strategy: RolloutStrategy::rolling(Some(ios(surge)), Some(ios(unavailable))),
        webhooks: Vec::new(),
    }
}

pub fn rollout(spec: RolloutSpec) -> RolloutView {
    RolloutView {
        name: "web".into(),
        namespace: "default".into(),
        generation: 2,
        spec,
        status: RolloutStatus::default(),
        request: None,
    }
}

/// A ReplicaSet made by Ramp from `template(image)`, fully observed, all pods available.
pub fn rs(image: &str, revision: u64, replicas: i32) -> ReplicaSetView {
    let t = template(image);
    let hash = revision::pod_template_hash(&t, None);
    let mut labels = labels();
    labels.insert(keys::POD_TEMPLATE_HASH.into(), hash.clone());
    ReplicaSetView {
        name: format!("web-{hash}"),
        pod_template_hash: hash,
        template_fingerprint: Some(revision::fingerprint(&t)),
        template_labels: labels,
        revision,
        revision_history: Vec::new(),
        created: epoch() + SignedDuration::from_mins(i64::try_from(revision).unwrap()),
        replicas,
        min_ready_seconds: 0,
        status: PodCounts { replicas, ready: replicas, available: replicas },
        status_current: true,
        desired_replicas: None,
        max_replicas: None,
        deleting: false,
    }
}

pub trait RsExt {
    fn ready(self, ready: i32, available: i32) -> Self;
    fn annotated(self, desired: i32, max: i32) -> Self;
    fn pods(self, replicas: i32) -> Self;
}

impl RsExt for ReplicaSetView {
    /// Set ready/available counts (status.replicas stays).
    fn ready(mut self, ready: i32, available: i32) -> Self {
        self.status.ready = ready;
        self.status.available = available;
        self
    }
    fn annotated(mut self, desired: i32, max: i32) -> Self {
        self.desired_replicas = Some(desired);
        self.max_replicas = Some(max);
        self
    }
    fn pods(mut self, replicas: i32) -> Self {
        self.status.replicas = replicas;
        self
    }
}

pub fn pdb(name: &str, allowed: i32, healthy: i32) -> DisruptionBudgetView {
    DisruptionBudgetView {
        name: name.into(),
        selector: Some(LabelSelector { match_labels: Some(labels()), ..Default::default() }),
        disruptions_allowed: allowed,
        current_healthy: healthy,
        status_current: true,
        unreadable: None,
    }
}

pub fn observe(rollout: RolloutView, rss: Vec<ReplicaSetView>, pdbs: Vec<DisruptionBudgetView>) -> Observed {
    Observed {
        rollout,
        replica_sets: rss,
        disruption_budgets: pdbs,
        unreadable_replica_sets: Vec::new(),
        traffic: Default::default(),
        verdicts: Vec::new(),
        pod_health: Vec::new(),
        workload: None,
        confirmations: Vec::new(),
        notified: Vec::new(),
        now: epoch() + SignedDuration::from_hours(1),
    }
}
