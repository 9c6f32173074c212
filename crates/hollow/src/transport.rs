//! An in-process transport: a `kube::Client` whose requests go straight into the hollow API
//! server's router, without TCP. Use it for compressed-time runs under `tokio::time::pause`,
//! where the clock auto-advances whenever every task waits (sockets included) and network
//! timeouts would fire spuriously.

use std::sync::Arc;

use super::apiserver::ApiServer;

/// A client for `server`, with `default` as its default namespace.
pub fn client(server: &Arc<ApiServer>) -> kube::Client {
    let service = tower::ServiceBuilder::new()
        .map_request(|req: http::Request<kube::client::Body>| req.map(axum::body::Body::new))
        .service(server.router());
    kube::Client::new(service, "default")
}

/// A client for `server` that presents `token` as a bearer token on every request.
pub fn client_with_token(server: &Arc<ApiServer>, token: &str) -> kube::Client {
    let value = http::HeaderValue::from_str(&format!("Bearer {token}")).ok();
    let service = tower::ServiceBuilder::new()
        .map_request(move |mut req: http::Request<kube::client::Body>| {
            if let Some(v) = &value {
                req.headers_mut().insert(http::header::AUTHORIZATION, v.clone());
            }
            req.map(axum::body::Body::new)
        })
        .service(server.router());
    kube::Client::new(service, "default")
}
