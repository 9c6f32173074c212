//! The controller's clock: a wall-clock reading taken once, plus how far tokio's monotonic
//! clock has moved since. In production that is the system time; under
//! `tokio::time::pause` it is virtual, so tests run hours of rollout in milliseconds and see
//! the same time as a hollow cluster on the same runtime.

use jiff::{SignedDuration, Timestamp};

/// A clock (cheap to copy).
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Timestamp,
    base: tokio::time::Instant,
}

impl Clock {
    /// The system time now, then following tokio's clock.
    #[allow(clippy::disallowed_methods)] // the shell reads the clock and hands it to the planner
    pub fn system() -> Self {
        Self::starting_at(Timestamp::now())
    }

    /// `start` now, then following tokio's clock (call inside a runtime).
    pub fn starting_at(start: Timestamp) -> Self {
        Self { start, base: tokio::time::Instant::now() }
    }

    /// The time now.
    pub fn now(&self) -> Timestamp {
        self.start + SignedDuration::try_from(self.base.elapsed()).unwrap_or(SignedDuration::ZERO)
    }
}
