//! Carries out a plan's actions. ReplicaSets are created with POST (never taking over an object
//! of the same name Ramp does not own); later changes are server-side applies of exactly the
//! fields each action owns, with the field manager `ramp` suffixed per field set (so one set's
//! apply never drops another's fields); status goes through the status subresource.
//! Every write first checks that this instance may still write as leader.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::{
    Api, Resource, ResourceExt,
    api::{DeleteParams, Patch, PatchParams, PostParams},
    runtime::events::{Event as KubeEvent, EventType},
};
use serde_json::json;

use super::{context::Context, error::Error, metrics::WriteLabel};
use crate::{
    api::{Rollout, RolloutStatus, condition::keys},
    plan::{Action, EventKind, NewReplicaSet, Plan},
};

/// Field manager of everything Ramp writes.
pub const MANAGER: &str = "ramp";
/// Label on every ReplicaSet Ramp creates: the Rollout's name (scopes the watch).
pub const ROLLOUT_LABEL: &str = "ramp.dev/rollout";

fn may_write(ctx: &Context) -> Result<(), Error> {
    if ctx.leadership.borrow().may_write() {
        Ok(())
    } else {
        ctx.metrics.withheld.inc();
        Err(Error::NotLeader)
    }
}

fn count(ctx: &Context, kind: &str) {
    ctx.metrics.writes.get_or_create(&WriteLabel { kind: kind.into() }).inc();
}

fn new_replica_set(rollout: &Rollout, n: &NewReplicaSet) -> Result<ReplicaSet, Error> {
    let mut labels: BTreeMap<String, String> =
        n.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
    labels.insert(ROLLOUT_LABEL.into(), rollout.name_any());
    let owner = rollout.controller_owner_ref(&()).map(|o| vec![o]);
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": n.name, "namespace": rollout.namespace(), "labels": labels, "ownerReferences": owner,
            "annotations": {
                keys::REVISION: n.revision.to_string(),
                keys::TEMPLATE_FINGERPRINT: n.template_fingerprint,
                keys::DESIRED_REPLICAS: n.desired_replicas.to_string(),
                keys::MAX_REPLICAS: n.max_replicas.to_string(),
            },
        },
        "spec": {"replicas": n.replicas, "minReadySeconds": n.min_ready_seconds, "selector": n.selector, "template": n.template},
    }))
    .map_err(Error::Encode)
}

/// Writes every action of the plan, then the status if it changed. Returns whether anything
/// was written.
pub async fn act(plan: &Plan, rollout: &Rollout, ctx: &Context) -> Result<bool, Error> {
    let ns = rollout.namespace().unwrap_or_default();
    let rss: Api<ReplicaSet> = Api::namespaced(ctx.client.clone(), &ns);
    let mut wrote = false;
    for action in &plan.actions {
        match action {
            Action::CreateReplicaSet(n) => {
                may_write(ctx)?;
                let rs = new_replica_set(rollout, n)?;
                let pp = PostParams { field_manager: Some(MANAGER.into()), ..Default::default() };
                match rss.create(&pp, &rs).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(s)) if s.code == 409 => {
                        let existing = rss
                            .get(&n.name)
                            .await
                            .map_err(|e| Error::WriteReplicaSet { name: n.name.clone(), source: e })?;
                        let ours = existing
                            .owner_references()
                            .iter()
                            .any(|o| Some(&o.uid) == rollout.metadata.uid.as_ref());
                        if !ours {
                            return Err(Error::NameTaken(n.name.clone()));
                        }
                    }
                    Err(e) => return Err(Error::WriteReplicaSet { name: n.name.clone(), source: e }),
                }
                count(ctx, "CreateReplicaSet");
            }
            Action::ScaleReplicaSet(s) => {
                may_write(ctx)?;
                let body = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": s.name, "annotations": {
                        keys::DESIRED_REPLICAS: s.desired_replicas.to_string(), keys::MAX_REPLICAS: s.max_replicas.to_string()}},
                    "spec": {"replicas": s.to}});
                rss.patch(
                    &s.name,
                    &PatchParams::apply(&format!("{MANAGER}-scale")).force(),
                    &Patch::Apply(&body),
                )
                .await
                .map_err(|e| Error::WriteReplicaSet { name: s.name.clone(), source: e })?;
                count(ctx, "ScaleReplicaSet");
            }
            Action::UpdateReplicaSetRevision(u) => {
                may_write(ctx)?;
                let history: Vec<String> = u.revision_history.iter().map(ToString::to_string).collect();
                let mut annotations = json!({keys::REVISION: u.revision.to_string()});
                if !history.is_empty() {
                    annotations[keys::REVISION_HISTORY] = json!(history.join(","));
                }
                let body = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": u.name, "annotations": annotations}, "spec": {"minReadySeconds": u.min_ready_seconds}});
                rss.patch(
                    &u.name,
                    &PatchParams::apply(&format!("{MANAGER}-revision")).force(),
                    &Patch::Apply(&body),
                )
                .await
                .map_err(|e| Error::WriteReplicaSet { name: u.name.clone(), source: e })?;
                count(ctx, "UpdateReplicaSetRevision");
            }
            Action::DeleteReplicaSet { name } => {
                may_write(ctx)?;
                match rss.delete(name, &DeleteParams::background()).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(s)) if s.code == 404 => {}
                    Err(e) => return Err(Error::DeleteReplicaSet { name: name.clone(), source: e }),
                }
                count(ctx, "DeleteReplicaSet");
            }
            Action::Event(_) => continue,
        }
        wrote = true;
    }
    if status_changed(rollout.status.as_ref(), &plan.status) {
        may_write(ctx)?;
        let api: Api<Rollout> = Api::namespaced(ctx.client.clone(), &ns);
        let body = json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "status": plan.status});
        api.patch_status(&rollout.name_any(), &PatchParams::apply(MANAGER).force(), &Patch::Apply(&body))
            .await
            .map_err(Error::WriteStatus)?;
        count(ctx, "Status");
        wrote = true;
    }
    // Events after the writes they describe; a lost event is not worth failing the reconcile.
    if ctx.leadership.borrow().may_write() {
        let reference = rollout.object_ref(&());
        for e in plan.events() {
            let ev = KubeEvent {
                type_: if e.kind == EventKind::Warning { EventType::Warning } else { EventType::Normal },
                reason: e.reason.clone(),
                note: Some(truncate(&e.message, 1024)),
                action: e.reason.clone(),
                secondary: None,
            };
            if let Err(err) = ctx.recorder.publish(&ev, &reference).await {
                tracing::warn!(error = %err, reason = %e.reason, "could not publish an event");
            }
        }
    }
    Ok(wrote)
}

/// Whether the status to write differs from the one observed.
fn status_changed(observed: Option<&RolloutStatus>, desired: &RolloutStatus) -> bool {
    observed != Some(desired)
}

/// At most `max` bytes, cut at a character boundary.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}
