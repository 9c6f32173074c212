//! Live updates: `GET /api/v1/watch` streams server-sent events as the controller's watches
//! see Rollouts change (the [`Feed`](super::feed::Feed) broadcast; no polling of the API).
//!
//! - the list (no query): an event `rollout` per changed Rollout the caller may list, data
//!   `{"namespace", "name", "row": {...}, "html": "<tr ...>"}`; `deleted` when one goes;
//! - one Rollout (`?namespace=N&name=R`, verb `get`): `rollout` with `{"namespace", "name",
//!   "detail": {...}, "html": "..."}` on each change of it, its ReplicaSets or its runs.
//!
//! Each stream opens with the current state. Changes arriving within [`COALESCE`] are sent
//! once. The token is reviewed again before each batch (answers are cached): an expired or
//! revoked one gets an `unauthorized` event and the stream ends. Keep-alive comments every
//! [`KEEP_ALIVE`] hold proxies open.

use std::{collections::BTreeSet, convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::Query,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::{
    api::{readable, with_events},
    auth::{Access, Verb},
    error::ApiError,
    feed::RolloutKey,
    pages,
    server::{Shared, State},
    session::{Caller, caller, require},
    view::Row,
};

/// Changes this close together are sent as one.
pub const COALESCE: Duration = Duration::from_millis(100);
/// Keep-alive comment interval.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The reconnection delay suggested to browsers.
const RETRY: Duration = Duration::from_secs(2);

/// The query of a watch.
#[derive(Debug, Default, Deserialize)]
pub struct WatchQuery {
    /// With `name`: one Rollout.
    #[serde(default)]
    pub namespace: Option<String>,
    /// With `namespace`: one Rollout.
    #[serde(default)]
    pub name: Option<String>,
}

enum Target {
    List,
    One(RolloutKey),
}

struct Watching {
    shared: Arc<Shared>,
    caller: Caller,
    target: Target,
    rx: tokio::sync::broadcast::Receiver<RolloutKey>,
    queue: std::collections::VecDeque<Event>,
    started: bool,
    retry_sent: bool,
    ended: bool,
}

/// `GET /api/v1/watch`.
pub async fn watch(
    state: State,
    headers: HeaderMap,
    Query(q): Query<WatchQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let c = caller(&state, &headers).await?;
    let target = match (q.namespace, q.name) {
        (Some(ns), Some(name)) => {
            require(&state, &c, &Access::on(Verb::Get, &ns, &name)).await?;
            Target::One(RolloutKey::new(&ns, &name))
        }
        (None, None) => {
            readable(&state, &c).await?;
            Target::List
        }
        _ => {
            return Err(ApiError::BadRequest(
                "watch one rollout with both namespace and name, or the list with neither".into(),
            ));
        }
    };
    // Subscribed before the first state is read: nothing falls between the two.
    let rx = state.feed.subscribe();
    let w = Watching {
        shared: state.0.clone(),
        caller: c,
        target,
        rx,
        queue: Default::default(),
        started: false,
        retry_sent: false,
        ended: false,
    };
    let stream = futures::stream::unfold(w, |mut w| async move {
        loop {
            if let Some(e) = w.queue.pop_front() {
                return Some((Ok(e), w));
            }
            if w.ended {
                return None;
            }
            let (keys, everything) = if w.started {
                match next_batch(&mut w.rx).await {
                    Some(b) => b,
                    None => return None,
                }
            } else {
                w.started = true;
                (BTreeSet::new(), true)
            };
            w.fill(&keys, everything).await;
        }
    });
    // Ends at shutdown, so the server's graceful stop is not held by open pages.
    let mut stop = state.stop.clone();
    let stream = futures::StreamExt::take_until(stream, async move {
        let _ = stop.wait_for(|s| *s).await;
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// The keys changed in the next batch, and whether the subscriber lagged (everything must
/// be sent again). `None` when the feed is gone (shutdown).
async fn next_batch(
    rx: &mut tokio::sync::broadcast::Receiver<RolloutKey>,
) -> Option<(BTreeSet<RolloutKey>, bool)> {
    let mut keys = BTreeSet::new();
    let mut everything = false;
    match rx.recv().await {
        Ok(k) => {
            keys.insert(k);
        }
        Err(RecvError::Lagged(_)) => everything = true,
        Err(RecvError::Closed) => return None,
    }
    tokio::time::sleep(COALESCE).await;
    loop {
        match rx.try_recv() {
            Ok(k) => {
                keys.insert(k);
            }
            Err(TryRecvError::Lagged(_)) => everything = true,
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Closed) => return None,
        }
    }
    Some((keys, everything))
}

impl Watching {
    /// Queues the events for a batch of changed keys (or all of them).
    async fn fill(&mut self, keys: &BTreeSet<RolloutKey>, everything: bool) {
        match self.shared.reviewer.authenticate(&self.caller.token).await {
            Ok(Some(_)) => {}
            Ok(None) => return self.end("unauthorized", "the token is no longer valid: log in again"),
            // The API server is unreachable: say nothing this time, try again next batch.
            Err(e) => {
                tracing::warn!(error = %e, "cannot re-review a live update's token");
                return;
            }
        }
        match &self.target {
            Target::List => {
                let readable = match readable(&self.shared, &self.caller).await {
                    Ok(r) => r,
                    Err(e) => return self.end("forbidden", &e.to_string()),
                };
                let changed: Vec<RolloutKey> = if everything {
                    self.shared.caches.all().iter().map(|r| RolloutKey::of(r)).collect()
                } else {
                    keys.iter().cloned().collect()
                };
                for key in changed.into_iter().filter(|k| readable.allows(&k.namespace)) {
                    self.queue.push_back(self.list_event(&key));
                }
            }
            Target::One(key) => {
                if !everything && !keys.contains(key) {
                    return;
                }
                let key = key.clone();
                if let Err(e) =
                    require(&self.shared, &self.caller, &Access::on(Verb::Get, &key.namespace, &key.name))
                        .await
                {
                    return self.end("forbidden", &e.to_string());
                }
                let event = match with_events(&self.shared, &key).await {
                    Some(d) => {
                        let html = pages::detail::fragment(&d, self.shared.clock.now());
                        Event::default().event("rollout").json_data(
                            json!({"namespace": key.namespace, "name": key.name, "detail": d, "html": html}),
                        )
                    }
                    None => Event::default()
                        .event("deleted")
                        .json_data(json!({"namespace": key.namespace, "name": key.name})),
                };
                self.push(event);
            }
        }
        if !self.retry_sent
            && let Some(e) = self.queue.pop_front()
        {
            self.queue.push_front(e.retry(RETRY));
            self.retry_sent = true;
        }
    }

    fn list_event(&self, key: &RolloutKey) -> Event {
        let event = match self.shared.caches.get(key) {
            Some((r, _)) => {
                let row = Row::of(&r);
                let html = pages::list::row(&row);
                Event::default().event("rollout").json_data(json!({"namespace": key.namespace, "name": key.name, "row": row, "html": html}))
            }
            None => Event::default().event("deleted").json_data(json!({
                "namespace": key.namespace, "name": key.name, "id": pages::list::row_id(&key.namespace, &key.name)
            })),
        };
        event.unwrap_or_else(|e| Event::default().event("error").data(e.to_string()))
    }

    fn push(&mut self, e: Result<Event, axum::Error>) {
        self.queue.push_back(e.unwrap_or_else(|e| Event::default().event("error").data(e.to_string())));
    }

    fn end(&mut self, kind: &str, why: &str) {
        self.queue.push_back(Event::default().event(kind).data(json!({"error": why}).to_string()));
        self.ended = true;
    }
}
