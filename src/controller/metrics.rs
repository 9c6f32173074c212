//! Controller metrics, served on `/metrics` in the Prometheus text format. Labels are bounded:
//! error categories, strategies, phases and write kinds, never object names.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use kube::runtime::reflector::ObjectRef;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::api::Rollout;

/// Reconcile duration buckets, in seconds (up to 10 s).
const DURATION_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// `category` label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CategoryLabel {
    /// Error category.
    pub category: String,
}

/// `strategy` and `phase` labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PhaseLabels {
    /// Strategy.
    pub strategy: String,
    /// Phase.
    pub phase: String,
}

/// `resource` label of watch errors.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResourceLabel {
    /// Watched resource (plural).
    pub resource: String,
}

/// Labels of webhook calls.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    /// The webhook's kind.
    pub kind: String,
    /// `delivered` (2xx) or `failed`.
    pub outcome: String,
}

/// `kind` label of writes.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WriteLabel {
    /// What was written.
    pub kind: String,
}

/// The controller's metrics.
#[derive(Clone)]
pub struct Metrics {
    /// Reconciles run.
    pub reconciles: Counter,
    /// Reconcile durations.
    pub duration: Histogram,
    /// Failed reconciles by category.
    pub failures: Family<CategoryLabel, Counter>,
    /// Rollouts by strategy and phase (as last reconciled).
    pub rollouts: Family<PhaseLabels, Gauge>,
    /// 1 while this instance leads.
    pub leader: Gauge,
    /// Writes made, by kind.
    pub writes: Family<WriteLabel, Counter>,
    /// Writes withheld because this instance was not surely the leader.
    pub withheld: Counter,
    /// Watch and list errors, by resource.
    pub watch_errors: Family<ResourceLabel, Counter>,
    /// Analysis measurements taken.
    pub measurements: Counter,
    /// From the measurement that failed an analysis to the write that put all traffic back
    /// on stable.
    pub abort_reaction: Histogram,
    /// Webhook calls, by kind and outcome.
    pub webhooks: Family<WebhookLabels, Counter>,
    /// What each Rollout counts as in `rollouts`, so a reconcile moves one count instead of
    /// recounting them all.
    phases: Arc<Mutex<Phases>>,
}

/// Labels per Rollout, and when Rollouts gone from the cache were last dropped.
#[derive(Default)]
struct Phases {
    of: HashMap<ObjectRef<Rollout>, PhaseLabels>,
    pruned: Option<Instant>,
}

/// How often Rollouts deleted since are dropped from the counts.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Metrics {
    /// Registers the metrics under the `ramp` prefix.
    pub fn register(registry: &mut Registry) -> Self {
        let m = Self {
            reconciles: Counter::default(),
            duration: Histogram::new(DURATION_BUCKETS),
            failures: Family::default(),
            rollouts: Family::default(),
            leader: Gauge::default(),
            writes: Family::default(),
            withheld: Counter::default(),
            watch_errors: Family::default(),
            measurements: Counter::default(),
            abort_reaction: Histogram::new(DURATION_BUCKETS),
            webhooks: Family::default(),
            phases: Arc::default(),
        };
        let r = registry.sub_registry_with_prefix("ramp");
        r.register("reconciles", "Reconciles run", m.reconciles.clone());
        r.register("reconcile_duration_seconds", "Time a reconcile took", m.duration.clone());
        r.register("reconcile_failures", "Failed reconciles by error category", m.failures.clone());
        r.register("rollouts", "Rollouts by strategy and phase", m.rollouts.clone());
        r.register("leader", "1 while this instance holds the leader lease", m.leader.clone());
        r.register("writes", "Writes made, by kind", m.writes.clone());
        r.register("writes_withheld", "Writes withheld while not surely the leader", m.withheld.clone());
        r.register("watch_errors", "Watch and list errors, by resource", m.watch_errors.clone());
        r.register("analysis_measurements", "Analysis measurements taken", m.measurements.clone());
        r.register(
            "analysis_abort_reaction_seconds",
            "From the measurement that failed an analysis to the write that put all traffic back on stable",
            m.abort_reaction.clone(),
        );
        r.register("webhook_calls", "Webhook calls, by webhook kind and outcome", m.webhooks.clone());
        m
    }

    /// Counts one webhook call.
    pub fn count_webhook(&self, kind: &str, outcome: &str) {
        self.webhooks.get_or_create(&WebhookLabels { kind: kind.into(), outcome: outcome.into() }).inc();
    }

    /// Counts `rollout` under `labels` (moving it from what it counted as before), and, at
    /// most every [`PRUNE_EVERY`], drops the Rollouts of namespace `scope` (None: every
    /// namespace) that `exists`, the cache of that scope, says are gone. Each watched
    /// namespace has its own cache, so a Rollout of another scope is never dropped here.
    pub fn count_rollout(
        &self,
        rollout: ObjectRef<Rollout>,
        labels: PhaseLabels,
        scope: Option<&str>,
        exists: impl Fn(&ObjectRef<Rollout>) -> bool,
    ) {
        let mut phases = self.phases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = phases.of.insert(rollout, labels.clone());
        if before.as_ref() != Some(&labels) {
            if let Some(old) = before {
                self.rollouts.get_or_create(&old).dec();
            }
            self.rollouts.get_or_create(&labels).inc();
        }
        let now = now();
        if phases.pruned.is_none_or(|t| now.duration_since(t) >= PRUNE_EVERY) {
            phases.pruned = Some(now);
            let in_scope = |r: &ObjectRef<Rollout>| scope.is_none_or(|ns| r.namespace.as_deref() == Some(ns));
            let gone: Vec<ObjectRef<Rollout>> =
                phases.of.keys().filter(|r| in_scope(r) && !exists(r)).cloned().collect();
            for r in gone {
                if let Some(old) = phases.of.remove(&r) {
                    self.rollouts.get_or_create(&old).dec();
                }
            }
        }
    }

    /// Starts timing a reconcile; the duration is recorded when the guard drops.
    pub fn measure(&self) -> Measure {
        self.reconciles.inc();
        Measure { histogram: self.duration.clone(), start: now() }
    }
}

#[allow(clippy::disallowed_methods)] // the shell may read the clock; the planner may not
fn now() -> Instant {
    Instant::now()
}

/// Records a reconcile's duration on drop.
pub struct Measure {
    histogram: Histogram,
    start: Instant,
}

impl Drop for Measure {
    fn drop(&mut self) {
        self.histogram.observe(now().duration_since(self.start).as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(m: &Metrics, phase: &str) -> i64 {
        m.rollouts.get_or_create(&PhaseLabels { strategy: "rollingUpdate".into(), phase: phase.into() }).get()
    }

    #[test]
    fn each_namespace_scope_prunes_only_its_own_rollouts() {
        let m = Metrics::register(&mut Registry::default());
        let labels = |phase: &str| PhaseLabels { strategy: "rollingUpdate".into(), phase: phase.into() };
        let (a, b) =
            (ObjectRef::<Rollout>::new("web").within("a"), ObjectRef::<Rollout>::new("api").within("b"));
        m.count_rollout(a.clone(), labels("Healthy"), Some("a"), |r| *r == a);
        // Scope b's cache knows only its own Rollout; scope a's must stay counted.
        m.phases.lock().unwrap().pruned = None;
        m.count_rollout(b.clone(), labels("Progressing"), Some("b"), |r| *r == b);
        assert_eq!((count(&m, "Healthy"), count(&m, "Progressing")), (1, 1));
        // A move between phases moves one count.
        m.count_rollout(b.clone(), labels("Healthy"), Some("b"), |r| *r == b);
        assert_eq!((count(&m, "Healthy"), count(&m, "Progressing")), (2, 0));
        // "web" is gone from scope a's cache: a's next prune drops it, and keeps b's Rollout.
        let c = ObjectRef::<Rollout>::new("new").within("a");
        m.phases.lock().unwrap().pruned = None;
        m.count_rollout(c.clone(), labels("Healthy"), Some("a"), |r| *r == c);
        assert_eq!(count(&m, "Healthy"), 2, "api (scope b) and new (scope a); web dropped");
    }
}
