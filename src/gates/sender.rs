//! Sends webhook calls on tasks of their own. A gate's receiver is asked again, with doubling
//! backoff, until it confirms or the gate is no longer waited on; its answer is kept in memory
//! for the next reconcile (which records a confirmation in status) and a confirmation wakes
//! that reconcile. A notification is sent from `status.notifications`, where the planner
//! recorded it with its transition, with its retries; when its sending ends the next
//! reconcile drops it from status (it is woken for that). The reconcile only starts tasks: it
//! never waits on a receiver.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use futures::channel::mpsc;
use kube::runtime::reflector::{ObjectRef, Store};
use tokio::sync::Semaphore;

use super::{
    payload::{self, Subject},
    sign,
};
use crate::{
    api::{Rollout, RolloutPhase, RolloutStatus, Webhook, WebhookKind, webhook},
    controller::{clock::Clock, metrics::Metrics},
    plan::{Confirmation, gate},
};

/// Calls in flight at once, across every Rollout.
const CONCURRENT_CALLS: usize = 64;
/// First wait before asking a gate's receiver again.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest wait between two asks of a gate's receiver.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The header naming the delivery (the same for each attempt).
pub const DELIVERY_HEADER: &str = "X-Ramp-Delivery";
/// The header naming the webhook's kind.
pub const EVENT_HEADER: &str = "X-Ramp-Event";

/// One gate question: a webhook about a revision of a Rollout.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    rollout: ObjectRef<Rollout>,
    webhook: String,
    revision: String,
}

/// One pending notification of a Rollout, by its delivery id.
type Owed = (ObjectRef<Rollout>, String);

#[derive(Default)]
struct State {
    answers: HashMap<Key, Confirmation>,
    asking: HashSet<Key>,
    /// Notifications being sent.
    sending: HashSet<Owed>,
    /// Notifications whose sending ended, until status no longer lists them.
    sent: HashSet<Owed>,
}

/// The webhook sender of one controller scope.
pub struct Webhooks {
    http: reqwest::Client,
    client: kube::Client,
    clock: Clock,
    rollouts: Store<Rollout>,
    metrics: Metrics,
    state: Mutex<State>,
    wake: mpsc::UnboundedSender<ObjectRef<Rollout>>,
    limit: Arc<Semaphore>,
}

impl Webhooks {
    /// A sender, and the stream of Rollouts its confirmations wake.
    pub fn new(
        client: kube::Client,
        clock: Clock,
        rollouts: Store<Rollout>,
        metrics: Metrics,
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<ObjectRef<Rollout>>) {
        let (wake, woken) = mpsc::unbounded();
        let http = reqwest::Client::builder()
            .user_agent(concat!("ramp/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        let sender = Webhooks {
            http,
            client,
            clock,
            rollouts,
            metrics,
            state: Mutex::default(),
            wake,
            limit: Arc::new(Semaphore::new(CONCURRENT_CALLS)),
        };
        (Arc::new(sender), woken)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest answers of this Rollout's gate receivers.
    pub fn confirmations(&self, rollout: &Rollout) -> Vec<Confirmation> {
        let r = ObjectRef::from(rollout);
        self.state().answers.iter().filter(|(k, _)| k.rollout == r).map(|(_, a)| a.clone()).collect()
    }

    /// After planning: asks the receivers of every webhook gate `status` waits on that have not
    /// confirmed yet (each once: a question already being asked is left to its task).
    pub fn ask(self: &Arc<Self>, rollout: &Rollout, status: &RolloutStatus) {
        let Some(revision) = status.updated_revision.clone() else { return };
        let r = ObjectRef::from(rollout);
        let mut state = self.state();
        state.answers.retain(|k, _| k.rollout != r || k.revision == revision);
        for kind in [WebhookKind::ConfirmRollout, WebhookKind::ConfirmPromotion] {
            let reason = gate::confirm_pause(kind);
            if !status.pause_conditions.iter().any(|c| c.reason == reason) {
                continue;
            }
            for hook in rollout.spec.webhooks.iter().filter(|w| w.kind == kind) {
                if recorded(status, &revision, hook) {
                    continue;
                }
                let key = Key { rollout: r.clone(), webhook: hook.name.clone(), revision: revision.clone() };
                if state.answers.get(&key).is_some_and(|a| a.confirmed) || !state.asking.insert(key.clone()) {
                    continue;
                }
                let (me, rollout, hook) = (self.clone(), rollout.clone(), hook.clone());
                tokio::spawn(async move { me.ask_until_confirmed(key, rollout, hook, reason).await });
            }
        }
    }

    async fn ask_until_confirmed(
        self: Arc<Self>,
        key: Key,
        mut rollout: Rollout,
        hook: Webhook,
        reason: &str,
    ) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            let message = format!("{} waits for {} to confirm revision {}", reason, hook.name, key.revision);
            let subject = Subject {
                kind: hook.kind,
                revision: &key.revision,
                reason,
                message: &message,
                id: None,
                at: None,
            };
            let answer = self.deliver(&rollout, &hook, &subject).await;
            let confirmed = answer.is_ok();
            let message = answer.unwrap_or_else(|e| e);
            tracing::debug!(webhook = %hook.name, revision = %key.revision, confirmed, %message, "webhook gate asked");
            self.state().answers.insert(
                key.clone(),
                Confirmation {
                    webhook: hook.name.clone(),
                    revision: key.revision.clone(),
                    confirmed,
                    message,
                },
            );
            if confirmed {
                let _ = self.wake.unbounded_send(key.rollout.clone());
                break;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            match self.still_waiting(&key, &hook) {
                Some(latest) => rollout = latest,
                None => break,
            }
        }
        self.state().asking.remove(&key);
    }

    /// The Rollout as cached, while its gate still waits on `key` (stale reads only delay the
    /// end: each condition that ends it only ever becomes true).
    fn still_waiting(&self, key: &Key, hook: &Webhook) -> Option<Rollout> {
        let r = self.rollouts.get(&key.rollout)?;
        let st = r.status.clone().unwrap_or_default();
        let moved_on = st.updated_revision.as_deref().is_some_and(|h| h != key.revision)
            || st.phase == Some(RolloutPhase::Aborted)
            || recorded(&st, &key.revision, hook)
            || !r.spec.webhooks.iter().any(|w| w.name == hook.name && w.kind == hook.kind);
        (!moved_on).then(|| (*r).clone())
    }

    /// Ids of the Rollout's pending notifications whose sending ended (the planner drops
    /// them from status).
    pub fn notified(&self, rollout: &Rollout) -> Vec<String> {
        let r = ObjectRef::from(rollout);
        let mut ids: Vec<String> =
            self.state().sent.iter().filter(|(o, _)| *o == r).map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids
    }

    /// After the plan's writes: sends every notification the written status (`rollout`
    /// carries it) still owes and that is not being sent already; forgets those it no longer
    /// lists.
    pub fn send_pending(self: &Arc<Self>, rollout: &Rollout) {
        let r = ObjectRef::from(rollout);
        let owed = rollout.status.as_ref().map(|s| s.notifications.clone()).unwrap_or_default();
        let mut state = self.state();
        state.sent.retain(|(o, id)| *o != r || owed.iter().any(|n| &n.id == id));
        for n in owed {
            let key = (r.clone(), n.id.clone());
            if state.sent.contains(&key) || !state.sending.insert(key.clone()) {
                continue;
            }
            let Some(hook) = rollout.spec.webhooks.iter().find(|h| h.name == n.webhook).cloned() else {
                // Its webhook left the spec: nothing to send it to.
                state.sending.remove(&key);
                state.sent.insert(key);
                continue;
            };
            let (me, rollout) = (self.clone(), rollout.clone());
            tokio::spawn(async move {
                let subject = Subject {
                    kind: hook.kind,
                    revision: &n.revision,
                    reason: &n.reason,
                    message: &n.message,
                    id: Some(&n.id),
                    at: n.at.parse().ok(),
                };
                me.send_with_retries(&rollout, &hook, &subject).await;
                {
                    let mut st = me.state();
                    st.sending.remove(&key);
                    st.sent.insert(key.clone());
                }
                let _ = me.wake.unbounded_send(key.0);
            });
        }
    }

    async fn send_with_retries(&self, rollout: &Rollout, hook: &Webhook, subject: &Subject<'_>) {
        let retries = u32::try_from(hook.retries.unwrap_or(webhook::DEFAULT_RETRIES)).unwrap_or(0);
        let mut backoff = FIRST_BACKOFF;
        for attempt in 0..=retries {
            match self.deliver(rollout, hook, subject).await {
                Ok(_) => return,
                Err(why) => {
                    tracing::info!(webhook = %hook.name, attempt, error = %why, "webhook delivery failed");
                    if attempt < retries {
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
        }
        tracing::warn!(webhook = %hook.name, retries, "webhook notification not delivered; given up");
    }

    /// One signed POST: `Ok` with the answer for a 2xx, `Err` with why not.
    async fn deliver(
        &self,
        rollout: &Rollout,
        hook: &Webhook,
        subject: &Subject<'_>,
    ) -> Result<String, String> {
        let outcome = self.try_deliver(rollout, hook, subject).await;
        let label = if outcome.is_ok() { "delivered" } else { "failed" };
        self.metrics.count_webhook(hook.kind.as_str(), label);
        outcome
    }

    async fn try_deliver(
        &self,
        rollout: &Rollout,
        hook: &Webhook,
        subject: &Subject<'_>,
    ) -> Result<String, String> {
        let doc = payload::document(rollout, hook, subject, self.clock.now());
        let body = serde_json::to_vec(&doc).map_err(|e| format!("encoding the document: {e}"))?;
        let timeout = hook.timeout.as_ref().and_then(|d| d.parse().ok()).unwrap_or(Duration::from_secs(10));
        let mut req = self
            .http
            .post(&hook.url)
            .timeout(timeout)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, payload::delivery_id(rollout, hook, subject))
            .header(EVENT_HEADER, hook.kind.as_str());
        if let Some(s) = &hook.secret_ref {
            // Never sent unsigned when a key is configured: no key, no call.
            let ns = rollout.metadata.namespace.as_deref().unwrap_or_default();
            let key = crate::controller::analysis::runner::secret(&self.client, ns, s).await?;
            req = req.header(sign::SIGNATURE_HEADER, sign::signature(key.as_bytes(), &body));
        }
        let _permit = self.limit.acquire().await.map_err(|e| e.to_string())?;
        let resp = req.body(body).send().await.map_err(|e| format!("{}: {e}", hook.name))?;
        let code = resp.status();
        if code.is_success() {
            Ok(format!("{} answered {code}", hook.name))
        } else {
            Err(format!("{} answered {code}", hook.name))
        }
    }
}

/// Whether `status` records `hook`'s confirmation of `revision`.
fn recorded(status: &RolloutStatus, revision: &str, hook: &Webhook) -> bool {
    let by = format!("{}{}", gate::WEBHOOK_PREFIX, hook.name);
    let step = gate::confirm_step(hook.kind);
    status.approvals.iter().any(|a| a.revision == revision && a.step == step && a.approved && a.by == by)
}
