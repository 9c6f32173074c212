//! The finalizer of a Rollout that scales a referenced Deployment down (`workloadRef` with
//! `scaleDown: onSuccess | progressively`): added before Ramp first scales the Deployment;
//! when the Rollout is deleted, the Deployment gets back the size it had before
//! (`status.workloadReplicas`) and only then is the finalizer removed, so deleting the
//! Rollout never leaves the Deployment at 0.

use k8s_openapi::api::apps::v1::Deployment;
use kube::{
    Api, ResourceExt,
    api::{Patch, PatchParams},
    runtime::{controller::Action as Requeue, reflector::ObjectRef},
};
use serde_json::json;

use super::{
    act::{bounded, may_write, send},
    context::Context,
    error::Error,
    render,
};
use crate::api::{Rollout, WorkloadScaleDown};

/// The finalizer.
pub const FINALIZER: &str = "ramp.dev/workload";

fn scales_down(r: &Rollout) -> Option<&str> {
    let w = r.spec.workload_ref.as_ref()?;
    matches!(w.scale_down, Some(WorkloadScaleDown::OnSuccess | WorkloadScaleDown::Progressively))
        .then_some(w.name.as_str())
}

fn finalizer_error(name: &str, source: kube::Error) -> Error {
    Error::WriteWorkload { what: "update the Rollout's finalizer", name: name.into(), source }
}

/// Keeps the finalizer in line with the spec, and on deletion restores the Deployment.
/// `Some` ends the reconcile there.
pub async fn guard(rollout: &Rollout, ctx: &Context) -> Result<Option<Requeue>, Error> {
    let has = rollout.finalizers().iter().any(|f| f == FINALIZER);
    let ns = rollout.namespace().unwrap_or_default();
    let api: Api<Rollout> = Api::namespaced(ctx.client.clone(), &ns);
    let name = rollout.name_any();
    let target = rollout.spec.workload_ref.as_ref().map(|w| w.name.clone()).unwrap_or_default();
    if rollout.metadata.deletion_timestamp.is_some() {
        if !has {
            return Ok(Some(Requeue::await_change()));
        }
        may_write(ctx)?;
        if let Some(original) = rollout.status.as_ref().and_then(|s| s.workload_replicas) {
            let current = ctx.deployments.get(&ObjectRef::<Deployment>::new(&target).within(&ns));
            let replicas =
                current.as_ref().and_then(|d| d.spec.as_ref()).and_then(|s| s.replicas).unwrap_or(1);
            if current.is_some() && replicas < original {
                let w = render::scale_deployment(&ns, &target, original);
                send(ctx, &w).await.map_err(|e| Error::WriteWorkload {
                    what: "restore the Deployment's size",
                    name: target.clone(),
                    source: e,
                })?;
            }
        }
        remove(&api, rollout, &name, &target).await?;
        return Ok(Some(Requeue::await_change()));
    }
    match (scales_down(rollout).is_some(), has) {
        (true, false) => {
            may_write(ctx)?;
            let patch = if rollout.metadata.finalizers.is_none() {
                json!([{"op": "add", "path": "/metadata/finalizers", "value": [FINALIZER]}])
            } else {
                json!([{"op": "add", "path": "/metadata/finalizers/-", "value": FINALIZER}])
            };
            bounded(
                api.patch(
                    &name,
                    &PatchParams::default(),
                    &Patch::<()>::Json(
                        serde_json::from_value(patch)
                            .map_err(|e| finalizer_error(&target, kube::Error::SerdeError(e)))?,
                    ),
                ),
            )
            .await
            .map_err(|e| finalizer_error(&target, e))?;
            // The patch's watch event brings the next reconcile.
            Ok(Some(Requeue::await_change()))
        }
        (false, true) => {
            may_write(ctx)?;
            remove(&api, rollout, &name, &target).await?;
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Removes the finalizer, guarded by a `test` that it is still at its index.
async fn remove(api: &Api<Rollout>, rollout: &Rollout, name: &str, target: &str) -> Result<(), Error> {
    let Some(i) = rollout.finalizers().iter().position(|f| f == FINALIZER) else { return Ok(()) };
    let patch = json!([{"op": "test", "path": format!("/metadata/finalizers/{i}"), "value": FINALIZER},
                       {"op": "remove", "path": format!("/metadata/finalizers/{i}")}]);
    let patch =
        serde_json::from_value(patch).map_err(|e| finalizer_error(target, kube::Error::SerdeError(e)))?;
    bounded(api.patch(name, &PatchParams::default(), &Patch::<()>::Json(patch)))
        .await
        .map_err(|e| finalizer_error(target, e))?;
    Ok(())
}
