//! Status writes that only move counts are paced: at most one per [`COUNTS_INTERVAL`] per
//! Rollout. A 10-replica rolling update otherwise writes its status on every pod readiness
//! flip (8 of its 21 writes); phase, conditions, revisions and everything else that cannot be
//! re-derived are never held back. Kept in memory only: after a restart the first write goes
//! at once, which is always safe.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use tokio::time::Instant;

use super::error::RolloutRef;

/// Shortest gap between two status writes that change only counts and messages.
pub const COUNTS_INTERVAL: Duration = Duration::from_secs(5);

/// Entries past which stale ones are dropped (an entry older than the interval means "due").
const PRUNE_AT: usize = 4096;

#[allow(clippy::disallowed_methods)] // the shell's local clock (tokio's, so paused in tests)
fn now() -> Instant {
    Instant::now()
}

/// When each Rollout's status was last written.
#[derive(Debug, Default)]
pub struct StatusPacer {
    last: Mutex<HashMap<RolloutRef, Instant>>,
}

impl StatusPacer {
    /// `None` if a counts-only write may go now, else how long until it may.
    pub fn wait_for(&self, rollout: &RolloutRef) -> Option<Duration> {
        let last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let since = now().saturating_duration_since(*last.get(rollout)?);
        (since < COUNTS_INTERVAL).then(|| COUNTS_INTERVAL - since)
    }

    /// Records a status write.
    pub fn written(&self, rollout: RolloutRef) {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let t = now();
        if last.len() >= PRUNE_AT {
            last.retain(|_, at| t.saturating_duration_since(*at) < COUNTS_INTERVAL);
        }
        last.insert(rollout, t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_counts_only_write_waits_out_the_interval_from_the_last_write() {
        let pacer = StatusPacer::default();
        let web = RolloutRef::new("web").within("default");
        assert_eq!(pacer.wait_for(&web), None, "never written: at once");
        pacer.written(web.clone());
        assert_eq!(pacer.wait_for(&web), Some(COUNTS_INTERVAL));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(pacer.wait_for(&web), Some(COUNTS_INTERVAL - Duration::from_secs(2)));
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(pacer.wait_for(&web), None);
        let api = RolloutRef::new("api").within("default");
        assert_eq!(pacer.wait_for(&api), None, "per Rollout");
    }
}
