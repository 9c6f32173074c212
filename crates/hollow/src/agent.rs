//! Agent mode (`ramp sim agent --kubeconfig ...`): the hollow kubelets and controllers run
//! against an existing API server, for example a bare control plane with no nodes.
//!
//! ```text
//!  remote API server ──watch──► mirror ──► local store ──► hollow controllers
//!          ▲                                   │ (their writes)
//!          └────────── forward (create, patch, patch status, delete) ◄──┘
//! ```
//!
//! The controllers are the same code as in embedded mode: they act on a local mirror of the
//! remote objects, and what they write is forwarded. Changes the mirror itself wrote are not
//! forwarded back. Caveats: the mirror is eventually consistent, so a controller may act on a
//! state the remote has already moved past; a forwarded write that conflicts is dropped and
//! the next pass, on the newer mirror, redoes it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use futures::StreamExt;
use kube::{
    Api, Client,
    api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams},
    core::ApiResource,
    runtime::{WatchStreamExt, watcher},
};
use serde_json::{Value, json};

use super::{
    apiserver::{
        ApiServer,
        store::{ChangeKind, ObjectKey, ResourceId},
    },
    clock::Clock,
    controllers::Controllers,
};

/// The kinds mirrored from the remote cluster: (group, version, kind, plural, namespaced).
const MIRRORED: &[(&str, &str, &str, &str)] = &[
    ("", "v1", "Pod", "pods"),
    ("", "v1", "Service", "services"),
    ("", "v1", "Endpoints", "endpoints"),
    ("apps", "v1", "ReplicaSet", "replicasets"),
    ("apps", "v1", "Deployment", "deployments"),
    ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets"),
    ("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
];

/// uid space of the local mirror's own objects (see `Store::set_uid_space`).
const LOCAL_UID_SPACE: u32 = 0xa6e7;

/// Field manager of forwarded writes.
const MANAGER: &str = "ramp-sim-agent";

fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: if group.is_empty() { version.into() } else { format!("{group}/{version}") },
        kind: kind.into(),
        plural: plural.into(),
    }
}

fn key_of(group: &str, plural: &str, obj: &Value) -> ObjectKey {
    ObjectKey {
        resource: ResourceId::new(group, plural),
        namespace: obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_string(),
        name: obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string(),
    }
}

/// Local resourceVersions the mirror wrote: changes at these are not forwarded.
type Mirrored = Arc<Mutex<HashMap<ObjectKey, u64>>>;

/// Runs the agent until the future is dropped.
pub async fn run(remote: Client) {
    let local = ApiServer::new(Clock::system());
    // The remote may be another hollow server, whose uids count up from 1 like ours.
    local.store.set_uid_space(LOCAL_UID_SPACE);
    let mirrored: Mirrored = Arc::default();
    for (group, version, kind, plural) in MIRRORED {
        let ar = resource(group, version, kind, plural);
        tokio::spawn(mirror(remote.clone(), ar, local.clone(), mirrored.clone()));
    }
    tokio::spawn(forward(remote, local.clone(), mirrored));
    Controllers::new(local).run().await;
}

async fn mirror(remote: Client, ar: ApiResource, local: Arc<ApiServer>, mirrored: Mirrored) {
    let api: Api<DynamicObject> = Api::all_with(remote, &ar);
    let mut events = watcher(api, watcher::Config::default()).default_backoff().boxed();
    let mut listed: Vec<ObjectKey> = Vec::new();
    while let Some(event) = events.next().await {
        let (obj, delete) = match event {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => (o, false),
            Ok(watcher::Event::Delete(o)) => (o, true),
            Ok(watcher::Event::Init) => {
                listed.clear();
                continue;
            }
            Ok(watcher::Event::InitDone) => {
                // Objects that went while the watch was down: only those the mirror had copied
                // from the remote. An object a local controller just created is not in the list
                // yet (its create is still being forwarded) and must stay.
                let copied: Vec<ObjectKey> = mirrored
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .keys()
                    .cloned()
                    .collect();
                for (k, _) in local
                    .store
                    .all()
                    .into_iter()
                    .filter(|(k, _)| k.resource == ResourceId::new(&ar.group, &ar.plural))
                {
                    if !listed.contains(&k)
                        && copied.contains(&k)
                        && let Ok(gone) = local.store.remove(&k, None)
                    {
                        mirrored
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .insert(k, crate::apiserver::store::object_rv(&gone));
                    }
                }
                continue;
            }
            Err(e) => {
                tracing::debug!(error = %e, kind = %ar.kind, "mirror watch error (retrying)");
                continue;
            }
        };
        let Ok(mut value) = serde_json::to_value(&obj) else { continue };
        value["apiVersion"] = json!(ar.api_version);
        value["kind"] = json!(ar.kind);
        let key = key_of(&ar.group, &ar.plural, &value);
        let mut seen = mirrored.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let written = if delete {
            local.store.remove(&key, None).map(|o| crate::apiserver::store::object_rv(&o))
        } else {
            listed.push(key.clone());
            local.store.write(&key, None, |_, _| Ok(value)).map(|o| crate::apiserver::store::object_rv(&o))
        };
        if let Ok(rv) = written {
            seen.insert(key, rv);
        }
    }
}

/// The object without the fields the remote server owns.
fn portable(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "managedFields",
            "generation",
            "deletionTimestamp",
        ] {
            meta.remove(k);
        }
    }
    o
}

async fn forward(remote: Client, local: Arc<ApiServer>, mirrored: Mirrored) {
    let Ok((_, mut changes)) = local.store.watch_from(local.store.current_rv()) else { return };
    let pp = PatchParams { field_manager: Some(MANAGER.into()), ..Default::default() };
    while let Ok(c) = changes.recv().await {
        if mirrored.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&c.key) == Some(&c.rv) {
            continue;
        }
        let Some(&(group, version, kind, plural)) =
            MIRRORED.iter().find(|(g, _, _, p)| *g == c.key.resource.group && *p == c.key.resource.plural)
        else {
            continue;
        };
        let ar = resource(group, version, kind, plural);
        let api: Api<DynamicObject> = Api::namespaced_with(remote.clone(), &c.key.namespace, &ar);
        let name = c.key.name.as_str();
        tracing::trace!(kind, name, change = ?c.kind, "forwarding a hollow controller write");
        let result = match c.kind {
            ChangeKind::Added => match serde_json::from_value::<DynamicObject>(portable(&c.object)) {
                Ok(obj) => api
                    .create(&PostParams { field_manager: Some(MANAGER.into()), ..Default::default() }, &obj)
                    .await
                    .map(|_| ()),
                Err(e) => Err(kube::Error::SerdeError(e)),
            },
            ChangeKind::Modified => {
                let before = c.previous.as_deref().cloned().unwrap_or(json!({}));
                let mut r = Ok(());
                if before.get("status") != c.object.get("status")
                    && let Some(status) = c.object.get("status")
                {
                    r = api
                        .patch_status(name, &pp, &Patch::Merge(json!({"status": status})))
                        .await
                        .map(|_| ());
                }
                let (mut a, mut b) = (portable(&before), portable(&c.object));
                for v in [&mut a, &mut b] {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("status");
                    }
                }
                if a != b {
                    r = api.patch(name, &pp, &Patch::Merge(b)).await.map(|_| ());
                }
                r
            }
            ChangeKind::Deleted => match api.delete(name, &DeleteParams::default()).await {
                Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
                other => other.map(|_| ()),
            },
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, object = %name, "forwarding a hollow controller write failed (it will be redone)");
        }
    }
}
