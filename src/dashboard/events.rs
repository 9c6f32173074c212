//! Recent Kubernetes Events of a Rollout. The controller does not watch Events, so the
//! detail page lists them (by the Rollout's uid), at most once per [`FRESH_FOR`] per Rollout
//! however many pages show it.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use k8s_openapi::api::events::v1::Event;
use kube::{Api, Client, api::ListParams};
use serde::Serialize;
use tokio::time::Instant;

use crate::controller::act::bounded;

/// How long a listing is reused.
pub const FRESH_FOR: Duration = Duration::from_secs(2);
/// Events shown, newest first.
pub const SHOWN: usize = 20;

/// One Event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Why, in one word.
    pub reason: String,
    /// What happened.
    pub note: String,
    /// When it last happened.
    pub at: String,
    /// How many times (1 unless a series).
    pub count: i32,
}

/// A listing, or why there is none.
type Listing = Result<Vec<EventView>, String>;

/// Listings by Rollout uid.
#[derive(Debug, Default)]
pub struct RecentEvents {
    listed: Mutex<HashMap<String, (Instant, Listing)>>,
}

impl RecentEvents {
    /// The recent Events of the Rollout with `uid` in `namespace`, or why they cannot be read.
    pub async fn of(&self, client: &Client, namespace: &str, uid: &str) -> Listing {
        if let Some((at, found)) =
            self.listed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(uid)
            && at.elapsed() < FRESH_FOR
        {
            return found.clone();
        }
        let api: Api<Event> = Api::namespaced(client.clone(), namespace);
        let params = ListParams::default().fields(&format!("regarding.uid={uid}"));
        let found = match bounded(api.list(&params)).await {
            Ok(list) => Ok(newest(list.items)),
            Err(e) => Err(format!("cannot list events: {e}")),
        };
        let mut listed = self.listed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        listed.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
        listed.insert(uid.into(), (Instant::now(), found.clone()));
        found
    }
}

fn newest(events: Vec<Event>) -> Vec<EventView> {
    let mut views: Vec<(Option<jiff::Timestamp>, EventView)> = events
        .into_iter()
        .map(|e| {
            let at = e
                .series
                .as_ref()
                .map(|s| s.last_observed_time.0)
                .or_else(|| e.event_time.as_ref().map(|t| t.0))
                .or_else(|| e.deprecated_last_timestamp.as_ref().map(|t| t.0))
                .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0));
            let count = e.series.as_ref().map(|s| s.count).or(e.deprecated_count).unwrap_or(1);
            let view = EventView {
                type_: e.type_.unwrap_or_default(),
                reason: e.reason.unwrap_or_default(),
                note: e.note.unwrap_or_default(),
                at: at.map(|t| t.to_string()).unwrap_or_default(),
                count,
            };
            (at, view)
        })
        .collect();
    views.sort_by_key(|v| std::cmp::Reverse(v.0));
    views.into_iter().take(SHOWN).map(|(_, v)| v).collect()
}
