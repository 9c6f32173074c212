//! The simulated cluster around one Rollout: ReplicaSets with pods, a ReplicaSet controller,
//! hollow kubelets (pods become Ready after a delay) and a disruption controller computing
//! PodDisruptionBudget status the way Kubernetes does.

use std::{collections::BTreeMap, time::Duration};

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::{api::policy::v1::PodDisruptionBudget, apimachinery::pkg::util::intstr::IntOrString};

use crate::{
    api::selector,
    plan::{DisruptionBudgetView, PodCounts, ReplicaSetView, replicas::scaled},
};
use hollow::rng::Rng;

/// A simulated pod.
#[derive(Clone, Debug, PartialEq)]
pub struct SimPod {
    /// Creation order, for "newest first" deletion.
    pub serial: u64,
    /// When it turns Ready; `None` never.
    pub ready_at: Option<Timestamp>,
}

impl SimPod {
    /// Ready at `now`.
    pub fn ready(&self, now: Timestamp) -> bool {
        self.ready_at.is_some_and(|t| t <= now)
    }

    /// Ready for `min_ready` seconds at `now`.
    pub fn available(&self, now: Timestamp, min_ready: i32) -> bool {
        self.ready_at.is_some_and(|t| t + SignedDuration::from_secs(i64::from(min_ready)) <= now)
    }
}

/// A simulated ReplicaSet: the planner's view (status as last synced) plus its pods.
#[derive(Clone, Debug, PartialEq)]
pub struct SimReplicaSet {
    /// What the planner sees; `status` is refreshed by [`Cluster::sync_status`].
    pub view: ReplicaSetView,
    /// Live pods.
    pub pods: Vec<SimPod>,
}

/// How simulated pods behave.
#[derive(Clone, Debug, PartialEq)]
pub struct PodBehaviour {
    /// Time from creation to Ready.
    pub readiness_delay: Duration,
    /// Extra random delay, uniform in `0..=jitter`.
    pub jitter: Duration,
    /// Pods of templates with these fingerprints never become Ready.
    pub never_ready_templates: Vec<String>,
}

/// PodDisruptionBudget status as the disruption controller computes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BudgetStatus {
    /// Ready pods selected.
    pub current_healthy: i32,
    /// Ready pods required.
    pub desired_healthy: i32,
    /// `max(0, current - desired)`, 0 when nothing is expected.
    pub disruptions_allowed: i32,
}

/// ReplicaSets, pods and budgets.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// ReplicaSets by name.
    pub replica_sets: BTreeMap<String, SimReplicaSet>,
    /// Budgets with their last computed status.
    pub budgets: Vec<(PodDisruptionBudget, BudgetStatus)>,
    /// Pod behaviour.
    pub behaviour: PodBehaviour,
    next_serial: u64,
}

impl Cluster {
    /// An empty cluster.
    pub fn new(behaviour: PodBehaviour, budgets: Vec<PodDisruptionBudget>) -> Self {
        let empty = BudgetStatus { current_healthy: 0, desired_healthy: 0, disruptions_allowed: 0 };
        Self {
            replica_sets: BTreeMap::new(),
            budgets: budgets.into_iter().map(|b| (b, empty.clone())).collect(),
            behaviour,
            next_serial: 0,
        }
    }

    /// Makes a pod of the template with `fingerprint`, created at `now`.
    pub fn new_pod(&mut self, fingerprint: Option<&String>, now: Timestamp, rng: &mut Rng) -> SimPod {
        self.next_serial += 1;
        let never = fingerprint.is_some_and(|f| self.behaviour.never_ready_templates.contains(f));
        let jitter_ms = u64::try_from(self.behaviour.jitter.as_millis()).unwrap_or(u64::MAX);
        let delay =
            self.behaviour.readiness_delay + Duration::from_millis(rng.below(jitter_ms.saturating_add(1)));
        SimPod {
            serial: self.next_serial,
            ready_at: (!never).then(|| now + SignedDuration::try_from(delay).unwrap_or(SignedDuration::ZERO)),
        }
    }

    /// The ReplicaSet controller: create or delete pods to match each `spec.replicas`,
    /// deleting not-Ready pods first, then the newest. Returns the pods deleted per
    /// ReplicaSet as (name, was Ready) pairs.
    pub fn sync_pods(&mut self, now: Timestamp, rng: &mut Rng) -> Vec<(String, bool)> {
        let mut deleted = Vec::new();
        let names: Vec<String> = self.replica_sets.keys().cloned().collect();
        for name in names {
            let (want, have, fingerprint) = match self.replica_sets.get(&name) {
                Some(rs) => (
                    usize::try_from(rs.view.replicas).unwrap_or(0),
                    rs.pods.len(),
                    rs.view.template_fingerprint.clone(),
                ),
                None => continue,
            };
            if have < want {
                let new: Vec<SimPod> =
                    (have..want).map(|_| self.new_pod(fingerprint.as_ref(), now, rng)).collect();
                if let Some(rs) = self.replica_sets.get_mut(&name) {
                    rs.pods.extend(new);
                }
            } else if have > want
                && let Some(rs) = self.replica_sets.get_mut(&name)
            {
                // Kubernetes' victim ranking: not Ready first, then Ready for the shortest time,
                // then newest. Sorted so that the tail is what goes.
                rs.pods.sort_by_key(|p| {
                    let ready_since = p.ready_at.filter(|t| *t <= now);
                    (ready_since.is_none(), ready_since, p.serial)
                });
                for p in rs.pods.drain(want..) {
                    deleted.push((name.clone(), p.ready(now)));
                }
            }
        }
        deleted
    }

    /// The ReplicaSet controller's status write: counts from the pods at `now`.
    pub fn sync_status(&mut self, now: Timestamp) {
        for rs in self.replica_sets.values_mut() {
            let min_ready = rs.view.min_ready_seconds;
            rs.view.status = PodCounts {
                replicas: count(rs.pods.len()),
                ready: count(rs.pods.iter().filter(|p| p.ready(now)).count()),
                available: count(rs.pods.iter().filter(|p| p.available(now, min_ready)).count()),
            };
            rs.view.status_current = true;
        }
    }

    /// The disruption controller: recomputes every budget's status from the pods at `now`.
    pub fn sync_budgets(&mut self, now: Timestamp) {
        let statuses: Vec<BudgetStatus> =
            self.budgets.iter().map(|(b, _)| self.budget_status(b, now)).collect();
        for ((_, st), new) in self.budgets.iter_mut().zip(statuses) {
            *st = new;
        }
    }

    /// A budget's status computed from the pods now (the truth, not the last written status).
    pub fn budget_status(&self, pdb: &PodDisruptionBudget, now: Timestamp) -> BudgetStatus {
        let spec = pdb.spec.clone().unwrap_or_default();
        let covered: Vec<&SimReplicaSet> = self
            .replica_sets
            .values()
            .filter(|rs| {
                spec.selector
                    .as_ref()
                    .is_some_and(|s| selector::matches(s, &rs.view.template_labels).unwrap_or(false))
            })
            .collect();
        let pods = count(covered.iter().map(|rs| rs.pods.len()).sum());
        let healthy = count(covered.iter().map(|rs| rs.pods.iter().filter(|p| p.ready(now)).count()).sum());
        // Each controller (ReplicaSet) with pods counts its scale once.
        let controllers_scale: i32 =
            covered.iter().filter(|rs| !rs.pods.is_empty()).map(|rs| rs.view.replicas).sum();
        let (expected, desired) = match (&spec.max_unavailable, &spec.min_available) {
            (Some(mu), _) => {
                (controllers_scale, (controllers_scale - scaled(Some(mu), controllers_scale, true)).max(0))
            }
            (None, Some(IntOrString::Int(n))) => (pods, *n),
            (None, Some(pct)) => (controllers_scale, scaled(Some(pct), controllers_scale, true)),
            (None, None) => (pods, 0),
        };
        let allowed = if expected <= 0 { 0 } else { (healthy - desired).max(0) };
        BudgetStatus { current_healthy: healthy, desired_healthy: desired, disruptions_allowed: allowed }
    }

    /// The budgets as the planner sees them (last written status).
    pub fn budget_views(&self) -> Vec<DisruptionBudgetView> {
        self.budgets
            .iter()
            .map(|(b, st)| DisruptionBudgetView {
                name: b.metadata.name.clone().unwrap_or_default(),
                selector: b.spec.as_ref().and_then(|s| s.selector.clone()),
                disruptions_allowed: st.disruptions_allowed,
                current_healthy: st.current_healthy,
                status_current: true,
            })
            .collect()
    }

    /// Available pods over all ReplicaSets, truthfully at `now`.
    pub fn available_now(&self, now: Timestamp) -> i32 {
        count(
            self.replica_sets
                .values()
                .map(|rs| rs.pods.iter().filter(|p| p.available(now, rs.view.min_ready_seconds)).count())
                .sum(),
        )
    }

    /// The earliest pod readiness or availability change after `now`.
    pub fn next_pod_event(&self, now: Timestamp) -> Option<Timestamp> {
        self.replica_sets
            .values()
            .flat_map(|rs| {
                let min_ready = SignedDuration::from_secs(i64::from(rs.view.min_ready_seconds));
                rs.pods.iter().filter_map(move |p| p.ready_at).flat_map(move |t| [t, t + min_ready])
            })
            .filter(|t| *t > now)
            .min()
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
