//! Operations on a live Rollout — `kubectl ramp promote [--full] | abort | retry | pause |
//! resume | approve | reject | undo [--to-revision N] | restart ROLLOUT` — written as the `ramp.dev/request` annotation (never
//! into the spec, so GitOps tools see no drift), bound to the revision the user saw, then
//! followed until the controller records what it did with it.

use std::{io::Write, time::Duration};

use anyhow::Context;
use kube::{
    Api,
    api::{Patch, PatchParams},
};
use serde_json::json;

pub use super::plugin::target::Target;
use super::{CliError, Output};
use crate::{
    api::{DurationString, RequestRecord, Rollout},
    plan::{
        request::ANNOTATION,
        request_patch::{NewRequest, request_id},
    },
};

/// Arguments every operation takes.
#[derive(Debug, clap::Args)]
pub struct OpArgs {
    /// The Rollout.
    pub rollout: String,
    #[command(flatten)]
    pub target: Target,
    /// Why (recorded with the request; shown with approvals).
    #[arg(short, long, default_value = "")]
    pub message: String,
    /// How long to wait for the controller to carry the request out (`0s`: do not wait).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub wait: Duration,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// `promote`'s own flag.
#[derive(Debug, clap::Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    pub op: OpArgs,
    /// Skip every remaining step, pause and analysis.
    #[arg(long)]
    pub full: bool,
}

/// `undo`'s own flag.
#[derive(Debug, clap::Args)]
pub struct UndoArgs {
    #[command(flatten)]
    pub op: OpArgs,
    /// The revision number to go back to (`kubectl ramp` history shows them; the
    /// `ramp.dev/revision` annotation of its ReplicaSet) [default: the stable revision, else
    /// the previous one].
    #[arg(long)]
    pub to_revision: Option<u64>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    DurationString::new(s).parse().map_err(|e| e.to_string())
}

/// Sends `op` for the Rollout and waits for its outcome.
pub fn run(op: &str, args: &OpArgs, out: &mut dyn Write) -> Result<(), CliError> {
    run_with(op, args, serde_json::Map::new(), out)
}

/// Like [`run`], with more request fields (`toRevision`).
pub fn run_with(
    op: &str,
    args: &OpArgs,
    fields: serde_json::Map<String, serde_json::Value>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    super::plugin::target::runtime()?.block_on(send(op, args, fields, out))
}

async fn send(
    op: &str,
    args: &OpArgs,
    fields: serde_json::Map<String, serde_json::Value>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let client = args.target.client().await?;
    let ns = args.target.namespace(&client);
    let api: Api<Rollout> = Api::namespaced(client.clone(), &ns);
    let rollout = match api.get_opt(&args.rollout).await.context("reading the Rollout")? {
        Some(r) => r,
        None => {
            return Err(CliError::BadInput(format!("rollout {} not found in namespace {ns}", args.rollout)));
        }
    };
    let now = crate::controller::clock::Clock::system().now();
    let id = request_id(now, &format!("{:x}", std::process::id()));
    // Who asks, as the API server authenticated them (approvals carry it).
    let who = super::plugin::whoami::whoami(&client, &args.target).await;
    let mut request = NewRequest {
        id: id.clone(),
        op: op.into(),
        by: who.username,
        groups: who.groups,
        at: now.to_string(),
        message: args.message.clone(),
        // Bound to what the user saw: if the revision changes before the controller reads
        // it, the request is refused rather than applied to something else.
        revision: rollout.status.as_ref().and_then(|s| s.updated_revision.clone()),
        to_revision: None,
    }
    .to_json();
    for (k, v) in fields {
        request[k] = v;
    }
    let patch = json!({"metadata": {"annotations": {ANNOTATION: request.to_string()}}});
    api.patch(&args.rollout, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .context("writing the request")?;
    if args.wait.is_zero() {
        return say(out, args.output, &args.rollout, op, &id, None);
    }
    let record = wait_for(&api, &args.rollout, &id, args.wait).await?;
    let refused = record.as_ref().is_some_and(|r| r.outcome.starts_with("refused") || r.op == "invalid");
    say(out, args.output, &args.rollout, op, &id, record.as_ref())?;
    match record {
        None => Err(CliError::Failed(anyhow::anyhow!(
            "the request is on rollout {} but no controller carried it out within {}s (is `ramp controller` running?)",
            args.rollout,
            args.wait.as_secs()
        ))),
        Some(r) if refused => Err(CliError::Failed(anyhow::anyhow!("{op} {}: {}", args.rollout, r.outcome))),
        Some(_) => Ok(()),
    }
}

/// Polls (cheap: one GET every 250 ms) until the controller records request `id`.
async fn wait_for(
    api: &Api<Rollout>,
    name: &str,
    id: &str,
    limit: Duration,
) -> Result<Option<RequestRecord>, CliError> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let r = api.get(name).await.context("reading the Rollout")?;
        if let Some(rec) = r.status.and_then(|s| s.last_request).filter(|l| l.id == id) {
            return Ok(Some(rec));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn say(
    out: &mut dyn Write,
    format: Output,
    name: &str,
    op: &str,
    id: &str,
    record: Option<&RequestRecord>,
) -> Result<(), CliError> {
    let v = json!({"rollout": name, "op": op, "id": id, "outcome": record.map(|r| r.outcome.clone())});
    match format {
        Output::Json => writeln!(out, "{v}").context("writing output")?,
        Output::Yaml => super::plugin::output::structured(out, format, &v)?,
        Output::Text => match record {
            Some(r) => writeln!(out, "rollout {name}: {op}: {}", r.outcome).context("writing output")?,
            None => writeln!(out, "rollout {name}: {op} requested (id {id})").context("writing output")?,
        },
    }
    Ok(())
}
