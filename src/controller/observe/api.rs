//! The planner's observation from API reads instead of the controller's caches, for clients
//! that run no watches: `kubectl ramp plan` and the dashboard's "what happens next".
//!
//! Caveat: readiness flaps are counted by the controller's pod watch as they happen; a
//! one-shot read cannot see them, so [`from_api`] reports restarts only (flaps 0).

use std::collections::BTreeMap;

use k8s_openapi::api::{
    apps::v1::{Deployment, ReplicaSet},
    core::v1::{Pod, Service},
    policy::v1::PodDisruptionBudget,
};
use kube::{
    Api, Client, ResourceExt,
    api::{DynamicObject, GroupVersionKind, ListParams},
};

use super::assemble;
use crate::{
    api::{Rollout, analysis::AnalysisRun},
    controller::render::{ROLLOUT_LABEL, rollout_label_value},
    plan::{
        Observed, RevisionHealth, RouteView, ServiceView, TrafficView, WorkloadView,
        observed::ObserveError,
        traffic::{routes_named, services_named},
    },
};

/// Why the observation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FromApiError {
    /// No such Rollout.
    #[error("rollout {name} not found in namespace {namespace}")]
    NotFound {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// A read failed.
    #[error("cannot read {what}")]
    Read {
        /// What was being read.
        what: &'static str,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// The Rollout lacks required metadata.
    #[error("cannot read the Rollout")]
    Observe(#[source] ObserveError),
}

fn read(what: &'static str) -> impl FnOnce(kube::Error) -> FromApiError {
    move |source| FromApiError::Read { what, source }
}

/// A list that a cluster without the kind (404) answers as empty.
async fn list_or_empty<K>(api: Api<K>, lp: &ListParams, what: &'static str) -> Result<Vec<K>, FromApiError>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match api.list(lp).await {
        Ok(l) => Ok(l.items),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(Vec::new()),
        Err(e) => Err(read(what)(e)),
    }
}

fn controlled_by(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, uid: &str) -> bool {
    meta.owner_references.iter().flatten().any(|o| o.controller == Some(true) && o.uid == uid)
}

/// The observation of Rollout `name` in `ns` at `now`, read from the API: the Rollout, the
/// ReplicaSets it controls, the namespace's PodDisruptionBudgets, the Services and routes its
/// strategy names, the Deployment of its `workloadRef`, its AnalysisRuns' verdicts and its
/// pods' restarts — what the controller's caches give `reconcile`.
pub async fn from_api(
    client: &Client,
    ns: &str,
    name: &str,
    now: jiff::Timestamp,
) -> Result<Observed, FromApiError> {
    let rollout = Api::<Rollout>::namespaced(client.clone(), ns)
        .get_opt(name)
        .await
        .map_err(read("the Rollout"))?
        .ok_or_else(|| FromApiError::NotFound { namespace: ns.into(), name: name.into() })?;
    let uid = rollout.uid().unwrap_or_default();
    let children = ListParams::default().labels(&format!("{ROLLOUT_LABEL}={}", rollout_label_value(name)));
    let rss = Api::<ReplicaSet>::namespaced(client.clone(), ns)
        .list(&children)
        .await
        .map_err(read("the ReplicaSets"))?
        .items;
    let pdbs = Api::<PodDisruptionBudget>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .map_err(read("the PodDisruptionBudgets"))?
        .items;
    let mut obs = assemble(&rollout, &rss, &pdbs, now).map_err(FromApiError::Observe)?;
    obs.traffic = traffic(client, ns, &rollout).await?;
    if let Some(w) = &rollout.spec.workload_ref {
        let d = Api::<Deployment>::namespaced(client.clone(), ns)
            .get_opt(&w.name)
            .await
            .map_err(read("the workloadRef Deployment"))?;
        obs.workload = d.and_then(|d| {
            let spec = d.spec?;
            Some(WorkloadView {
                name: w.name.clone(),
                template: spec.template,
                replicas: spec.replicas.unwrap_or(1),
            })
        });
    }
    let runs: Vec<AnalysisRun> =
        list_or_empty(Api::namespaced(client.clone(), ns), &children, "the AnalysisRuns").await?;
    obs.verdicts =
        crate::controller::analysis::verdicts::of(runs.iter().filter(|r| controlled_by(&r.metadata, &uid)));
    let pods: Vec<Pod> = list_or_empty(Api::namespaced(client.clone(), ns), &children, "the pods").await?;
    let mut restarts: BTreeMap<String, i32> = BTreeMap::new();
    for pod in &pods {
        let owner =
            pod.owner_references().iter().find(|o| o.controller == Some(true) && o.kind == "ReplicaSet");
        if let Some(o) = owner {
            *restarts.entry(o.name.clone()).or_default() += crate::controller::pods::restarts(pod);
        }
    }
    obs.pod_health = obs
        .replica_sets
        .iter()
        .filter_map(|rs| {
            let n = restarts.get(&rs.name).copied().unwrap_or(0);
            (n > 0).then(|| RevisionHealth { revision: rs.pod_template_hash.clone(), restarts: n, flaps: 0 })
        })
        .collect();
    Ok(obs.canonical())
}

/// The Services and routes the strategy names, as they are (absent when missing or when the
/// cluster does not serve the route's kind, as the controller's caches would have them).
async fn traffic(client: &Client, ns: &str, rollout: &Rollout) -> Result<TrafficView, FromApiError> {
    let services_api: Api<Service> = Api::namespaced(client.clone(), ns);
    let mut services = Vec::new();
    for name in services_named(&rollout.spec) {
        if let Some(svc) = services_api.get_opt(name).await.map_err(read("a Service"))? {
            services.extend(ServiceView::from_service(&svc).ok());
        }
    }
    let mut routes = Vec::new();
    for (kind, name) in routes_named(&rollout.spec) {
        let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", kind.kind());
        let Ok((resource, _)) = kube::discovery::pinned_kind(client, &gvk).await else { continue };
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
        if let Some(obj) = api.get_opt(name).await.map_err(read("a route"))? {
            let json = serde_json::to_value(&obj).unwrap_or_default();
            routes.extend(RouteView::from_json(kind, &json).ok());
        }
    }
    Ok(TrafficView { services, routes })
}
