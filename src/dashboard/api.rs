//! The JSON API for reading: the caller, the list, one Rollout. Scripts send
//! `Authorization: Bearer TOKEN`; the pages send their session cookie.

use std::collections::BTreeSet;

use axum::{Json, extract::Path, http::HeaderMap};
use serde::Serialize;

use super::{
    auth::{Access, Identity, Verb},
    detail::{self, Detail},
    error::ApiError,
    feed::RolloutKey,
    server::{Shared, State},
    session::{Caller, allowed_actions, caller, require},
    view::Row,
};

/// The namespaces whose Rollouts someone may list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readable {
    /// Every namespace.
    All,
    /// These.
    Some(BTreeSet<String>),
}

impl Readable {
    /// Whether Rollouts of `namespace` may be listed.
    pub fn allows(&self, namespace: &str) -> bool {
        match self {
            Readable::All => true,
            Readable::Some(n) => n.contains(namespace),
        }
    }
}

/// Where the caller may list Rollouts: everywhere, else each namespace that has Rollouts,
/// asked one by one (answers are cached). Refused if nowhere.
pub async fn readable(shared: &Shared, caller: &Caller) -> Result<Readable, ApiError> {
    if shared.reviewer.authorize(&caller.who, &Access::list("")).await? {
        return Ok(Readable::All);
    }
    let namespaces: BTreeSet<String> =
        shared.caches.all().iter().filter_map(|r| r.metadata.namespace.clone()).collect();
    let mut allowed = BTreeSet::new();
    for ns in namespaces {
        if shared.reviewer.authorize(&caller.who, &Access::list(&ns)).await? {
            allowed.insert(ns);
        }
    }
    if allowed.is_empty() {
        // Nowhere: say so as for the cluster-wide question.
        require(shared, caller, &Access::list("")).await?;
    }
    Ok(Readable::Some(allowed))
}

/// The rows the caller may see.
pub fn rows(shared: &Shared, readable: &Readable) -> Vec<Row> {
    shared
        .caches
        .all()
        .iter()
        .filter(|r| readable.allows(r.metadata.namespace.as_deref().unwrap_or_default()))
        .map(|r| Row::of(r))
        .collect()
}

/// The detail of a Rollout the caller may read, with its Events.
pub async fn detail_for(shared: &Shared, caller: &Caller, key: &RolloutKey) -> Result<Detail, ApiError> {
    require(shared, caller, &Access::on(Verb::Get, &key.namespace, &key.name)).await?;
    with_events(shared, key).await.ok_or_else(|| ApiError::NotFound(format!("rollout {key} not found")))
}

/// The detail of a cached Rollout, with its Events (no access check).
pub async fn with_events(shared: &Shared, key: &RolloutKey) -> Option<Detail> {
    let mut d = detail::build(&shared.caches, &shared.feed, key)?;
    let uid = shared.caches.get(key).and_then(|(r, _)| r.metadata.uid.clone()).unwrap_or_default();
    match shared.events.of(&shared.client, &key.namespace, &uid).await {
        Ok(events) => d.events = events,
        Err(why) => d.events_error = Some(why),
    }
    Some(d)
}

/// `GET /api/v1/whoami`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    /// The caller.
    #[serde(flatten)]
    pub who: Identity,
    /// This replica.
    pub instance: String,
    /// Whether this replica leads.
    pub leader: bool,
}

/// `GET /api/v1/whoami`: the authenticated caller.
pub async fn whoami(state: State, headers: HeaderMap) -> Result<Json<WhoAmI>, ApiError> {
    let c = caller(&state, &headers).await?;
    Ok(Json(WhoAmI {
        who: c.who,
        instance: state.instance.clone(),
        leader: state.leadership.borrow().leader,
    }))
}

/// The list.
#[derive(Serialize)]
pub struct List {
    /// One per Rollout the caller may see.
    pub items: Vec<Row>,
}

/// `GET /api/v1/rollouts`.
pub async fn list(state: State, headers: HeaderMap) -> Result<Json<List>, ApiError> {
    let c = caller(&state, &headers).await?;
    let readable = readable(&state, &c).await?;
    Ok(Json(List { items: rows(&state, &readable) }))
}

/// A Rollout and what the caller may do with it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailReply {
    /// The Rollout.
    #[serde(flatten)]
    pub detail: Detail,
    /// The actions the caller may take (`promote`, `abort`, ...).
    pub allowed: Vec<Verb>,
}

/// `GET /api/v1/namespaces/{ns}/rollouts/{name}`.
pub async fn detail(
    state: State,
    headers: HeaderMap,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<DetailReply>, ApiError> {
    let c = caller(&state, &headers).await?;
    let key = RolloutKey::new(&namespace, &name);
    let detail = detail_for(&state, &c, &key).await?;
    let allowed = allowed_actions(&state, &c, &namespace, &name).await;
    Ok(Json(DetailReply { detail, allowed }))
}
