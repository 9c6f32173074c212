//! Synchronous in-process requests: what-if runs send the controller's own rendered requests
//! straight into the API server's request handling, with no TCP, no async runtime and no
//! client library, at a virtual time the caller controls.

use std::{collections::HashMap, sync::Arc};

use axum::{extract::Query, http::StatusCode, response::IntoResponse};
use serde_json::Value;

use super::{ApiServer, handle, params::Params};

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
        let query = Query::<HashMap<String, String>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default();
        let params = Params(query);
        let response = match self.admit(req.method(), uri.path(), &params, req.headers()).and_then(|user| {
            handle(self, &user, req.method(), uri.path(), &params, req.headers(), req.body())
        }) {
            Ok(r) => r,
            Err(e) => e.into_response(),
        };
        let code = response.status();
        // Every non-watch body is a complete in-memory buffer, so this never waits.
        let bytes = futures::executor::block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
            .unwrap_or_default();
        Answer { code, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }
}
