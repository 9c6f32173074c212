//! Where the Rollouts are: the flags kubectl users expect (`--kubeconfig`, `--context`,
//! `-n/--namespace`), resolved to a client and a namespace.

use std::path::PathBuf;

use crate::cli::CliError;

/// The User-Agent product of the plugin's requests (API audit logs show who wrote).
pub const IDENTITY: &str = "kubectl-ramp";

/// Where the Rollout is: the flags kubectl users expect.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Target {
    /// Namespace [default: the kubeconfig context's, else `default`].
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// Kubeconfig [default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account].
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context.
    #[arg(long)]
    pub context: Option<String>,
}

impl Target {
    /// A client for the chosen kubeconfig and context.
    pub async fn client(&self) -> Result<kube::Client, CliError> {
        crate::cli::controller::client(self.kubeconfig.as_ref(), self.context.clone(), IDENTITY).await
    }

    /// The namespace: the flag, else the context's, else `default`.
    pub fn namespace(&self, client: &kube::Client) -> String {
        self.namespace.clone().unwrap_or_else(|| client.default_namespace().to_string())
    }

    /// The kubeconfig context's user name, if the kubeconfig names one.
    pub fn kubeconfig_user(&self) -> Option<String> {
        let kc = match &self.kubeconfig {
            Some(p) => kube::config::Kubeconfig::read_from(p).ok()?,
            None => kube::config::Kubeconfig::read().ok()?,
        };
        let ctx_name = self.context.clone().or(kc.current_context.clone())?;
        let ctx = kc.contexts.iter().find(|c| c.name == ctx_name)?.context.clone()?;
        ctx.user
    }
}

/// A one-shot runtime for a command (the CLI is synchronous above this line).
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(anyhow::Error::new(e).context("starting the runtime")))
}
