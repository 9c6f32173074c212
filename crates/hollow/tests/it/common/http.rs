//! Raw requests to a hollow API server in process (its axum router), for asserting exact
//! status codes, bodies and headers.

use std::sync::Arc;

use axum::body::Body;
use hollow::apiserver::ApiServer;
use http::{HeaderMap, Request};
use serde_json::Value;
use tower::ServiceExt;

/// An answer: status, JSON body (Null when not JSON), headers.
pub struct Answer {
    pub code: u16,
    pub body: Value,
    pub headers: HeaderMap,
}

/// Sends one request; `headers` are `(name, value)` pairs (a JSON body gets
/// `application/json` unless a content type is given).
pub async fn call(
    server: &Arc<ApiServer>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(path).header("user-agent", "requests-test/1.0");
    if body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        req = req.header("content-type", "application/json");
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let resp = server.router().oneshot(req.body(body).unwrap()).await.unwrap();
    let code = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    Answer { code, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), headers }
}

/// GET.
pub async fn get(server: &Arc<ApiServer>, path: &str) -> Answer {
    call(server, "GET", path, &[], None).await
}

/// POST of a JSON body.
pub async fn post(server: &Arc<ApiServer>, path: &str, body: &Value) -> Answer {
    call(server, "POST", path, &[], Some(body)).await
}

/// A GET asking for a Table.
pub async fn table(server: &Arc<ApiServer>, path: &str) -> Answer {
    call(server, "GET", path, &[("accept", "application/json;as=Table;v=v1;g=meta.k8s.io")], None).await
}

/// Percent-encodes a query value.
pub fn q(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
