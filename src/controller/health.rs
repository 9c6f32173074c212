//! Readiness: every watch has delivered its first list, and none is failing now. A watch
//! that fails (RBAC denied, the API server gone) turns `/readyz` to 503 naming it, is logged
//! at warning level and counted in `ramp_watch_errors_total`, until it recovers: until it
//! delivers an event, or until [`QUIET`] passes without another error. (A watch that resumes
//! successfully delivers nothing until something changes; kube's watcher retries a failing
//! watch at least every 30 s, so a quiet period longer than that means the retry worked.)

use std::sync::{Arc, Mutex};

use tokio::{sync::watch, time::Instant};

use super::metrics::{Metrics, ResourceLabel};

/// Time without a new error after which a failing watch counts as recovered: longer than
/// the longest retry delay of kube's default watcher backoff (30 s).
pub const QUIET: std::time::Duration = std::time::Duration::from_secs(40);

/// What `/readyz` answers: `Ok` or why not.
pub type Readiness = Result<(), String>;

#[derive(Default)]
struct State {
    synced: usize,
    /// Failing watches and when each last failed.
    failing: std::collections::BTreeMap<String, Instant>,
}

/// Readiness of the controller's watches.
#[derive(Clone)]
pub struct Health {
    scopes: usize,
    state: Arc<Mutex<State>>,
    tx: Arc<watch::Sender<Readiness>>,
    metrics: Metrics,
}

impl Health {
    /// Health of `scopes` namespace scopes, none synced yet.
    pub fn new(scopes: usize, metrics: Metrics) -> Self {
        let (tx, _) = watch::channel(Err("watches not synced yet".to_string()));
        Self { scopes, state: Arc::default(), tx: Arc::new(tx), metrics }
    }

    /// The readiness as it changes.
    pub fn subscribe(&self) -> watch::Receiver<Readiness> {
        self.tx.subscribe()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The readiness now (failing watches quiet for [`QUIET`] count as recovered).
    pub fn readiness(&self) -> Readiness {
        let mut s = self.state();
        let now = Instant::now();
        s.failing.retain(|_, at| now.duration_since(*at) < QUIET);
        self.publish(&s);
        self.tx.borrow().clone()
    }

    fn publish(&self, s: &State) {
        let r = if let Some(first) = s.failing.keys().next() {
            Err(format!("watch failing: {first}"))
        } else if s.synced < self.scopes {
            Err("watches not synced yet".into())
        } else {
            Ok(())
        };
        self.tx.send_if_modified(|old| {
            let changed = *old != r;
            *old = r;
            changed
        });
    }

    /// One scope's watches have all listed.
    pub fn scope_synced(&self) {
        let mut s = self.state();
        s.synced += 1;
        self.publish(&s);
    }

    /// A watch (`resource`, e.g. `replicasets in default`) answered with an error.
    pub fn watch_failed(&self, resource: &'static str, watch: &str, error: &dyn std::fmt::Display) {
        self.metrics.watch_errors.get_or_create(&ResourceLabel { resource: resource.into() }).inc();
        let mut s = self.state();
        if s.failing.insert(watch.to_string(), Instant::now()).is_none() {
            tracing::warn!(watch, error = %error, "watch failing; /readyz fails until it recovers");
        } else {
            tracing::debug!(watch, error = %error, "watch still failing");
        }
        self.publish(&s);
    }

    /// A watch delivered an event.
    pub fn watch_ok(&self, watch: &str) {
        let mut s = self.state();
        if s.failing.remove(watch).is_some() {
            tracing::info!(watch, "watch recovered");
            self.publish(&s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_failing_watch_quiet_for_longer_than_any_retry_counts_as_recovered() {
        let h = Health::new(1, Metrics::register(&mut prometheus_client::registry::Registry::default()));
        h.scope_synced();
        h.watch_failed("rollouts", "rollouts in a", &"500");
        tokio::time::advance(QUIET - std::time::Duration::from_secs(1)).await;
        assert!(h.readiness().is_err(), "still within a retry of the last error");
        h.watch_failed("rollouts", "rollouts in a", &"500");
        tokio::time::advance(QUIET - std::time::Duration::from_secs(1)).await;
        assert!(h.readiness().is_err(), "a new error restarts the quiet period");
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        assert_eq!(h.readiness(), Ok(()));
    }

    #[test]
    fn ready_once_every_scope_synced_and_not_while_a_watch_fails() {
        let h = Health::new(2, Metrics::register(&mut prometheus_client::registry::Registry::default()));
        let rx = h.subscribe();
        assert!(rx.borrow().is_err());
        h.scope_synced();
        assert!(rx.borrow().is_err(), "one of two scopes");
        h.scope_synced();
        assert_eq!(*rx.borrow(), Ok(()));
        h.watch_failed("replicasets", "replicasets in a", &"403 Forbidden");
        assert_eq!(*rx.borrow(), Err("watch failing: replicasets in a".to_string()));
        h.watch_failed("replicasets", "replicasets in a", &"403 Forbidden");
        assert_eq!(
            h.metrics.watch_errors.get_or_create(&ResourceLabel { resource: "replicasets".into() }).get(),
            2
        );
        h.watch_ok("replicasets in a");
        assert_eq!(*rx.borrow(), Ok(()));
    }
}
