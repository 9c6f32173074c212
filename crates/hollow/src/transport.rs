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
