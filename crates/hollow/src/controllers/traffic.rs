//! Drives the synthetic traffic: each pass sends the requests due since the last one (by the
//! cluster's clock, virtual or real) through the current Services, Endpoints, Pods and
//! HTTPRoutes.

use std::sync::Mutex;

use jiff::Timestamp;
use serde_json::Value;

use super::{Controller, Ctx};
use crate::{apiserver::store::Change, traffic::World};

/// How often traffic is sent while there are targets (in real time; a virtual clock sends
/// whatever is due at each pass).
const TICK: jiff::SignedDuration = jiff::SignedDuration::from_millis(200);

/// The traffic driver.
pub struct TrafficController {
    ctx: Ctx,
    last: Mutex<Option<Timestamp>>,
}

impl TrafficController {
    /// A driver.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx, last: Mutex::new(None) }
    }
}

impl Controller for TrafficController {
    fn sync(&self) -> (bool, Option<Timestamp>) {
        let now = self.ctx.now();
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = last.map(|l| std::time::Duration::try_from(now.duration_since(l)).unwrap_or_default());
        *last = Some(now);
        let idle = self
            .ctx
            .server
            .traffic
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .targets()
            .is_empty();
        if idle {
            return (false, None);
        }
        let Some(elapsed) = elapsed.filter(|e| !e.is_zero()) else { return (false, Some(now + TICK)) };
        let owned =
            |g: &str, p: &str| -> Vec<Value> { self.ctx.list(g, p).iter().map(|o| (**o).clone()).collect() };
        let (services, endpoints, pods) = (owned("", "services"), owned("", "endpoints"), owned("", "pods"));
        let routes = owned("gateway.networking.k8s.io", "httproutes");
        let world = World { services: &services, endpoints: &endpoints, pods: &pods, routes: &routes };
        self.ctx
            .server
            .traffic
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .tick(elapsed, &world);
        (false, Some(now + TICK))
    }

    /// Traffic is due by time, whatever changed.
    fn sync_changes(&self, _: &[Change]) -> (bool, Option<Timestamp>) {
        self.sync()
    }
}
