//! The dashboard's HTTP server: shared state, routes, and serving until shutdown.
//!
//! ```text
//!  GET  /                                  list page          (verb list)
//!  GET  /rollouts/{ns}/{name}              detail page        (verb get)
//!  GET  /login, POST /login, POST /logout  session cookie
//!  GET  /api/v1/whoami                     the caller
//!  GET  /api/v1/rollouts                   list JSON          (verb list)
//!  GET  /api/v1/namespaces/{ns}/rollouts/{name}               (verb get)
//!  POST /api/v1/namespaces/{ns}/rollouts/{name}/{action}      (verb = the action)
//!  GET  /api/v1/watch[?namespace=&name=]   server-sent events (list or get)
//!  GET  /assets/*, /favicon.svg            embedded assets
//! ```

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    routing::{get, post},
};
use kube::Client;
use tokio::sync::watch;

use super::{
    actions, api, assets, auth::Reviewer, events::RecentEvents, feed::Feed, pages, sse, view::Caches,
};
use crate::controller::{clock::Clock, lease::Leadership};

/// Everything the handlers share.
pub struct Shared {
    /// The controller's client (reviews, Events, request annotations).
    pub client: Client,
    /// The controller's caches.
    pub caches: Caches,
    /// Changes and weights from the controller's watches.
    pub feed: Arc<Feed>,
    /// Who is who, and who may do what.
    pub reviewer: Arc<dyn Reviewer>,
    /// Recent Events per Rollout.
    pub events: RecentEvents,
    /// The controller's clock.
    pub clock: Clock,
    /// This replica's name (shown in the footer; part of request ids).
    pub instance: String,
    /// Whether this replica leads (shown; actions work on any replica).
    pub leadership: watch::Receiver<Leadership>,
    /// Mark the session cookie Secure whatever the request says (the dashboard is behind TLS).
    pub secure_cookies: bool,
    /// Becomes true at shutdown: live streams end, so the server can close.
    pub stop: watch::Receiver<bool>,
}

/// Handler state.
pub type State = axum::extract::State<Arc<Shared>>;

/// The dashboard's routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(pages::list_page))
        .route("/rollouts/{namespace}/{name}", get(pages::detail_page))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/api/v1/whoami", get(api::whoami))
        .route("/api/v1/rollouts", get(api::list))
        .route("/api/v1/namespaces/{namespace}/rollouts/{name}", get(api::detail))
        .route("/api/v1/namespaces/{namespace}/rollouts/{name}/{action}", post(actions::act))
        .route("/api/v1/watch", get(sse::watch))
        .route("/assets/{file}", get(assets::serve))
        .route("/favicon.svg", get(assets::favicon))
        .layer(axum::middleware::from_fn(protect))
        .layer(axum::middleware::from_fn(trace))
        .with_state(shared)
}

/// One span per request (method and path): a layer, not per-handler instrumentation.
async fn trace(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use tracing::Instrument;
    let span = tracing::debug_span!("dashboard", method = %req.method(), path = %req.uri().path());
    next.run(req).instrument(span).await
}

/// Headers on every answer: no framing (clickjacking), no content sniffing, same-origin
/// referrers (the CSRF check may read them), and a content security policy allowing only this
/// origin's scripts, styles and connections.
async fn protect(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// Serves `router` on `listen` until `shutdown` resolves.
pub async fn serve(
    listen: SocketAddr,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(listen = %listen, "serving the dashboard");
    Ok(tokio::spawn(async move { axum::serve(listener, router).with_graceful_shutdown(shutdown).await }))
}
