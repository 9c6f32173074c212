//! The web dashboard that `ramp controller --dashboard-listen ADDR` serves: the Rollouts
//! live, each one's steps, pods, weights, analyses, Events and next plan, and buttons for
//! promote, abort, retry, approve and reject — each allowed by the user's own RBAC.
//!
//! ```text
//!  controller watches ─► caches ──────────────► view / detail ─► pages, JSON API
//!         └──────────► Feed (changed keys, weights) ─► sse ─► live pages
//!  browser / script ─► session (token) ─► Reviewer: TokenReview, SubjectAccessReview
//!  action ─► csrf (cookie sessions) ─► SAR verb ─► ramp.dev/request annotation ─► leader
//! ```
//!
//! Guarantees: a GET never writes; every write needs a token the API server accepts and the
//! verb of the action on that Rollout; a browser's write also needs the CSRF token and a
//! same-origin request. Every replica serves it (the caches are filled on followers too) and
//! takes actions (they are annotations the leader carries out).

pub mod actions;
pub mod analysis_view;
pub mod api;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod csrf;
pub mod detail;
pub mod error;
pub mod events;
pub mod feed;
pub mod history;
pub mod pages;
pub mod plan_view;
pub mod review;
pub mod server;
pub mod session;
pub mod sse;
pub mod tokens;
pub mod view;

use std::{net::SocketAddr, sync::Arc};

use kube::Client;
use tokio::sync::watch;

use self::{auth::Reviewer, feed::Feed, server::Shared, tokens::StaticTokens};
use crate::controller::{clock::Clock, context::Context, lease::Leadership};

/// How the dashboard runs.
#[derive(Clone)]
pub struct Settings {
    /// Where to listen.
    pub listen: SocketAddr,
    /// `ramp demo`'s static tokens (full rights, no reviews), if any.
    pub static_tokens: Option<StaticTokens>,
    /// Mark the session cookie Secure on every response (TLS is terminated in front of the
    /// dashboard; without this, only requests saying `X-Forwarded-Proto: https` get it).
    pub secure_cookies: bool,
    /// Replaces the reviewers (tests).
    pub reviewer: Option<Arc<dyn Reviewer>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("static_tokens", &self.static_tokens.as_ref().map(StaticTokens::len))
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Listening on `listen`, Kubernetes reviews only.
    pub fn new(listen: SocketAddr) -> Self {
        Self { listen, static_tokens: None, secure_cookies: false, reviewer: None }
    }

    /// The reviewer these settings ask for.
    fn reviewer(&self, client: &Client) -> Arc<dyn Reviewer> {
        if let Some(r) = &self.reviewer {
            return r.clone();
        }
        let kube: Arc<dyn Reviewer> = Arc::new(review::KubeReviewer::new(client.clone()));
        match &self.static_tokens {
            Some(t) => Arc::new(tokens::Layered::new(t.clone(), Some(kube))),
            None => kube,
        }
    }
}

/// What the controller hands the dashboard.
pub struct Parts {
    /// The controller's client.
    pub client: Client,
    /// Its caches, one context per watched scope.
    pub contexts: Vec<Arc<Context>>,
    /// The feed its watches fill.
    pub feed: Arc<Feed>,
    /// Its clock.
    pub clock: Clock,
    /// This replica's name.
    pub instance: String,
    /// Its leadership.
    pub leadership: watch::Receiver<Leadership>,
    /// Becomes true at shutdown (live streams end then).
    pub stop: watch::Receiver<bool>,
}

/// Starts serving; the task ends once `stop` turns true and connections have closed.
pub async fn start(
    settings: &Settings,
    parts: Parts,
) -> std::io::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    if settings.static_tokens.is_some() {
        tracing::warn!(
            "the dashboard accepts the static token file's tokens with full rights: for `ramp demo` only"
        );
    }
    let shared = Arc::new(Shared {
        reviewer: settings.reviewer(&parts.client),
        client: parts.client,
        caches: view::Caches::new(parts.contexts),
        feed: parts.feed,
        events: Default::default(),
        clock: parts.clock,
        instance: parts.instance,
        leadership: parts.leadership,
        secure_cookies: settings.secure_cookies,
        stop: parts.stop.clone(),
    });
    let mut stop = parts.stop;
    server::serve(settings.listen, server::router(shared), async move {
        let _ = stop.wait_for(|s| *s).await;
    })
    .await
}
