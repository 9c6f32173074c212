//! `kubectl ramp get ROLLOUT [-w]`: the Rollout as a tree (see [`model`]); `-o json|yaml`
//! print the same tree as data; `--watch` redraws it as the cluster changes.

pub mod model;
pub mod render;
pub mod watch;

use std::io::Write;

use anyhow::Context;
use k8s_openapi::api::{
    apps::v1::ReplicaSet,
    core::v1::{Pod, Service},
};
use kube::{Api, api::ListParams};

use super::{
    output::{self, Style},
    target::Target,
};
use crate::{
    api::{Rollout, analysis::AnalysisRun},
    cli::{CliError, Output},
    controller::render::{ROLLOUT_LABEL, rollout_label_value},
    plan::traffic::services_named,
};

/// Arguments of `get`.
#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The Rollout.
    pub rollout: String,
    #[command(flatten)]
    pub target: Target,
    /// Keep watching: redraw in place on a terminal, print each changed tree on a pipe
    /// (separated by a blank line); ends on Ctrl-C.
    #[arg(short, long)]
    pub watch: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// The label selector of a Rollout's ReplicaSets, pods and AnalysisRuns.
pub fn children_selector(rollout: &str) -> String {
    format!("{ROLLOUT_LABEL}={}", rollout_label_value(rollout))
}

/// Reads the Rollout and everything under it, once.
pub async fn fetch(client: &kube::Client, ns: &str, name: &str) -> Result<model::Snapshot, CliError> {
    let rollouts: Api<Rollout> = Api::namespaced(client.clone(), ns);
    let rollout = rollouts
        .get_opt(name)
        .await
        .context("reading the Rollout")?
        .ok_or_else(|| CliError::BadInput(format!("rollout {name} not found in namespace {ns}")))?;
    let lp = ListParams::default().labels(&children_selector(name));
    let replica_sets = Api::<ReplicaSet>::namespaced(client.clone(), ns)
        .list(&lp)
        .await
        .context("listing ReplicaSets")?
        .items;
    let pods = Api::<Pod>::namespaced(client.clone(), ns).list(&lp).await.context("listing pods")?.items;
    let runs = match Api::<AnalysisRun>::namespaced(client.clone(), ns).list(&lp).await {
        Ok(l) => l.items,
        // The AnalysisRun CRD is not installed: no analyses to show.
        Err(kube::Error::Api(e)) if e.code == 404 => Vec::new(),
        Err(e) => return Err(anyhow::Error::new(e).context("listing AnalysisRuns").into()),
    };
    let services_api: Api<Service> = Api::namespaced(client.clone(), ns);
    let mut services = Vec::new();
    for svc in services_named(&rollout.spec) {
        if let Some(s) = services_api.get_opt(svc).await.context("reading a Service")? {
            services.push(s);
        }
    }
    Ok(model::Snapshot { rollout, replica_sets, pods, runs, services })
}

/// Prints one tree in the chosen format.
pub fn print(out: &mut dyn Write, format: Output, tree: &model::Tree, style: Style) -> Result<(), CliError> {
    match format {
        Output::Text => {
            out.write_all(render::render(tree, style, output::now()).as_bytes()).context("writing output")?;
            Ok(())
        }
        _ => output::structured(out, format, tree),
    }
}

/// Runs `get`.
pub fn run(args: &GetArgs, out: &mut dyn Write) -> Result<(), CliError> {
    super::target::runtime()?.block_on(async {
        let client = args.target.client().await?;
        let ns = args.target.namespace(&client);
        if args.watch {
            return watch::watch(&client, &ns, args, out).await;
        }
        let snapshot = fetch(&client, &ns, &args.rollout).await?;
        print(out, args.output, &model::build(&snapshot), Style::detect())
    })
}
