//! Webhook notifications made durable. A notification is owed from the moment its transition
//! is written, so it is recorded in `status.notifications` by the very status write that
//! makes the transition (the plan's events name the transitions), and leaves status only once
//! the sender says its sending ended (a 2xx, or the last retry failed).
//!
//! Guarantees: a notification whose transition was written is sent, by this controller or,
//! after a crash, by the next one (at least once); every attempt and every sender uses the
//! same delivery id, so a receiver that drops repeated ids sees it once.
//!
//! Caveats: a controller that stops after the receiver's 2xx and before the write that drops
//! the notification from status sends it again (same id). The list is bounded
//! ([`MAX_PENDING`]); beyond it the oldest are dropped.

use super::{Plan, observed::Observed, revision::fnv64};
use crate::api::PendingNotification;

/// Most notifications kept pending (the CRD's bound on `status.notifications`).
pub const MAX_PENDING: usize = 32;

/// Puts in `p.status` the notifications still owed: the previous ones not yet sent (of
/// webhooks still in the spec), then one per event of this plan and webhook that wants it.
pub fn record(obs: &Observed, p: &mut Plan) {
    let hooks = &obs.rollout.spec.webhooks;
    let mut pending: Vec<PendingNotification> = obs
        .rollout
        .status
        .notifications
        .iter()
        .filter(|n| !obs.notified.contains(&n.id))
        .filter(|n| hooks.iter().any(|h| h.name == n.webhook && !h.kind.is_gate()))
        .cloned()
        .collect();
    let revision = p.status.updated_revision.clone().unwrap_or_default();
    let at = obs.now.to_string();
    let rollout = format!("{}/{}", obs.rollout.namespace, obs.rollout.name);
    for note in p.events() {
        for hook in hooks.iter().filter(|h| h.kind.wants(&note.reason)) {
            let text =
                format!("{rollout}\n{}\n{revision}\n{}\n{}\n{at}", hook.name, note.reason, note.message);
            let id = format!("{:016x}", fnv64(text.as_bytes()));
            if pending.iter().any(|n| n.id == id) {
                continue;
            }
            pending.push(PendingNotification {
                id,
                webhook: hook.name.clone(),
                revision: revision.clone(),
                reason: note.reason.clone(),
                message: note.message.clone(),
                at: at.clone(),
            });
        }
    }
    let over = pending.len().saturating_sub(MAX_PENDING);
    pending.drain(..over);
    p.status.notifications = pending;
}
