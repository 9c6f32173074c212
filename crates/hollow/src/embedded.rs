//! Starting the embedded hollow cluster: the API server on a loopback port (plain HTTP, or
//! HTTPS with the test certificate of [`crate::tls`]), plus a kubeconfig that points `kubectl`
//! and kube-rs at it.

use std::{net::SocketAddr, path::Path, sync::Arc};

use tokio::{sync::oneshot, task::JoinHandle};

use super::{apiserver::ApiServer, clock::Clock, controllers::Controllers};

/// A running hollow cluster.
pub struct Running {
    /// The server state (for tests and controllers in the same process).
    pub server: Arc<ApiServer>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Served over TLS.
    pub tls: bool,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    controllers: Option<JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:port`, or `https://` when served over TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// A kubeconfig for this cluster.
    pub fn kubeconfig(&self) -> String {
        kubeconfig(&self.url())
    }

    /// Stops serving and waits for in-flight requests.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(c) = self.controllers.take() {
            c.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Starts the API server and the hollow controllers and kubelets (real time).
pub async fn start_with_controllers(listen: SocketAddr, clock: Clock) -> std::io::Result<Running> {
    with_controllers(start(listen, clock).await?)
}

/// [`start_with_controllers`] over HTTPS.
pub async fn start_tls_with_controllers(listen: SocketAddr, clock: Clock) -> std::io::Result<Running> {
    with_controllers(start_tls(listen, clock).await?)
}

fn with_controllers(mut running: Running) -> std::io::Result<Running> {
    running.controllers = Some(tokio::spawn(Controllers::new(running.server.clone()).run()));
    Ok(running)
}

/// Starts only the API server on `listen` (port 0 picks a free port).
pub async fn start(listen: SocketAddr, clock: Clock) -> std::io::Result<Running> {
    serve(tokio::net::TcpListener::bind(listen).await?, ApiServer::new(clock), false)
}

/// [`start`] over HTTPS, with the test certificate ([`crate::tls`]); the kubeconfig trusts its
/// CA.
pub async fn start_tls(listen: SocketAddr, clock: Clock) -> std::io::Result<Running> {
    let tcp = tokio::net::TcpListener::bind(listen).await?;
    let listener = crate::tls::TlsListener::new(tcp).map_err(std::io::Error::other)?;
    serve(listener, ApiServer::new(clock), true)
}

fn serve<L>(listener: L, server: Arc<ApiServer>, tls: bool) -> std::io::Result<Running>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(server.clone().serve(listener, async move {
        let _ = rx.await;
    }));
    Ok(Running { server, addr, tls, stop: Some(tx), task, controllers: None })
}

/// A kubeconfig with one cluster, context and user, all named `ramp-sim`. The user is the
/// default admin: without credentials for an `http` URL; for an `https` URL (whose CA, the
/// test CA of [`crate::tls::CA_PEM`], it trusts) with the admin's token
/// ([`crate::apiserver::auth::ADMIN_TOKEN`]), as kubectl would otherwise ask for a password.
pub fn kubeconfig(server_url: &str) -> String {
    if server_url.starts_with("https://") {
        return with_user_token(&credential_less(server_url), crate::apiserver::auth::ADMIN_TOKEN);
    }
    credential_less(server_url)
}

fn credential_less(server_url: &str) -> String {
    let ca = if server_url.starts_with("https://") {
        format!(
            "    certificate-authority-data: {}\n",
            crate::apiserver::protobuf::base64(crate::tls::CA_PEM.as_bytes())
        )
    } else {
        String::new()
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: ramp-sim\n  cluster:\n    server: {server_url}\n{ca}\
         contexts:\n- name: ramp-sim\n  context:\n    cluster: ramp-sim\n    user: ramp-sim\n    namespace: default\n\
         current-context: ramp-sim\nusers:\n- name: ramp-sim\n  user: {{}}\n"
    )
}

/// A kubeconfig like [`kubeconfig`] whose user presents a bearer token (`token:`), so every
/// request is made as the user the token stands for.
pub fn kubeconfig_with_token(server_url: &str, token: &str) -> String {
    with_user_token(&credential_less(server_url), token)
}

fn with_user_token(kubeconfig: &str, token: &str) -> String {
    // A JSON string is a valid YAML scalar, whatever the token holds.
    let quoted = serde_json::Value::String(token.to_string()).to_string();
    kubeconfig.replace("  user: {}\n", &format!("  user:\n    token: {quoted}\n"))
}

/// Writes the kubeconfig to `path`, creating its directory.
pub fn write_kubeconfig(path: &Path, server_url: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, kubeconfig(server_url))
}
