//! Turns cached objects into the planner's [`Observed`] ([`observe`]), or objects read from
//! the API ([`from_api`], for clients that run no watches).

mod api;

pub use api::{FromApiError, from_api};

use k8s_openapi::api::{apps::v1::ReplicaSet, policy::v1::PodDisruptionBudget};

use super::{context::Context, error::Error};
use crate::{
    api::Rollout,
    plan::{
        DisruptionBudgetView, Observed, ReplicaSetView, RevisionHealth, RolloutView, RouteView, ServiceView,
        TrafficView, Unreadable, WorkloadView,
        observed::ObserveError,
        traffic::{routes_named, services_named},
    },
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
    let mut obs = assemble(rollout, rss.iter().map(|r| &**r), pdbs.iter().map(|p| &**p), now)
        .map_err(Error::Observe)?;
    obs.traffic = traffic(rollout, ctx);
    obs.confirmations = ctx.webhooks.confirmations(rollout);
    obs.notified = ctx.webhooks.notified(rollout);
    obs.workload = rollout.spec.workload_ref.as_ref().and_then(|w| {
        use kube::runtime::reflector::ObjectRef;
        let ns = rollout.metadata.namespace.clone().unwrap_or_default();
        let d = ctx.deployments.get(&ObjectRef::new(&w.name).within(&ns))?;
        let spec = d.spec.as_ref()?;
        Some(WorkloadView {
            name: w.name.clone(),
            template: spec.template.clone(),
            replicas: spec.replicas.unwrap_or(1),
        })
    });
    let runs = super::analysis::runs::runs_of(ctx, rollout);
    obs.verdicts = super::analysis::verdicts::of(runs.iter().map(|r| &**r));
    let ns = obs.rollout.namespace.clone();
    obs.pod_health = obs
        .replica_sets
        .iter()
        .map(|rs| {
            let (restarts, flaps) = ctx.pod_health.of(&ns, &rs.name);
            RevisionHealth { revision: rs.pod_template_hash.clone(), restarts, flaps }
        })
        .filter(|h| h.restarts > 0 || h.flaps > 0)
        .collect();
    Ok(obs.canonical())
}

/// The Services and routes the Rollout's strategy names, from the caches. One that does not
/// exist (or whose kind the cluster does not serve) is absent, which the planner reports.
fn traffic(rollout: &Rollout, ctx: &Context) -> TrafficView {
    use kube::runtime::reflector::ObjectRef;
    let ns = rollout.metadata.namespace.clone().unwrap_or_default();
    let services = services_named(&rollout.spec)
        .into_iter()
        .filter_map(|name| ctx.services.get(&ObjectRef::new(name).within(&ns)))
        .filter_map(|svc| ServiceView::from_service(&svc).ok())
        .collect();
    let routes = routes_named(&rollout.spec)
        .into_iter()
        .filter_map(|(kind, name)| {
            let cache = ctx.routes.iter().find(|c| c.kind == kind)?;
            let obj = cache.store.get(&ObjectRef::new_with(name, cache.resource.clone()).within(&ns))?;
            let json = serde_json::to_value(&*obj).ok()?;
            RouteView::from_json(kind, &json).ok()
        })
        .collect();
    TrafficView { services, routes }
}

/// The observation from objects as listed (in any order, any namespace): the ReplicaSets the
/// Rollout controls and the budgets of its namespace. Pure; what-if runs use it too.
pub fn assemble<'a>(
    rollout: &Rollout,
    replica_sets_in: impl IntoIterator<Item = &'a ReplicaSet>,
    budgets: impl IntoIterator<Item = &'a PodDisruptionBudget>,
    now: jiff::Timestamp,
) -> Result<Observed, ObserveError> {
    let view = RolloutView::from_rollout(rollout)?;
    let uid = rollout.metadata.uid.clone().unwrap_or_default();
    let ns = view.namespace.as_str();
    let name = |n: &Option<String>| n.clone().unwrap_or_else(|| "<unnamed>".into());
    // Nothing is dropped: what cannot be read is handed over as such, and the planner fails
    // closed on it.
    let (mut replica_sets, mut unreadable_replica_sets) = (Vec::new(), Vec::new());
    for rs in replica_sets_in
        .into_iter()
        .filter(|rs| rs.metadata.namespace.as_deref() == Some(ns) && controlled_by(rs, &uid))
    {
        match ReplicaSetView::from_replica_set(rs) {
            Ok(v) => replica_sets.push(v),
            Err(e) => unreadable_replica_sets
                .push(Unreadable { name: name(&rs.metadata.name), reason: e.to_string() }),
        }
    }
    let disruption_budgets = budgets
        .into_iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(ns))
        .map(|p| {
            DisruptionBudgetView::from_pdb(p)
                .unwrap_or_else(|e| DisruptionBudgetView::unreadable(&name(&p.metadata.name), &e.to_string()))
        })
        .collect();
    Ok(Observed {
        rollout: view,
        replica_sets,
        disruption_budgets,
        unreadable_replica_sets,
        traffic: Default::default(),
        verdicts: Vec::new(),
        pod_health: Vec::new(),
        workload: None,
        confirmations: Vec::new(),
        notified: Vec::new(),
        now,
    }
    .canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_that_cannot_be_read_are_handed_over_not_dropped() {
        let rollout: Rollout = serde_json::from_value(serde_json::json!({
            "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "web", "namespace": "default", "uid": "u1", "generation": 1},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"rollingUpdate": {}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}},
        }))
        .unwrap();
        let owned = serde_json::json!([{"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "name": "web", "uid": "u1", "controller": true}]);
        // Owned, but without a creation time or a pod-template-hash label.
        let rs: ReplicaSet = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-x", "namespace": "default", "ownerReferences": owned},
            "spec": {"selector": {"matchLabels": {"app": "web"}}},
        }))
        .unwrap();
        let nameless: PodDisruptionBudget =
            serde_json::from_value(serde_json::json!({"metadata": {"namespace": "default"}})).unwrap();
        let obs = assemble(&rollout, [&rs], [&nameless], jiff::Timestamp::UNIX_EPOCH).unwrap();
        assert!(obs.replica_sets.is_empty());
        assert_eq!(obs.unreadable_replica_sets.len(), 1);
        assert_eq!(obs.unreadable_replica_sets[0].name, "web-x");
        assert_eq!(obs.disruption_budgets.len(), 1);
        let b = &obs.disruption_budgets[0];
        assert_eq!(b.name, "<unnamed>");
        assert!(b.unreadable.as_deref().is_some_and(|r| r.contains("name")), "{b:?}");
    }
}
