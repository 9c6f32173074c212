//! Faults the hollow cluster injects on request, from tests or the admin endpoint
//! (`GET`/`POST /sim/faults`): API latency, API errors (500, and 429 with Retry-After) at a
//! rate, forced 409 conflicts on the next writes, dropped watch connections, pods that fail
//! readiness by version, slow kubelets. Random choices come from a seeded generator, so a run
//! with the same seed fails the same requests.

use std::{
    collections::BTreeSet,
    sync::{Mutex, MutexGuard},
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
    /// Seed of the readiness jitter.
    pub readiness_seed: u64,
}

struct State {
    settings: FaultSettings,
    rng: Rng,
    /// A client (User-Agent containing this text) that dies after this many more writes.
    crash_after: Option<(String, u64)>,
    /// Clients that died.
    dead: Vec<String>,
}

/// Switches for injected faults.
pub struct Faults {
    state: Mutex<State>,
    drop_watches: watch::Sender<u64>,
    /// Bumped whenever the settings (or the traffic targets) change, to wake the controllers.
    changed: watch::Sender<u64>,
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
            }),
            drop_watches: watch::channel(0).0,
            changed: watch::channel(0).0,
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

    /// Tells the controllers that something they act on, outside the store, changed.
    pub fn touch(&self) {
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

    /// A receiver that changes when watches must be dropped.
    pub fn watch_drops(&self) -> watch::Receiver<u64> {
        self.drop_watches.subscribe()
    }

    /// The latency to add to a request.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.lock().settings.api_latency_ms)
    }

    /// The injected failure for a request, if any: forced conflicts for writes first, then
    /// 500 and 429 at their rates.
    pub fn injected(&self, is_write: bool) -> Option<ApiError> {
        let mut st = self.lock();
        if is_write && st.settings.force_conflicts > 0 {
            st.settings.force_conflicts -= 1;
            return Some(ApiError::conflict(
                "objects",
                "injected",
                "injected conflict: the object has been modified",
            ));
        }
        let (error_rate, throttle_rate, retry_after) =
            (st.settings.error_rate, st.settings.throttle_rate, st.settings.retry_after_seconds);
        if error_rate > 0.0 && st.rng.chance(error_rate) {
            return Some(ApiError::internal("injected fault: internal error"));
        }
        if throttle_rate > 0.0 && st.rng.chance(throttle_rate) {
            return Some(ApiError::too_many_requests("injected fault: too many requests", Some(retry_after)));
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
        let mixed = pod.bytes().fold(st.settings.readiness_seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Duration::from_millis(Rng::new(mixed).below(max.saturating_add(1)))
    }
}
