//! Turns cached objects into the planner's [`Observed`].

use k8s_openapi::api::{apps::v1::ReplicaSet, policy::v1::PodDisruptionBudget};

use super::{context::Context, error::Error};
use crate::{
    api::Rollout,
    plan::{DisruptionBudgetView, Observed, ReplicaSetView, RolloutView},
};

fn controlled_by(rs: &ReplicaSet, uid: &str) -> bool {
    rs.metadata.owner_references.iter().flatten().any(|r| r.controller == Some(true) && r.uid == uid)
}

/// The observation for one Rollout at `now`.
pub fn observe(rollout: &Rollout, ctx: &Context, now: jiff::Timestamp) -> Result<Observed, Error> {
    let view = RolloutView::from_rollout(rollout).map_err(Error::Observe)?;
    let uid = rollout.metadata.uid.clone().unwrap_or_default();
    let ns = view.namespace.clone();
    let replica_sets = ctx
        .owners
        .owned_by(&uid)
        .iter()
        .filter_map(|r| ctx.replica_sets.get(r))
        .filter(|rs| rs.metadata.namespace.as_deref() == Some(ns.as_str()) && controlled_by(rs, &uid))
        .filter_map(|rs| ReplicaSetView::from_replica_set(&rs).ok())
        .collect();
    let disruption_budgets = ctx
        .budgets
        .state()
        .iter()
        .filter(|p: &&std::sync::Arc<PodDisruptionBudget>| {
            p.metadata.namespace.as_deref() == Some(ns.as_str())
        })
        .filter_map(|p| DisruptionBudgetView::from_pdb(p).ok())
        .collect();
    Ok(Observed { rollout: view, replica_sets, disruption_budgets, now })
}
