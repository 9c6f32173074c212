//! What the dashboard learns from the controller's own watch streams: which Rollouts
//! changed (a broadcast of keys that live pages subscribe to), and their weights over time.
//! No watch of its own: the controller hands each event of its Rollout, ReplicaSet and
//! AnalysisRun streams to [`Feed::rollout_event`] and [`Feed::child_event`] after its caches
//! took it in, so a subscriber that reads the caches on a key sees the change.

use kube::{Resource, runtime::watcher};
use serde::Serialize;
use tokio::sync::broadcast;

use super::history::History;
use crate::{api::Rollout, controller::clock::Clock};

/// Keys buffered per subscriber. A subscriber that falls further behind is told it lagged
/// and reloads everything it shows, so a burst (a relist of thousands of Rollouts) costs a
/// slow page one full refresh, never a lost update.
pub const BUFFER: usize = 1024;

/// A Rollout's namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RolloutKey {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl RolloutKey {
    /// The key of `name` in `namespace`.
    pub fn new(namespace: &str, name: &str) -> Self {
        Self { namespace: namespace.into(), name: name.into() }
    }

    /// The key of a Rollout object.
    pub fn of(r: &Rollout) -> Self {
        Self::new(
            r.metadata.namespace.as_deref().unwrap_or_default(),
            r.metadata.name.as_deref().unwrap_or_default(),
        )
    }
}

impl std::fmt::Display for RolloutKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Changes of Rollouts, as the controller's watches deliver them.
#[derive(Debug)]
pub struct Feed {
    changes: broadcast::Sender<RolloutKey>,
    /// Weights over time.
    pub history: History,
    clock: Clock,
}

impl Feed {
    /// A feed timing its samples with `clock`.
    pub fn new(clock: Clock) -> Self {
        Self { changes: broadcast::channel(BUFFER).0, history: History::default(), clock }
    }

    /// Changed keys from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RolloutKey> {
        self.changes.subscribe()
    }

    /// Says that a Rollout changed (no subscriber is fine).
    pub fn changed(&self, key: RolloutKey) {
        let _ = self.changes.send(key);
    }

    /// One event of the Rollout watch, after the cache applied it.
    pub fn rollout_event(&self, e: &Result<watcher::Event<Rollout>, watcher::Error>) {
        match e {
            Ok(watcher::Event::Apply(r) | watcher::Event::InitApply(r)) => {
                let key = RolloutKey::of(r);
                self.history.record(key.clone(), r, self.clock.now());
                self.changed(key);
            }
            Ok(watcher::Event::Delete(r)) => {
                let key = RolloutKey::of(r);
                self.history.forget(&key);
                self.changed(key);
            }
            Ok(watcher::Event::Init | watcher::Event::InitDone) | Err(_) => {}
        }
    }

    /// One event of a watch of objects a Rollout controls (ReplicaSets, AnalysisRuns): its
    /// Rollout changed in what the dashboard shows.
    pub fn child_event<K: Resource>(&self, e: &Result<watcher::Event<K>, watcher::Error>) {
        let Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o) | watcher::Event::Delete(o)) = e
        else {
            return;
        };
        let meta = o.meta();
        let owner = meta
            .owner_references
            .iter()
            .flatten()
            .find(|r| r.controller == Some(true) && r.kind == "Rollout");
        if let (Some(owner), Some(ns)) = (owner, &meta.namespace) {
            self.changed(RolloutKey::new(ns, &owner.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::ReplicaSet;

    use super::*;

    #[tokio::test]
    async fn rollouts_and_their_children_announce_the_rollout() {
        let feed = Feed::new(Clock::system());
        let mut rx = feed.subscribe();
        let rollout: Rollout = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"selector": {}, "strategy": {}}, "status": {"weight": 20},
        }))
        .unwrap();
        feed.rollout_event(&Ok(watcher::Event::Apply(rollout.clone())));
        assert_eq!(rx.try_recv().unwrap(), RolloutKey::new("shop", "web"));
        assert_eq!(feed.history.of(&RolloutKey::new("shop", "web"))[0].weight, Some(20));
        let rs: ReplicaSet = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-abc", "namespace": "shop", "ownerReferences": [
                {"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "name": "web", "uid": "u", "controller": true}]},
        }))
        .unwrap();
        feed.child_event(&Ok(watcher::Event::Apply(rs)));
        assert_eq!(rx.try_recv().unwrap(), RolloutKey::new("shop", "web"));
        let orphan: ReplicaSet =
            serde_json::from_value(serde_json::json!({"metadata": {"name": "x", "namespace": "shop"}}))
                .unwrap();
        feed.child_event(&Ok(watcher::Event::Apply(orphan)));
        assert!(rx.try_recv().is_err(), "an object no Rollout controls announces nothing");
        feed.rollout_event(&Ok(watcher::Event::Delete(rollout)));
        assert_eq!(rx.try_recv().unwrap(), RolloutKey::new("shop", "web"));
        assert!(feed.history.of(&RolloutKey::new("shop", "web")).is_empty());
    }
}
