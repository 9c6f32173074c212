//! Synchronous in-process requests: what-if runs send the controller's own rendered requests
//! straight into the API server's request handling, with no TCP, no async runtime and no
//! client library, at a virtual time the caller controls.

use std::{collections::HashMap, sync::Arc};

use axum::{extract::Query, http::StatusCode, response::IntoResponse};
use serde_json::Value;

use super::{ApiServer, errors::ApiError, handle, params::Params};

/// An answer: the status code and the JSON body (`Null` when the body is not JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub code: StatusCode,
    /// The body as JSON.
    pub body: Value,
}

impl ApiServer {
    /// Handles one non-watch request as the HTTP front end would (same authentication and
    /// authorization, routing, decoding, admission and storage), without faults or the audit
    /// log.
    pub fn call(self: &Arc<Self>, req: &http::Request<Vec<u8>>) -> Answer {
        let uri = req.uri();
        let params =
            Params(Query::<HashMap<String, String>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default());
        // A watch streams from a task on the async runtime until it times out: no answer to
        // wait for here (and, outside a runtime, no task to start).
        let response = if req.method() == http::Method::GET && params.flag("watch") {
            ApiError::bad_request("a watch is served over HTTP only, not in process").into_response()
        } else {
            match self.admit(req.method(), uri.path(), &params, req.headers()).and_then(|user| {
                handle(self, &user, req.method(), uri.path(), &params, req.headers(), req.body())
            }) {
                Ok(r) => r,
                Err(e) => e.into_response(),
            }
        };
        let code = response.status();
        // Every non-watch body is a complete in-memory buffer, so this never waits.
        let bytes = futures::executor::block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
            .unwrap_or_default();
        Answer { code, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, epoch};

    /// Found by fuzzing (issue 12, `fuzz/regressions/hollow_requests/watch-in-process`): a
    /// watch through `call` started its streaming task outside any runtime and panicked.
    #[test]
    fn a_watch_in_process_is_refused_with_a_status() {
        let server = ApiServer::new(Clock::virtual_at(epoch()));
        for uri in ["/api/v1/namespaces/default/pods?watch=1", "/apis/events.k8s.io/v1/events?watch=true"] {
            let req = http::Request::get(uri).body(Vec::new()).unwrap();
            let answer = server.call(&req);
            assert_eq!(answer.code, StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(answer.body["kind"], "Status", "{uri}");
        }
        let list =
            server.call(&http::Request::get("/api/v1/namespaces?watch=false").body(Vec::new()).unwrap());
        assert_eq!(list.code, StatusCode::OK);
    }
}
