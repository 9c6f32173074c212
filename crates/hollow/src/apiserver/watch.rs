//! WATCH: a stream of `{"type": ..., "object": ...}` lines.
//!
//! Guarantees: starting from a list's resourceVersion (or from `resourceVersion=N`) a watcher
//! sees every later change exactly once and in order, filtered by namespace and selectors; an
//! object that stops matching a selector arrives as DELETED and one that starts matching as
//! ADDED; a resourceVersion older than the store keeps yields one ERROR event with a 410
//! Status (as the real server sends it), after which the client must list again; a watcher
//! that falls too far behind is disconnected and resumes from its last resourceVersion.

use std::{convert::Infallible, time::Duration};

use axum::{
    body::Body,
    http::{StatusCode, header},
    response::Response,
};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{broadcast::error::RecvError, mpsc};

use super::{
    ApiServer,
    errors::ApiError,
    params::Params,
    route::Target,
    selectors::{FieldSelector, LabelSelector, labels_of},
    store::{Change, ChangeKind, StoreError},
};

/// Default server-side watch timeout (the real server picks 30–60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// How often a watch that asked for bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(1);

struct Filter {
    target: Target,
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(&labels_of(obj)) && self.fields.matches(obj)
    }

    /// The event type this watcher sees for a change, if any.
    fn event(&self, c: &Change) -> Option<&'static str> {
        if c.key.resource != self.target.def.id() {
            return None;
        }
        if let Some(ns) = &self.target.namespace
            && &c.key.namespace != ns
        {
            return None;
        }
        let now = self.matches(&c.object);
        let before = c.previous.as_deref().is_some_and(|p| self.matches(p));
        let kind = match (c.kind, before, now) {
            (ChangeKind::Deleted, _, true) => "DELETED",
            (ChangeKind::Deleted, _, false) => return None,
            (ChangeKind::Added, _, true) | (ChangeKind::Modified, false, true) => "ADDED",
            (ChangeKind::Modified, true, true) => "MODIFIED",
            (ChangeKind::Modified, true, false) => "DELETED",
            _ => return None,
        };
        Some(kind)
    }
}

/// One watch event, serialised without copying the object.
#[derive(serde::Serialize)]
struct Event<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    object: &'a Value,
}

fn event_line(kind: &str, object: &Value) -> bytes::Bytes {
    let mut out = serde_json::to_vec(&Event { kind, object }).unwrap_or_default();
    out.push(b'\n');
    bytes::Bytes::from(out)
}

fn line(v: &Value) -> bytes::Bytes {
    let mut s = v.to_string();
    s.push('\n');
    bytes::Bytes::from(s)
}

impl ApiServer {
    /// Starts a watch.
    pub fn watch(&self, t: &Target, p: &Params) -> Result<Response, ApiError> {
        let (labels, fields) = Self::selectors(t, p)?;
        let filter = Filter { target: t.clone(), labels, fields };
        let rv_param = p.get("resourceVersion");
        let send_initial = p.flag("sendInitialEvents");
        let bookmarks = p.flag("allowWatchBookmarks");
        let timeout = p.number("timeoutSeconds").map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        let def = t.def.clone();

        // The current state (as ADDED events), kept as shared objects until sent.
        let mut first: Vec<std::sync::Arc<Value>> = Vec::new();
        let mut initial_end: Option<Value> = None;
        let start = match rv_param {
            Some(rv) if rv != "0" && !send_initial => rv
                .parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion {rv:?}")))?,
            _ => {
                // "" or "0" (or sendInitialEvents): the current state as ADDED events first.
                let (items, rv) = self.store.list(&def.id(), t.namespace.as_deref());
                first.extend(items.into_iter().filter(|o| filter.matches(o)));
                if send_initial {
                    initial_end = Some(
                        json!({"type": "BOOKMARK", "object": {"kind": def.kind, "apiVersion": def.api_version(),
                        "metadata": {"resourceVersion": rv.to_string(),
                                     "annotations": {"k8s.io/initial-events-end": "true"}}}}),
                    );
                }
                rv
            }
        };
        let (backlog, mut rx) = match self.store.watch_from(start) {
            Ok(w) => w,
            Err(e @ StoreError::Gone { .. }) => {
                let status = ApiError::gone(e.to_string()).status();
                let body = Body::from(line(&json!({"type": "ERROR", "object": status})));
                return Ok(stream_response(body));
            }
            Err(e) => return Err(ApiError::internal(e.to_string())),
        };

        let (tx, out) = mpsc::channel::<bytes::Bytes>(64);
        let mut drops = self.faults.watch_drops();
        drops.mark_unchanged();
        // A fault that cuts every watch a while after it opened ends this one first (set
        // before or after it opened).
        let opened = tokio::time::Instant::now();
        let mut lifetimes = self.faults.watch_lifetimes();
        let end_of = move |lifetime: Option<Duration>| match lifetime {
            Some(l) if l < timeout => (opened + l, true),
            _ => (opened + timeout, false),
        };
        let (end, mut cut) = end_of(*lifetimes.borrow_and_update());
        let dropped = self.faults.watch_drop_counter();
        tokio::spawn(async move {
            let mut last_rv = start;
            for o in first.drain(..) {
                if tx.send(event_line("ADDED", &o)).await.is_err() {
                    return;
                }
            }
            drop(first);
            if let Some(end) = initial_end.take()
                && tx.send(line(&end)).await.is_err()
            {
                return;
            }
            for c in &backlog {
                last_rv = c.rv;
                if let Some(kind) = filter.event(c)
                    && tx.send(event_line(kind, &c.object)).await.is_err()
                {
                    return;
                }
            }
            drop(backlog);
            let deadline = tokio::time::sleep_until(end);
            tokio::pin!(deadline);
            let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
            loop {
                tokio::select! {
                    _ = &mut deadline => {
                        if cut {
                            dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                        return;
                    }
                    Ok(()) = lifetimes.changed() => {
                        let (end, now_cut) = end_of(*lifetimes.borrow_and_update());
                        cut = now_cut;
                        deadline.as_mut().reset(end);
                    }
                    _ = drops.changed() => {
                        dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                    // The client went away (its response body was dropped): release the
                    // watch now rather than at the next event written to it.
                    () = tx.closed() => return,
                    _ = ticker.tick(), if bookmarks => {
                        let bm = json!({"type": "BOOKMARK", "object": {"kind": filter.target.def.kind,
                            "apiVersion": filter.target.def.api_version(),
                            "metadata": {"resourceVersion": last_rv.to_string()}}});
                        if tx.send(line(&bm)).await.is_err() { return; }
                    }
                    got = rx.recv() => match got {
                        Ok(c) if c.rv <= last_rv => {}
                        Ok(c) => {
                            last_rv = c.rv;
                            if let Some(kind) = filter.event(&c)
                                && tx.send(event_line(kind, &c.object)).await.is_err()
                            {
                                return;
                            }
                        }
                        // Too slow, or the server is going away: end the stream; the client
                        // resumes from its last resourceVersion.
                        Err(RecvError::Lagged(_) | RecvError::Closed) => return,
                    },
                }
            }
        });
        let out = futures::stream::unfold(out, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
        Ok(stream_response(Body::from_stream(out.map(Ok::<_, Infallible>))))
    }
}

fn stream_response(body: Body) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::OK;
    r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    r
}
