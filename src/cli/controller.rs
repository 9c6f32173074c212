//! `ramp controller`: reconcile Rollouts on a cluster.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::Context;
use http::{HeaderValue, header::USER_AGENT};

use super::CliError;
use crate::{
    api::DurationString,
    controller::{self, Settings, lease::Timing},
};

fn parse_duration(s: &str) -> Result<Duration, String> {
    DurationString::new(s).parse().map_err(|e| e.to_string())
}

/// Arguments of `ramp controller`.
#[derive(Debug, clap::Args)]
pub struct ControllerArgs {
    /// Namespace to watch (repeatable; default: all namespaces).
    #[arg(long = "namespace", short = 'n')]
    pub namespaces: Vec<String>,
    /// Only reconcile Rollouts matching this label selector (to shard a large cluster).
    #[arg(long)]
    pub selector: Option<String>,
    /// This instance's identity: lease holder and event reporter [default: $POD_NAME, else the host name].
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,
    /// Name of the leader-election Lease.
    #[arg(long, default_value = "ramp-controller")]
    pub lease_name: String,
    /// Namespace of the Lease.
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,
    /// How long a lease stays valid for others after its last renewal.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub lease_duration: Duration,
    /// How long the leader keeps writing without a successful renewal.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub renew_deadline: Duration,
    /// How often to try to acquire or renew the lease.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub retry_period: Duration,
    /// Address for /healthz, /readyz and /metrics.
    #[arg(long, default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Rollouts reconciled at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: u16,
    /// Kubeconfig [default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account].
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context.
    #[arg(long)]
    pub context: Option<String>,
    /// Serve the web dashboard on this address (off unless given). Users log in with their
    /// Kubernetes token; reads and each action are allowed by their RBAC (TokenReview and
    /// SubjectAccessReview: verbs get, list, promote, abort, retry, approve, reject on
    /// rollouts.ramp.dev).
    #[arg(long, value_name = "ADDR")]
    pub dashboard_listen: Option<SocketAddr>,
    /// FOR `ramp demo` ONLY, never in production: a file of `token,user,group,...` lines whose
    /// tokens get full rights on the dashboard without any TokenReview or
    /// SubjectAccessReview.
    #[arg(long, value_name = "FILE", requires = "dashboard_listen")]
    pub dashboard_token_file: Option<PathBuf>,
    /// Mark the dashboard's session cookie Secure on every response (set when TLS is
    /// terminated in front of the dashboard by a proxy that does not send
    /// X-Forwarded-Proto).
    #[arg(long, requires = "dashboard_listen")]
    pub dashboard_secure_cookies: bool,
}

impl ControllerArgs {
    /// The dashboard's settings, if it is on (the token file read now, so a bad one stops
    /// the start with a clear message).
    pub fn dashboard(&self) -> Result<Option<crate::dashboard::Settings>, CliError> {
        let Some(listen) = self.dashboard_listen else { return Ok(None) };
        let mut d = crate::dashboard::Settings::new(listen);
        d.secure_cookies = self.dashboard_secure_cookies;
        if let Some(path) = &self.dashboard_token_file {
            d.static_tokens = Some(
                crate::dashboard::tokens::StaticTokens::read(path)
                    .map_err(|e| CliError::BadInput(e.to_string()))?,
            );
        }
        Ok(Some(d))
    }
}

/// Builds a client that names this instance in its User-Agent (API audit logs show who wrote).
pub async fn client(
    kubeconfig: Option<&PathBuf>,
    context: Option<String>,
    identity: &str,
) -> Result<kube::Client, CliError> {
    let options = kube::config::KubeConfigOptions { context, ..Default::default() };
    let mut config = match kubeconfig {
        Some(path) => {
            let kc = kube::config::Kubeconfig::read_from(path)
                .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))?;
            kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| CliError::BadInput(e.to_string()))?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| CliError::BadInput(format!("no cluster configuration: {e}")))?,
    };
    let ua = format!("ramp/{} ({identity})", env!("CARGO_PKG_VERSION"));
    if let Ok(v) = HeaderValue::from_str(&ua) {
        config.headers.push((USER_AGENT, v));
    }
    Ok(kube::Client::try_from(config).context("building the client")?)
}

/// Runs `ramp controller`.
pub fn run(args: &ControllerArgs) -> Result<(), CliError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let identity = args.identity.clone().unwrap_or_else(|| {
        std::env::var("HOSTNAME").unwrap_or_else(|_| format!("ramp-{}", std::process::id()))
    });
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let dashboard = args.dashboard()?;
    let result = rt.block_on(async {
        let client = client(args.kubeconfig.as_ref(), args.context.clone(), &identity).await?;
        let settings = Settings {
            namespaces: args.namespaces.clone(),
            selector: args.selector.clone(),
            identity: identity.clone(),
            lease_name: args.lease_name.clone(),
            lease_namespace: args.lease_namespace.clone(),
            timing: Timing {
                lease_duration: args.lease_duration,
                renew_deadline: args.renew_deadline,
                retry_period: args.retry_period,
            },
            listen: Some(args.listen),
            concurrency: args.concurrency,
            clock: crate::controller::clock::Clock::system(),
        };
        tracing::info!(identity = %identity, listen = %args.listen, dashboard = ?args.dashboard_listen, "starting the Ramp controller");
        controller::run_with(client, settings, dashboard, shutdown_signal()).await.map_err(|e| match e {
            controller::RunError::CrdMissing | controller::RunError::Settings(_) => {
                CliError::BadInput(e.to_string())
            }
            other => CliError::Failed(anyhow::Error::new(other)),
        })
    });
    // Nothing left behind (a blocking DNS lookup, say) may keep the process alive.
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}

/// SIGTERM (Kubernetes stopping the pod) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
