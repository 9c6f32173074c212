//! Faults the hollow API server can be told to inject, from tests or the admin endpoint:
//! dropped watch connections (and more as they are added).

use tokio::sync::watch;

/// Switches for injected faults. Cheap to share.
#[derive(Debug)]
pub struct Faults {
    drop_watches: watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Self { drop_watches: watch::channel(0).0 }
    }
}

impl Faults {
    /// Closes every open watch connection now (clients resume from their last resourceVersion).
    pub fn drop_watches(&self) {
        self.drop_watches.send_modify(|n| *n += 1);
    }

    /// A receiver that changes when watches must be dropped.
    pub fn watch_drops(&self) -> watch::Receiver<u64> {
        self.drop_watches.subscribe()
    }
}
