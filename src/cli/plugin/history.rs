//! `kubectl ramp history ROLLOUT`: the revisions the Rollout keeps (its ReplicaSets, by their
//! `ramp.dev/revision` annotation and the numbers a rollback re-used), with images,
//! pod-template-hash, age, size, and which is stable, current or aborted. `undo
//! --to-revision N` takes these numbers.

use std::io::Write;

use anyhow::Context;
use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::{Api, ResourceExt, api::ListParams};
use serde::Serialize;

use super::{
    get::children_selector,
    output::{self, Cell, Colour, Style},
    target::Target,
};
use crate::{
    api::{Rollout, condition::keys},
    cli::{CliError, Output},
};

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The Rollout.
    pub rollout: String,
    #[command(flatten)]
    pub target: Target,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// One revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// `ramp.dev/revision`.
    pub revision: Option<u64>,
    /// Earlier numbers of the same ReplicaSet (a rollback re-used it).
    pub earlier: Vec<u64>,
    /// pod-template-hash.
    pub hash: String,
    /// The ReplicaSet.
    pub replica_set: String,
    /// Images, container by container.
    pub images: Vec<String>,
    /// `metadata.creationTimestamp`.
    pub created: Option<String>,
    /// `spec.replicas`.
    pub desired: i32,
    /// Ready pods.
    pub ready: i32,
    /// `stable`, `current` (the revision the Rollout runs now), `aborted`.
    pub marks: Vec<&'static str>,
}

/// The history of `rollout` from its ReplicaSets, oldest first.
pub fn entries(rollout: &Rollout, replica_sets: &[ReplicaSet]) -> Vec<Entry> {
    let status = rollout.status.clone().unwrap_or_default();
    let uid = rollout.uid().unwrap_or_default();
    let mut out: Vec<Entry> = replica_sets
        .iter()
        .filter(|rs| rs.owner_references().iter().any(|o| o.controller == Some(true) && o.uid == uid))
        .map(|rs| {
            let hash = rs.labels().get(keys::POD_TEMPLATE_HASH).cloned().unwrap_or_default();
            let is = |v: &Option<String>| !hash.is_empty() && v.as_deref() == Some(hash.as_str());
            let mut marks = Vec::new();
            if is(&status.stable_revision) {
                marks.push("stable");
            }
            if is(&status.updated_revision) {
                marks.push("current");
            }
            if is(&status.aborted_revision) {
                marks.push("aborted");
            }
            let a = rs.annotations();
            let spec = rs.spec.as_ref();
            Entry {
                revision: a.get(keys::REVISION).and_then(|v| v.parse().ok()),
                earlier: a
                    .get(keys::REVISION_HISTORY)
                    .map(|h| h.split(',').filter_map(|n| n.trim().parse().ok()).collect())
                    .unwrap_or_default(),
                replica_set: rs.name_any(),
                images: spec
                    .and_then(|s| s.template.as_ref())
                    .and_then(|t| t.spec.as_ref())
                    .map(|p| p.containers.iter().map(|c| c.image.clone().unwrap_or_default()).collect())
                    .unwrap_or_default(),
                created: rs.metadata.creation_timestamp.as_ref().map(|t| t.0.to_string()),
                desired: spec.and_then(|s| s.replicas).unwrap_or(0),
                ready: rs.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0),
                marks,
                hash,
            }
        })
        .collect();
    out.sort_by(|a, b| a.revision.cmp(&b.revision).then_with(|| a.hash.cmp(&b.hash)));
    out
}

/// Runs `history`.
pub fn run(args: &HistoryArgs, out: &mut dyn Write) -> Result<(), CliError> {
    super::target::runtime()?.block_on(async {
        let client = args.target.client().await?;
        let ns = args.target.namespace(&client);
        let rollout = Api::<Rollout>::namespaced(client.clone(), &ns)
            .get_opt(&args.rollout)
            .await
            .context("reading the Rollout")?
            .ok_or_else(|| {
                CliError::BadInput(format!("rollout {} not found in namespace {ns}", args.rollout))
            })?;
        let lp = ListParams::default().labels(&children_selector(&args.rollout));
        let rss =
            Api::<ReplicaSet>::namespaced(client, &ns).list(&lp).await.context("listing ReplicaSets")?;
        let list = entries(&rollout, &rss.items);
        if args.output != Output::Text {
            return output::structured(out, args.output, &list);
        }
        let now = output::now();
        let rows: Vec<Vec<Cell>> = list
            .iter()
            .map(|e| {
                let mut number = e.revision.map_or("?".into(), |n| n.to_string());
                if !e.earlier.is_empty() {
                    let earlier: Vec<String> = e.earlier.iter().map(u64::to_string).collect();
                    number = format!("{number} (was {})", earlier.join(","));
                }
                let colour = if e.marks.contains(&"aborted") {
                    Some(Colour::Red)
                } else if e.marks.contains(&"stable") {
                    Some(Colour::Green)
                } else {
                    None
                };
                let age = e
                    .created
                    .as_deref()
                    .and_then(|c| c.parse::<jiff::Timestamp>().ok())
                    .map_or("<unknown>".into(), |t| output::age(t, now));
                vec![
                    Cell::from(number),
                    Cell::from(e.hash.as_str()),
                    Cell::from(e.images.join(",")),
                    Cell::from(format!("{}/{}", e.ready, e.desired)),
                    Cell::from(age),
                    Cell { text: e.marks.join(","), colour },
                ]
            })
            .collect();
        output::table(out, Style::detect(), &["REVISION", "HASH", "IMAGES", "READY", "AGE", "STATUS"], &rows)
    })
}
