//! `ramp sim`: run the hollow cluster until interrupted.

use std::{io::Write, net::SocketAddr, path::PathBuf};

use anyhow::Context;

use super::CliError;
use hollow::{clock::Clock, embedded};

/// Arguments of `ramp sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Run only the hollow kubelets and controllers against an existing cluster.
    #[command(subcommand)]
    pub mode: Option<SimMode>,
    /// Address to serve the API on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Where to write the kubeconfig [default: <temp dir>/ramp-sim/kubeconfig].
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Bearer tokens, as kube-apiserver's --token-auth-file: CSV lines
    /// `token,user,uid,"group1,group2"`. Implies --tls (kubectl sends tokens only over TLS).
    /// Requests without a token stay the cluster admin.
    #[arg(long, value_name = "FILE")]
    pub token_auth_file: Option<PathBuf>,
    /// Serve HTTPS with the hollow cluster's test certificate (the kubeconfig trusts its CA).
    #[arg(long)]
    pub tls: bool,
}

/// Other modes of `ramp sim`.
#[derive(Debug, clap::Subcommand)]
pub enum SimMode {
    /// Play kubelet and workload controllers for an existing API server (e.g. a bare control
    /// plane with no nodes): pods become Ready, ReplicaSets get pods, budgets get status.
    Agent {
        /// Kubeconfig of the cluster to serve.
        #[arg(long, env = "KUBECONFIG")]
        kubeconfig: PathBuf,
        /// Context to use [default: the current context].
        #[arg(long)]
        context: Option<String>,
    },
}

/// Runs `ramp sim`.
pub fn run(args: &SimArgs, out: &mut impl Write) -> Result<(), CliError> {
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    if let Some(SimMode::Agent { kubeconfig, context }) = &args.mode {
        return rt.block_on(run_agent(kubeconfig, context.clone(), out));
    }
    // A token file that does not load is bad input, refused before anything starts.
    let tokens = hollow::apiserver::auth::Tokens::default();
    let loaded = match &args.token_auth_file {
        Some(file) => Some(tokens.load_file(file).map_err(|e| CliError::BadInput(e.to_string()))?),
        None => None,
    };
    rt.block_on(async {
        let tls = args.tls || args.token_auth_file.is_some();
        let running = if tls {
            embedded::start_tls_with_controllers(args.listen, Clock::system()).await
        } else {
            embedded::start_with_controllers(args.listen, Clock::system()).await
        }
        .context("starting the API server")?;
        running.server.auth().add_all(&tokens);
        if let (Some(file), Some(n)) = (&args.token_auth_file, loaded) {
            writeln!(out, "Tokens:     {n} from {}", file.display()).context("writing")?;
        }
        let path = args
            .kubeconfig
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("ramp-sim").join("kubeconfig"));
        embedded::write_kubeconfig(&path, &running.url()).context("writing the kubeconfig")?;
        writeln!(out, "Hollow cluster serving at {}", running.url()).context("writing")?;
        writeln!(out, "Kubeconfig: {}", path.display()).context("writing")?;
        writeln!(out, "Try:        kubectl --kubeconfig {} get namespaces", path.display())
            .context("writing")?;
        if args.token_auth_file.is_some() {
            writeln!(out, "As a user:  kubectl --kubeconfig {} --token TOKEN auth whoami", path.display())
                .context("writing")?;
        }
        writeln!(out, "Stop with Ctrl-C.").context("writing")?;
        out.flush().context("writing")?;
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        running.stop().await.context("stopping")?;
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(())
}

async fn run_agent(
    kubeconfig: &std::path::Path,
    context: Option<String>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let kc = kube::config::Kubeconfig::read_from(kubeconfig)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", kubeconfig.display())))?;
    let options = kube::config::KubeConfigOptions { context, ..Default::default() };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|e| CliError::BadInput(format!("invalid kubeconfig {}: {e}", kubeconfig.display())))?;
    let client = kube::Client::try_from(config).context("building the client")?;
    writeln!(
        out,
        "Hollow kubelets and controllers serving the cluster of {}. Stop with Ctrl-C.",
        kubeconfig.display()
    )
    .context("writing")?;
    out.flush().context("writing")?;
    tokio::select! {
        () = hollow::agent::run(client) => {}
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
    }
    Ok(())
}
