//! Starting the embedded hollow cluster: the API server on a loopback port, plus a kubeconfig
//! that points `kubectl` and kube-rs at it.

use std::{net::SocketAddr, path::Path, sync::Arc};

use tokio::{sync::oneshot, task::JoinHandle};

use super::{apiserver::ApiServer, clock::Clock, controllers::Controllers};

/// A running hollow cluster.
pub struct Running {
    /// The server state (for tests and controllers in the same process).
    pub server: Arc<ApiServer>,
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    controllers: Option<JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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
    let mut running = start(listen, clock).await?;
    running.controllers = Some(tokio::spawn(Controllers::new(running.server.clone()).run()));
    Ok(running)
}

/// Starts only the API server on `listen` (port 0 picks a free port).
pub async fn start(listen: SocketAddr, clock: Clock) -> std::io::Result<Running> {
    let server = ApiServer::new(clock);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(server.clone().serve(listener, async move {
        let _ = rx.await;
    }));
    Ok(Running { server, addr, stop: Some(tx), task, controllers: None })
}

/// A kubeconfig with one cluster, context and (anonymous) user, all named `ramp-sim`.
pub fn kubeconfig(server_url: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: ramp-sim\n  cluster:\n    server: {server_url}\n\
         contexts:\n- name: ramp-sim\n  context:\n    cluster: ramp-sim\n    user: ramp-sim\n    namespace: default\n\
         current-context: ramp-sim\nusers:\n- name: ramp-sim\n  user: {{}}\n"
    )
}

/// A kubeconfig like [`kubeconfig`] whose user presents a bearer token (`token:`), so every
/// request is made as the user the token stands for.
pub fn kubeconfig_with_token(server_url: &str, token: &str) -> String {
    // A JSON string is a valid YAML scalar, whatever the token holds.
    let quoted = serde_json::Value::String(token.to_string()).to_string();
    kubeconfig(server_url).replace("  user: {}\n", &format!("  user:\n    token: {quoted}\n"))
}

/// Writes the kubeconfig to `path`, creating its directory.
pub fn write_kubeconfig(path: &Path, server_url: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, kubeconfig(server_url))
}
