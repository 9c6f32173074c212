//! `ramp sim`: run the hollow cluster until interrupted.

use std::{io::Write, net::SocketAddr, path::PathBuf};

use anyhow::Context;

use super::CliError;
use crate::sim::{clock::Clock, embedded};

/// Arguments of `ramp sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Address to serve the API on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Where to write the kubeconfig [default: <temp dir>/ramp-sim/kubeconfig].
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
}

/// Runs `ramp sim`.
pub fn run(args: &SimArgs, out: &mut impl Write) -> Result<(), CliError> {
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(async {
        let running = embedded::start_with_controllers(args.listen, Clock::system())
            .await
            .context("starting the API server")?;
        let path = args
            .kubeconfig
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("ramp-sim").join("kubeconfig"));
        embedded::write_kubeconfig(&path, &running.url()).context("writing the kubeconfig")?;
        writeln!(out, "Hollow cluster serving at {}", running.url()).context("writing")?;
        writeln!(out, "Kubeconfig: {}", path.display()).context("writing")?;
        writeln!(out, "Try:        kubectl --kubeconfig {} get namespaces", path.display())
            .context("writing")?;
        writeln!(out, "Stop with Ctrl-C.").context("writing")?;
        out.flush().context("writing")?;
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        running.stop().await.context("stopping")?;
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(())
}
