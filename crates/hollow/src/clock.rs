//! The hollow cluster's clock: the system clock, or a virtual one that tests and compressed
//! runs move by hand. Everything in the hollow cluster reads time through it.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::{SignedDuration, Timestamp};

/// A shared clock.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Mutex<Option<Timestamp>>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Mutex::new(None)))
    }

    /// A virtual clock starting at `start`; it moves only with [`advance`](Self::advance).
    pub fn virtual_at(start: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(Some(start))))
    }

    /// The time now.
    pub fn now(&self) -> Timestamp {
        match *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) {
            Some(t) => t,
            // The one place the hollow cluster reads the system clock.
            #[allow(clippy::disallowed_methods)]
            None => Timestamp::now(),
        }
    }

    /// Whether the clock is virtual.
    pub fn is_virtual(&self) -> bool {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some()
    }

    /// Moves a virtual clock forward (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(now) = t.as_mut() {
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
