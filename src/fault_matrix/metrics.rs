//! The metrics provider of a cell's analysis: an HTTP endpoint on loopback that answers the
//! hollow cluster's SLI (`GET /sim/sli?version=…`, the synthetic traffic's success rate of a
//! version), promptly, slowly, or not at all (nothing listens on its port).
//!
//! On tokio's paused clock, loopback I/O within the one runtime completes before the clock may
//! move (the runtime polls sockets before it advances time), so only the deliberate delay of a
//! slow provider takes virtual time.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::Request};
use hollow::apiserver::ApiServer;
use tokio::{net::TcpListener, task::JoinHandle};

use super::MatrixError;

/// How the provider behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// Answers at once.
    Up,
    /// Answers after this long.
    Slow(Duration),
    /// Nothing listens: every connection is refused.
    Down,
}

/// A running provider: its base URL and the task serving it.
pub struct Endpoint {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Requests it answered.
    pub answered: Arc<AtomicU64>,
    task: Option<JoinHandle<()>>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Starts a provider over `server`'s SLI.
pub async fn start(server: &Arc<ApiServer>, provider: Provider) -> Result<Endpoint, MatrixError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| MatrixError::Setup(format!("cannot listen for the metrics provider: {e}")))?;
    let addr = listener.local_addr().map_err(|e| MatrixError::Setup(e.to_string()))?;
    let url = format!("http://{addr}");
    let answered = Arc::new(AtomicU64::new(0));
    let delay = match provider {
        // The port is closed again at once: connections to it are refused.
        Provider::Down => return Ok(Endpoint { url, answered, task: None }),
        Provider::Up => Duration::ZERO,
        Provider::Slow(d) => d,
    };
    let (hollow, count) = (server.router(), answered.clone());
    let app = Router::new().fallback(move |req: Request| {
        let (hollow, count) = (hollow.clone(), count.clone());
        async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            count.fetch_add(1, Ordering::Relaxed);
            match tower::ServiceExt::oneshot(hollow, req).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        }
    });
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app.into_make_service()).await {
            tracing::warn!(error = %e, "the fault matrix's metrics provider stopped");
        }
    });
    Ok(Endpoint { url, answered, task: Some(task) })
}
