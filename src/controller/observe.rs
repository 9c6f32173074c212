//! Turns cached objects into the planner's [`Observed`].

use k8s_openapi::api::{apps::v1::ReplicaSet, policy::v1::PodDisruptionBudget};

use super::{context::Context, error::Error};
use crate::{
    api::Rollout,
    plan::{DisruptionBudgetView, Observed, ReplicaSetView, RolloutView, observed::ObserveError},
};

fn controlled_by(rs: &ReplicaSet, uid: &str) -> bool {
    rs.metadata.owner_references.iter().flatten().any(|r| r.controller == Some(true) && r.uid == uid)
}

/// The observation for one Rollout at `now`, from the controller's caches.
pub fn observe(rollout: &Rollout, ctx: &Context, now: jiff::Timestamp) -> Result<Observed, Error> {
    // Only the ReplicaSets the owner index lists for this Rollout, not every cached one.
    let uid = rollout.metadata.uid.clone().unwrap_or_default();
    let rss: Vec<_> = ctx.owners.owned_by(&uid).iter().filter_map(|r| ctx.replica_sets.get(r)).collect();
    let pdbs = ctx.budgets.state();
    assemble(rollout, rss.iter().map(|r| &**r), pdbs.iter().map(|p| &**p), now).map_err(Error::Observe)
}

/// The observation from objects as listed (in any order, any namespace): the ReplicaSets the
/// Rollout controls and the budgets of its namespace. Pure; what-if runs use it too.
pub fn assemble<'a>(
    rollout: &Rollout,
    replica_sets: impl IntoIterator<Item = &'a ReplicaSet>,
    budgets: impl IntoIterator<Item = &'a PodDisruptionBudget>,
    now: jiff::Timestamp,
) -> Result<Observed, ObserveError> {
    let view = RolloutView::from_rollout(rollout)?;
    let uid = rollout.metadata.uid.clone().unwrap_or_default();
    let ns = view.namespace.as_str();
    let replica_sets = replica_sets
        .into_iter()
        .filter(|rs| rs.metadata.namespace.as_deref() == Some(ns) && controlled_by(rs, &uid))
        .filter_map(|rs| ReplicaSetView::from_replica_set(rs).ok())
        .collect();
    let disruption_budgets = budgets
        .into_iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(ns))
        .filter_map(|p| DisruptionBudgetView::from_pdb(p).ok())
        .collect();
    Ok(Observed { rollout: view, replica_sets, disruption_budgets, now }.canonical())
}
