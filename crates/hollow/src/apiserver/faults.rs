//! Faults the hollow cluster injects on request, from tests or the admin endpoint
//! (`GET`/`POST /sim/faults`): API latency, API errors (500, and 429 with Retry-After) at a
//! rate, 409 conflicts (forced on the next writes, or on updates at a rate), dropped watch
//! connections (now, or every watch after a while), pods that fail readiness by version, pods
//! whose readiness flaps, slow kubelets. Random choices come from a seeded generator, so a run
//! with the same seed fails the same requests; [`Faults::counts`] says how many of each were
//! injected.

use std::{
    collections::BTreeSet,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::errors::ApiError;
use crate::rng::Rng;

/// The fault settings (also the admin endpoint's JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultSettings {
    /// Added to every API request.
    pub api_latency_ms: u64,
    /// Fraction of API requests answered 500.
    pub error_rate: f64,
    /// Fraction of API requests answered 429.
    pub throttle_rate: f64,
    /// Retry-After seconds on injected 429s.
    pub retry_after_seconds: u64,
    /// The next N writes are answered 409 Conflict.
    pub force_conflicts: u64,
    /// Versions (pod-template-hash or image) whose pods fail readiness.
    pub unready_versions: BTreeSet<String>,
    /// Added to every pod's readiness delay.
    pub kubelet_delay_ms: u64,
    /// When set, every pod's time from creation to Ready, instead of its annotation or probe.
    pub readiness_delay_ms: Option<u64>,
    /// Up to this much more readiness delay per pod, drawn from the pod's name and
    /// `readiness_seed` (so a pod keeps its delay, and a seed gives the same run again).
    pub readiness_jitter_ms: u64,
    /// Seed of the readiness jitter (and of which pods flap).
    pub readiness_seed: u64,
    /// Fraction of updates and patches (PUT, PATCH) answered 409 Conflict, as a real server
    /// answers a write based on a stale resourceVersion when another writer got there first.
    pub conflict_rate: f64,
    /// When non-zero, every watch is closed this long after it opened, as a load balancer or
    /// an API server restart cuts them (clients resume from their last resourceVersion).
    pub watch_drop_every_ms: u64,
    /// Fraction of pods whose readiness probe flaps, chosen per pod from its name and
    /// `readiness_seed`: from the time it would be Ready, such a pod is Ready for
    /// `readiness_flap_ms`, not Ready for as long, and so on; its container keeps running (a
    /// failing probe, not a crash: no restart).
    pub readiness_flap_rate: f64,
    /// Half-period of a flapping pod (default 2 s when the rate is set and this is 0).
    pub readiness_flap_ms: u64,
}

/// How many faults of each kind were injected since the cluster started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultCounts {
    /// Requests answered 500.
    pub errors: u64,
    /// Requests answered 429.
    pub throttled: u64,
    /// Writes answered 409 (forced or at the conflict rate).
    pub conflicts: u64,
    /// Watch connections closed (all at once, or each after `watch_drop_every_ms`).
    pub watch_drops: u64,
    /// Requests delayed by `api_latency_ms`.
    pub delayed: u64,
    /// Pods deleted by [`kill_pods`](super::ApiServer::kill_pods).
    pub pods_killed: u64,
}

/// Default half-period of a flapping pod.
pub const DEFAULT_FLAP: Duration = Duration::from_secs(2);

struct State {
    settings: FaultSettings,
    rng: Rng,
    /// A client (User-Agent containing this text) that dies after this many more writes.
    crash_after: Option<(String, u64)>,
    /// Clients that died.
    dead: Vec<String>,
    counts: FaultCounts,
}

/// Switches for injected faults.
pub struct Faults {
    state: Mutex<State>,
    drop_watches: watch::Sender<u64>,
    /// Bumped whenever the settings (or the traffic targets) change, to wake the controllers.
    changed: watch::Sender<u64>,
    /// Watches closed by a fault (counted by the watches themselves, which outlive a lock).
    watch_drops_counted: Arc<AtomicU64>,
    /// How long a watch may stay open (`watch_drop_every_ms`), for the open watches to follow.
    lifetimes: watch::Sender<Option<Duration>>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults").field("settings", &self.settings()).finish()
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::seeded(1)
    }
}

impl Faults {
    /// Faults off, with a seed for the random choices.
    pub fn seeded(seed: u64) -> Self {
        Self {
            state: Mutex::new(State {
                settings: FaultSettings::default(),
                rng: Rng::new(seed),
                crash_after: None,
                dead: Vec::new(),
                counts: FaultCounts::default(),
            }),
            drop_watches: watch::channel(0).0,
            changed: watch::channel(0).0,
            watch_drops_counted: Arc::default(),
            lifetimes: watch::channel(None).0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current settings.
    pub fn settings(&self) -> FaultSettings {
        self.lock().settings.clone()
    }

    /// Replaces the settings.
    pub fn set(&self, settings: FaultSettings) {
        self.lock().settings = settings;
        self.touch();
    }

    /// Changes the settings in place.
    pub fn update(&self, f: impl FnOnce(&mut FaultSettings)) {
        f(&mut self.lock().settings);
        self.touch();
    }

    /// Tells the controllers (and the open watches) that something they act on, outside the
    /// store, changed.
    pub fn touch(&self) {
        let lifetime = self.watch_lifetime();
        self.lifetimes.send_if_modified(|l| std::mem::replace(l, lifetime) != lifetime);
        self.changed.send_modify(|n| *n += 1);
    }

    /// A receiver that changes with [`touch`](Self::touch).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Closes every open watch connection now (clients resume from their last resourceVersion).
    pub fn drop_watches(&self) {
        self.drop_watches.send_modify(|n| *n += 1);
    }

    /// How many faults of each kind were injected so far.
    pub fn counts(&self) -> FaultCounts {
        let mut counts = self.lock().counts;
        counts.watch_drops = self.watch_drops_counted.load(Ordering::Relaxed);
        counts
    }

    /// How long watches may stay open, as it changes.
    pub fn watch_lifetimes(&self) -> watch::Receiver<Option<Duration>> {
        self.lifetimes.subscribe()
    }

    /// The counter a watch closed by a fault adds one to.
    pub fn watch_drop_counter(&self) -> Arc<AtomicU64> {
        self.watch_drops_counted.clone()
    }

    /// Counts with `f` (pods killed).
    pub fn count(&self, f: impl FnOnce(&mut FaultCounts)) {
        f(&mut self.lock().counts);
    }

    /// How long a watch opened now may stay open before the fault closes it, if it does.
    pub fn watch_lifetime(&self) -> Option<Duration> {
        let ms = self.lock().settings.watch_drop_every_ms;
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    /// A receiver that changes when watches must be dropped.
    pub fn watch_drops(&self) -> watch::Receiver<u64> {
        self.drop_watches.subscribe()
    }

    /// The latency to add to a request (counted when there is one).
    pub fn latency(&self) -> Duration {
        let mut st = self.lock();
        let ms = st.settings.api_latency_ms;
        if ms > 0 {
            st.counts.delayed += 1;
        }
        Duration::from_millis(ms)
    }

    /// The injected failure for a request with `method` on `path`, if any: forced conflicts
    /// for writes first, then 500 and 429 at their rates, then 409 for updates at the
    /// conflict rate.
    pub fn injected(&self, method: &http::Method, path: &str) -> Option<ApiError> {
        let is_write = !matches!(*method, http::Method::GET | http::Method::HEAD);
        let is_update = matches!(*method, http::Method::PUT | http::Method::PATCH);
        let mut st = self.lock();
        if is_write && st.settings.force_conflicts > 0 {
            st.settings.force_conflicts -= 1;
            st.counts.conflicts += 1;
            return Some(ApiError::conflict(
                "objects",
                "injected",
                "injected conflict: the object has been modified",
            ));
        }
        let (error_rate, throttle_rate, retry_after, conflict_rate) = (
            st.settings.error_rate,
            st.settings.throttle_rate,
            st.settings.retry_after_seconds,
            st.settings.conflict_rate,
        );
        if error_rate > 0.0 && st.rng.chance(error_rate) {
            st.counts.errors += 1;
            return Some(ApiError::internal("injected fault: internal error"));
        }
        if throttle_rate > 0.0 && st.rng.chance(throttle_rate) {
            st.counts.throttled += 1;
            return Some(ApiError::too_many_requests("injected fault: too many requests", Some(retry_after)));
        }
        if is_update && conflict_rate > 0.0 && st.rng.chance(conflict_rate) {
            st.counts.conflicts += 1;
            let (resource, name) = object_of(path);
            return Some(ApiError::conflict(
                &resource,
                &name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        None
    }

    /// Whether pods of this version (pod-template-hash or image) must fail readiness.
    pub fn fails_readiness(&self, hash: Option<&str>, images: &[&str]) -> bool {
        let st = self.lock();
        hash.is_some_and(|h| st.settings.unready_versions.contains(h))
            || images.iter().any(|i| st.settings.unready_versions.contains(*i))
    }

    /// The client whose User-Agent contains `who` dies right after its next `writes` writes
    /// (lease renewals do not count): from then on the cluster answers it 503, as if its
    /// process were gone. Tests use it to stop a controller after exactly its Nth write.
    pub fn crash_after_writes(&self, who: &str, writes: u64) {
        let mut st = self.lock();
        st.dead.retain(|d| d != who);
        st.crash_after = Some((who.to_string(), writes));
    }

    /// Whether the client with this User-Agent is dead.
    pub fn is_dead(&self, user_agent: &str) -> bool {
        self.lock().dead.iter().any(|d| user_agent.contains(d.as_str()))
    }

    /// Whether any client died.
    pub fn someone_died(&self) -> bool {
        !self.lock().dead.is_empty()
    }

    /// Counts a completed write by a client; kills it at its last allowed write.
    pub fn count_write(&self, user_agent: &str) {
        let mut st = self.lock();
        let Some((who, left)) = st.crash_after.clone() else { return };
        if !user_agent.contains(who.as_str()) {
            return;
        }
        if left <= 1 {
            st.crash_after = None;
            st.dead.push(who);
        } else {
            st.crash_after = Some((who, left - 1));
        }
    }

    /// Revives every dead client and cancels a pending crash.
    pub fn revive(&self) {
        let mut st = self.lock();
        st.dead.clear();
        st.crash_after = None;
    }

    /// Extra readiness delay of every pod.
    pub fn kubelet_delay(&self) -> Duration {
        Duration::from_millis(self.lock().settings.kubelet_delay_ms)
    }

    /// The readiness delay that replaces each pod's own, if one is set.
    pub fn readiness_delay(&self) -> Option<Duration> {
        self.lock().settings.readiness_delay_ms.map(Duration::from_millis)
    }

    /// The extra readiness delay of the pod named `pod`: the same for the same pod and seed.
    pub fn readiness_jitter(&self, pod: &str) -> Duration {
        let st = self.lock();
        let max = st.settings.readiness_jitter_ms;
        if max == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(pod_rng(st.settings.readiness_seed, pod).below(max.saturating_add(1)))
    }

    /// The half-period of the pod named `pod` if its readiness flaps: the same for the same
    /// pod and seed.
    pub fn readiness_flap(&self, pod: &str) -> Option<Duration> {
        let st = self.lock();
        let rate = st.settings.readiness_flap_rate;
        // Its own stream (not the jitter's draw), so turning jitter on does not change who flaps.
        let flaps = rate > 0.0 && pod_rng(st.settings.readiness_seed ^ 0x5f1a_95e3, pod).chance(rate);
        let half = match st.settings.readiness_flap_ms {
            0 => DEFAULT_FLAP,
            ms => Duration::from_millis(ms),
        };
        flaps.then_some(half)
    }
}

/// A generator drawn from a pod's name and a seed (FNV-1a of the name, mixed with the seed).
fn pod_rng(seed: u64, pod: &str) -> Rng {
    let mixed = pod
        .bytes()
        .fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    Rng::new(mixed)
}

/// The qualified resource (`replicasets.apps`, `pods`) and object name a request path names,
/// as a real server words a conflict on it (`/apis/apps/v1/namespaces/ns/replicasets/web/status`
/// → `replicasets.apps`, `web`).
fn object_of(path: &str) -> (String, String) {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", _version, rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => ("", &[][..]),
    };
    let rest = match rest {
        ["namespaces", _ns, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    let (plural, name) = match rest {
        [plural, name, ..] => (*plural, *name),
        [plural] => (*plural, ""),
        [] => ("objects", ""),
    };
    let resource = if group.is_empty() { plural.to_string() } else { format!("{plural}.{group}") };
    (resource, name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_names_the_object_of_the_path_as_a_real_server_does() {
        assert_eq!(
            object_of("/apis/apps/v1/namespaces/default/replicasets/web-1/status"),
            ("replicasets.apps".into(), "web-1".into())
        );
        assert_eq!(object_of("/api/v1/namespaces/default/services/web"), ("services".into(), "web".into()));
        assert_eq!(object_of("/api/v1/namespaces/web"), ("namespaces".into(), "web".into()));
        assert_eq!(
            object_of("/apis/ramp.dev/v1alpha1/namespaces/a/rollouts/r"),
            ("rollouts.ramp.dev".into(), "r".into())
        );
    }

    #[test]
    fn the_conflict_rate_hits_only_updates_and_every_injection_is_counted() {
        let f = Faults::seeded(3);
        f.update(|s| s.conflict_rate = 1.0);
        assert!(f.injected(&http::Method::GET, "/api/v1/namespaces/default/pods").is_none());
        assert!(f.injected(&http::Method::POST, "/api/v1/namespaces/default/pods").is_none());
        assert!(f.injected(&http::Method::DELETE, "/api/v1/namespaces/default/pods/p").is_none());
        let e = f.injected(&http::Method::PATCH, "/api/v1/namespaces/default/pods/p");
        assert_eq!(e.map(|e| e.code), Some(409));
        assert!(f.injected(&http::Method::PUT, "/api/v1/namespaces/default/pods/p").is_some());
        f.update(|s| {
            s.conflict_rate = 0.0;
            s.error_rate = 1.0;
        });
        assert!(f.injected(&http::Method::GET, "/api/v1/pods").is_some());
        assert_eq!(f.counts(), FaultCounts { errors: 1, conflicts: 2, ..FaultCounts::default() });
    }

    #[test]
    fn which_pods_flap_depends_on_the_name_and_seed_only() {
        let f = Faults::seeded(1);
        assert_eq!(f.readiness_flap("web-1"), None, "no rate, no flapping");
        f.update(|s| s.readiness_flap_rate = 0.5);
        let names: Vec<String> = (0..200).map(|i| format!("web-{i}")).collect();
        let flapping: Vec<bool> = names.iter().map(|n| f.readiness_flap(n).is_some()).collect();
        let n = flapping.iter().filter(|b| **b).count();
        assert!((60..=140).contains(&n), "about half of 200 pods flap: {n}");
        assert_eq!(f.readiness_flap(&names[flapping.iter().position(|b| *b).unwrap()]), Some(DEFAULT_FLAP));
        f.update(|s| s.readiness_jitter_ms = 500);
        let again: Vec<bool> = names.iter().map(|n| f.readiness_flap(n).is_some()).collect();
        assert_eq!(flapping, again, "jitter does not change who flaps");
        f.update(|s| s.readiness_seed = 9);
        let other: Vec<bool> = names.iter().map(|n| f.readiness_flap(n).is_some()).collect();
        assert_ne!(flapping, other, "another seed, other pods");
    }
}
