//! The hollow cluster's clock: the system clock, or a virtual one that tests and compressed
//! runs move by hand. Everything in the hollow cluster reads time through it.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::{SignedDuration, Timestamp};

/// What a clock reads.
#[derive(Debug)]
enum Source {
    /// The system clock.
    System,
    /// A virtual time moved only by [`Clock::advance`].
    Manual(Timestamp),
    /// `start` plus the time tokio's clock has moved since `base`: virtual under
    /// `tokio::time::pause` (it jumps whenever every task waits), real otherwise.
    Tokio { start: Timestamp, base: tokio::time::Instant },
}

/// A shared clock.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Mutex<Source>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Mutex::new(Source::System)))
    }

    /// A virtual clock starting at `start`; it moves only with [`advance`](Self::advance).
    pub fn virtual_at(start: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(Source::Manual(start))))
    }

    /// A clock that reads `start` now and then follows tokio's clock (call inside a runtime).
    /// Under `tokio::time::pause` it is virtual and moves with the runtime's timers, so a
    /// controller on the same runtime and clock sees the same time as the cluster.
    pub fn tokio_at(start: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(Source::Tokio { start, base: tokio::time::Instant::now() })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Source> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The time now.
    pub fn now(&self) -> Timestamp {
        match *self.lock() {
            Source::Manual(t) => t,
            Source::Tokio { start, base } => {
                start + SignedDuration::try_from(base.elapsed()).unwrap_or(SignedDuration::ZERO)
            }
            // The one place the hollow cluster reads the system clock.
            #[allow(clippy::disallowed_methods)]
            Source::System => Timestamp::now(),
        }
    }

    /// Whether the clock is moved by hand.
    pub fn is_virtual(&self) -> bool {
        matches!(*self.lock(), Source::Manual(_))
    }

    /// Moves a manual clock forward (no effect on the others).
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(now) = &mut *self.lock() {
            *now += SignedDuration::try_from(by).unwrap_or(SignedDuration::ZERO);
        }
    }

    /// RFC 3339 with second precision, as metav1.Time serialises.
    pub fn rfc3339(&self) -> String {
        format_time(self.now())
    }
}

/// The start of virtual time in tests and what-if runs: 2026-01-01T00:00:00Z.
pub fn epoch() -> Timestamp {
    Timestamp::from_second(1_767_225_600).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A timestamp as metav1.Time: `2026-01-01T00:00:00Z`.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
