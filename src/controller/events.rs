//! Kubernetes Events (`events.k8s.io/v1`) with a bounded memory.
//!
//! kube's own recorder keeps every event it published for six minutes and scans all of them
//! on each publish: at 10,000 Rollouts that is tens of thousands of cached events in the
//! controller's memory, and a scan of them per event. It also folds events into a series by
//! reason alone, so "Scaled up ReplicaSet web-abc to 5" was recorded as another count of
//! "… to 2", with the old note. This recorder folds only exact repeats (the same object,
//! type, reason, action and note: client-go's series key) and remembers at most
//! [`REMEMBERED`] recent events.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::{
    api::{core::v1::ObjectReference, events::v1::Event as K8sEvent},
    apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta},
};
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
    runtime::events::{Event, EventType, Reporter},
};
use serde_json::json;

use super::clock::Clock;

/// Events remembered for folding repeats (a repeat of one forgotten is published anew).
pub const REMEMBERED: usize = 1024;
/// How long a published event may gain repeats (client-go and kube use six minutes).
const SERIES_WINDOW: SignedDuration = SignedDuration::from_mins(6);

/// What makes two events the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    regarding: (Option<String>, Option<String>, Option<String>, Option<String>),
    type_: &'static str,
    reason: String,
    action: String,
    note: Option<String>,
}

/// A published event, for its repeats.
#[derive(Clone, Debug)]
struct Published {
    name: String,
    count: i32,
    last: Timestamp,
}

/// Publishes Events for the controller (cheap to clone).
#[derive(Clone)]
pub struct Recorder {
    client: Client,
    reporter: Reporter,
    clock: Clock,
    recent: Arc<Mutex<HashMap<Key, Published>>>,
}

impl Recorder {
    /// A recorder writing as `reporter`.
    pub fn new(client: Client, reporter: Reporter, clock: Clock) -> Self {
        Self { client, reporter, clock, recent: Arc::default() }
    }

    /// Publishes `ev` about `regarding`: a new Event, or the next count of the same one
    /// published within the last six minutes.
    pub async fn publish(&self, ev: &Event, regarding: &ObjectReference) -> Result<(), kube::Error> {
        let now = self.clock.now();
        let key = Key {
            regarding: (
                regarding.namespace.clone(),
                regarding.name.clone(),
                regarding.uid.clone(),
                regarding.kind.clone(),
            ),
            type_: type_name(ev.type_),
            reason: ev.reason.clone(),
            action: ev.action.clone(),
            note: ev.note.clone(),
        };
        let earlier = self.remembered(&key, now);
        let namespace = regarding.namespace.clone().unwrap_or_else(|| "default".into());
        let api: Api<K8sEvent> = Api::namespaced(self.client.clone(), &namespace);
        let published = match earlier {
            Some(p) => {
                let count = p.count + 1;
                let series = json!({"series": {"count": count, "lastObservedTime": MicroTime(now)}});
                api.patch(&p.name, &PatchParams::default(), &Patch::Merge(&series)).await?;
                Published { count, last: now, ..p }
            }
            None => {
                let event = self.event(ev, regarding, &namespace, now);
                let name = event.metadata.name.clone().unwrap_or_default();
                api.create(&PostParams::default(), &event).await?;
                Published { name, count: 1, last: now }
            }
        };
        self.remember(key, published, now);
        Ok(())
    }

    /// The same event published within the series window, if remembered.
    fn remembered(&self, key: &Key, now: Timestamp) -> Option<Published> {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent.get(key).filter(|p| p.last + SERIES_WINDOW > now).cloned()
    }

    fn remember(&self, key: Key, published: Published, now: Timestamp) {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() >= REMEMBERED && !recent.contains_key(&key) {
            recent.retain(|_, p| p.last + SERIES_WINDOW > now);
            if recent.len() >= REMEMBERED {
                // Still full of live ones: forget the older half (their repeats are
                // published as new events, which loses nothing but the fold).
                let mut times: Vec<Timestamp> = recent.values().map(|p| p.last).collect();
                times.sort_unstable();
                if let Some(&cut) = times.get(times.len() / 2) {
                    recent.retain(|_, p| p.last > cut);
                }
            }
        }
        recent.insert(key, published);
    }

    fn event(&self, ev: &Event, regarding: &ObjectReference, namespace: &str, now: Timestamp) -> K8sEvent {
        let instance = self.reporter.instance.clone().unwrap_or_else(|| self.reporter.controller.clone());
        let owner = regarding.name.clone().unwrap_or_else(|| self.reporter.controller.clone());
        K8sEvent {
            action: Some(ev.action.clone()),
            reason: Some(ev.reason.clone()),
            event_time: Some(MicroTime(now)),
            regarding: Some(regarding.clone()),
            related: ev.secondary.clone(),
            note: ev.note.clone(),
            metadata: ObjectMeta {
                namespace: Some(namespace.to_string()),
                name: Some(format!("{owner}.{:x}", unique())),
                ..ObjectMeta::default()
            },
            reporting_controller: Some(self.reporter.controller.clone()),
            reporting_instance: Some(instance),
            type_: Some(type_name(ev.type_).into()),
            ..K8sEvent::default()
        }
    }

    /// How many events are remembered (for tests).
    pub fn remembered_count(&self) -> usize {
        self.recent.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// A number no other event name of this process has, and unlikely in another's: the wall
/// clock in nanoseconds (as kube and client-go name events) plus a sequence, since the
/// controller's own clock stands still in tests.
fn unique() -> u128 {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    #[allow(clippy::disallowed_methods)] // only to make a name unique, never to decide
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    wall.as_nanos() + u128::from(SEQUENCE.fetch_add(1, Ordering::Relaxed))
}

fn type_name(t: EventType) -> &'static str {
    match t {
        EventType::Normal => "Normal",
        EventType::Warning => "Warning",
    }
}
