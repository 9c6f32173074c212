//! Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it (lease 15s,
//! renew deadline 10s, retry 2s by default).
//!
//! Guarantees: a candidate takes the lease only after it has seen the holder's record
//! unchanged for a whole lease duration by its own clock; every lease write carries the
//! resourceVersion it read, so two candidates cannot both win. A holder believes it leads only
//! until `last successful renew + renew deadline` by its own clock: [`Leadership::may_write`]
//! turns false then even if the API server cannot be reached to say so, which is before the
//! lease can expire for anyone else (renew deadline < lease duration).
//!
//! Caveats: this is not fencing. A holder paused longer than the gap between renew deadline and
//! lease duration could still write late; Ramp's writes are idempotent server-side applies, so
//! a late write converges.

use std::time::Duration;

use tokio::time::Instant;

use k8s_openapi::{
    api::coordination::v1::{Lease, LeaseSpec},
    apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta},
};
use kube::{
    Api, Client,
    api::{
        PostParams,
        entry::{CommitError, Entry},
    },
};

/// A failed lease read or write.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Reading the lease failed.
    #[error("failed to read the lease")]
    Read(#[from] kube::Error),
    /// Writing the lease failed (409: another candidate won).
    #[error("failed to write the lease")]
    Write(#[from] CommitError),
}
use tokio::sync::watch;

/// Lease timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How long a lease stays valid for others after its last renewal.
    pub lease_duration: Duration,
    /// How long a holder keeps acting without a successful renewal.
    pub renew_deadline: Duration,
    /// How often to try to acquire or renew.
    pub retry_period: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

impl Timing {
    /// client-go's constraint: lease duration > renew deadline > 1.2 × retry period; the lease
    /// duration in whole seconds.
    pub fn check(&self) -> Result<(), String> {
        // Lease.spec.leaseDurationSeconds is an integer: a fraction would be cut off and leave
        // the standby waiting less than the leader keeps writing.
        if self.lease_duration.subsec_nanos() != 0 || self.lease_duration.is_zero() {
            return Err("--lease-duration must be a whole number of seconds".into());
        }
        if self.lease_duration <= self.renew_deadline {
            return Err("--lease-duration must be greater than --renew-deadline".into());
        }
        if self.renew_deadline.as_secs_f64() <= self.retry_period.as_secs_f64() * 1.2 {
            return Err("--renew-deadline must be greater than 1.2 × --retry-period".into());
        }
        Ok(())
    }
}

/// What a candidate knows about its own leadership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leadership {
    /// Holds the lease, as of its last successful renewal.
    pub leader: bool,
    /// Local deadline for acting on it.
    pub until: Option<Instant>,
}

impl Leadership {
    /// Not leading.
    pub const NONE: Self = Self { leader: false, until: None };

    /// Whether this instance may write now.
    pub fn may_write(&self) -> bool {
        self.leader && self.until.is_some_and(|u| now() < u)
    }
}

#[allow(clippy::disallowed_methods)] // the shell's local clock; the planner never reads it
fn now() -> Instant {
    Instant::now()
}

#[allow(clippy::disallowed_methods)]
fn wall() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// Longest the lease release on shutdown may take.
pub const RELEASE_TIMEOUT: Duration = Duration::from_secs(2);

/// A candidate for one Lease.
pub struct Elector {
    api: Api<Lease>,
    name: String,
    identity: String,
    timing: Timing,
    /// The last holder record seen and when (local clock) it was first seen.
    observed: Option<(Option<String>, Option<MicroTime>, Instant)>,
    last_renew: Option<Instant>,
    tx: watch::Sender<Leadership>,
}

impl Elector {
    /// A candidate for the lease `namespace/name` as `identity`.
    pub fn new(
        client: Client,
        namespace: &str,
        name: &str,
        identity: &str,
        timing: Timing,
    ) -> (Self, watch::Receiver<Leadership>) {
        let (tx, rx) = watch::channel(Leadership::NONE);
        let e = Self {
            api: Api::namespaced(client, namespace),
            name: name.into(),
            identity: identity.into(),
            timing,
            observed: None,
            last_renew: None,
            tx,
        };
        (e, rx)
    }

    /// Tries to acquire or renew once. Returns whether this instance now holds the lease.
    pub async fn try_acquire_or_renew(&mut self) -> Result<bool, LeaseError> {
        let now_local = now();
        let lease_secs = i32::try_from(self.timing.lease_duration.as_secs()).unwrap_or(15).max(1);
        let stamp = MicroTime(wall());
        match self.api.entry(&self.name).await? {
            Entry::Vacant(v) => {
                let lease = Lease {
                    metadata: ObjectMeta { name: Some(self.name.clone()), ..Default::default() },
                    spec: Some(LeaseSpec {
                        holder_identity: Some(self.identity.clone()),
                        lease_duration_seconds: Some(lease_secs),
                        acquire_time: Some(stamp.clone()),
                        renew_time: Some(stamp),
                        lease_transitions: Some(0),
                        ..Default::default()
                    }),
                };
                v.insert(lease).commit(&PostParams::default()).await?;
            }
            Entry::Occupied(mut o) => {
                let spec = o.get().spec.clone().unwrap_or_default();
                let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
                let record = (holder.clone(), spec.renew_time.clone());
                let changed = self.observed.as_ref().is_none_or(|(h, r, _)| (h, r) != (&record.0, &record.1));
                if changed {
                    self.observed = Some((record.0, record.1, now_local));
                }
                let seen_at = self.observed.as_ref().map_or(now_local, |(_, _, t)| *t);
                let theirs = holder.as_deref().is_some_and(|h| h != self.identity);
                let duration = Duration::from_secs(
                    u64::try_from(spec.lease_duration_seconds.unwrap_or(lease_secs)).unwrap_or(15),
                );
                if theirs && seen_at + duration > now_local {
                    return Ok(false);
                }
                let spec = o.get_mut().spec.get_or_insert_with(Default::default);
                if holder.as_deref() != Some(self.identity.as_str()) {
                    spec.acquire_time = Some(stamp.clone());
                    spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
                }
                spec.holder_identity = Some(self.identity.clone());
                spec.lease_duration_seconds = Some(lease_secs);
                spec.renew_time = Some(stamp);
                // The replace carries the resourceVersion read above: a concurrent winner makes it 409.
                o.commit(&PostParams::default()).await?;
            }
        }
        self.last_renew = Some(now_local);
        Ok(true)
    }

    fn publish(&self) {
        let state = match self.last_renew {
            Some(t) if now() < t + self.timing.renew_deadline => {
                Leadership { leader: true, until: Some(t + self.timing.renew_deadline) }
            }
            _ => Leadership::NONE,
        };
        self.tx.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
    }

    /// Runs until `stop` resolves, then releases the lease if held.
    ///
    /// Each attempt is bounded by the renew deadline (an attempt that has not answered by then
    /// could not keep the lease anyway) and abandoned when `stop` fires; the release is
    /// bounded by [`RELEASE_TIMEOUT`], so stopping never waits on an unreachable API server.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut stopping = *stop.borrow_and_update();
        while !stopping {
            let deadline = self.timing.renew_deadline;
            let attempt = tokio::select! {
                r = tokio::time::timeout(deadline, self.try_acquire_or_renew()) => Some(r),
                _ = stop.changed() => None,
            };
            match attempt {
                None => break,
                Some(Ok(Ok(true))) => {}
                Some(Ok(Ok(false))) => self.last_renew = None,
                Some(Ok(Err(e))) => tracing::warn!(error = %e, lease = %self.name, "lease renewal failed"),
                Some(Err(_)) => {
                    tracing::warn!(lease = %self.name, timeout = ?deadline, "lease renewal timed out");
                }
            }
            self.publish();
            tokio::select! {
                _ = tokio::time::sleep(self.timing.retry_period) => {}
                _ = stop.changed() => stopping = true,
            }
        }
        self.tx.send_replace(Leadership::NONE);
        match tokio::time::timeout(RELEASE_TIMEOUT, self.release()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not release the lease on shutdown"),
            Err(_) => tracing::warn!(
                timeout = ?RELEASE_TIMEOUT,
                "could not release the lease on shutdown: no answer; a standby takes over when it expires"
            ),
        }
    }

    /// Gives the lease up at once (empty holder, 1 s duration), as client-go's ReleaseOnCancel.
    pub async fn release(&self) -> Result<(), LeaseError> {
        if self.last_renew.is_none() {
            return Ok(());
        }
        if let Entry::Occupied(mut o) = self.api.entry(&self.name).await?
            && o.get().spec.as_ref().and_then(|s| s.holder_identity.as_deref())
                == Some(self.identity.as_str())
        {
            let spec = o.get_mut().spec.get_or_insert_with(Default::default);
            spec.holder_identity = None;
            spec.lease_duration_seconds = Some(1);
            o.commit(&PostParams::default()).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_must_leave_the_standby_a_safety_gap() {
        assert_eq!(Timing::default().check(), Ok(()));
        let t = |lease: u64, renew: u64, retry: u64| Timing {
            lease_duration: Duration::from_millis(lease),
            renew_deadline: Duration::from_millis(renew),
            retry_period: Duration::from_millis(retry),
        };
        assert_eq!(t(2000, 1000, 200).check(), Ok(()));
        // 1.5 s would be written as leaseDurationSeconds 1: no longer than the renew deadline.
        assert!(t(1500, 1000, 200).check().is_err());
        assert!(t(2000, 2000, 200).check().is_err());
        assert!(t(2000, 1000, 900).check().is_err());
    }
}
