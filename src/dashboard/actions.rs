//! Actions: promote, promote-full, abort, retry, approve, reject. Each is authorized with a
//! SubjectAccessReview of its own verb on that Rollout, then carried out as `kubectl ramp`
//! does it: the `ramp.dev/request` annotation, written with the controller's client, naming
//! the authenticated user and groups and the revision the user saw. Any replica can take it:
//! the leader's controller carries the request out.
//!
//! Order of checks (nothing is written unless all pass): a valid token (401), for a cookie
//! session the CSRF token and same origin (403), the verb (403), the Rollout (404).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::{
    Json,
    body::Bytes,
    extract::Path,
    http::{HeaderMap, StatusCode, header},
};
use kube::{
    Api,
    api::{Patch, PatchParams},
};
use serde::{Deserialize, Serialize};

use super::{
    auth::{Access, Verb},
    error::ApiError,
    feed::RolloutKey,
    server::State,
    session::{caller, check_csrf, require},
};
use crate::{
    api::Rollout,
    controller::act::bounded,
    plan::request_patch::{NewRequest, request_id},
};

/// Field manager of the dashboard's writes (audit logs and managedFields show who wrote).
pub const FIELD_MANAGER: &str = "ramp-dashboard";
/// The longest message kept with a request.
pub const MAX_MESSAGE: usize = 1024;

/// What a button asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Past the current pause.
    Promote,
    /// Past every remaining step.
    PromoteFull,
    /// Back to stable.
    Abort,
    /// Start an aborted revision again.
    Retry,
    /// Approve the approval step.
    Approve,
    /// Reject it.
    Reject,
}

impl Action {
    /// The action named in a URL (`promote-full`, as `kubectl ramp promote --full`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "promote" => Action::Promote,
            "promote-full" | "promoteFull" => Action::PromoteFull,
            "abort" => Action::Abort,
            "retry" => Action::Retry,
            "approve" => Action::Approve,
            "reject" => Action::Reject,
            _ => return None,
        })
    }

    /// The verb that allows it.
    pub fn verb(self) -> Verb {
        match self {
            Action::Promote | Action::PromoteFull => Verb::Promote,
            Action::Abort => Verb::Abort,
            Action::Retry => Verb::Retry,
            Action::Approve => Verb::Approve,
            Action::Reject => Verb::Reject,
        }
    }

    /// The request's `op`.
    pub fn op(self) -> &'static str {
        use crate::plan::request::Op;
        match self {
            Action::Promote => Op::Promote,
            Action::PromoteFull => Op::PromoteFull,
            Action::Abort => Op::Abort,
            Action::Retry => Op::Retry,
            Action::Approve => Op::Approve,
            Action::Reject => Op::Reject,
        }
        .as_str()
    }
}

/// The body of an action (JSON; may be empty).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionBody {
    /// Why (kept with the request; shown with approvals).
    #[serde(default)]
    pub message: String,
    /// The updated revision the user saw; the controller refuses the request if it changed.
    /// Default: the revision cached now.
    #[serde(default)]
    pub revision: Option<String>,
    /// The CSRF token, for clients that send it in the body instead of the header.
    #[serde(default)]
    pub csrf: Option<String>,
}

/// What was written.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// The request's id (`status.lastRequest.id` once carried out).
    pub id: String,
    /// The op.
    pub op: &'static str,
    /// The Rollout.
    pub rollout: RolloutKey,
    /// Who asked.
    pub by: String,
    /// The revision it is bound to.
    pub revision: Option<String>,
}

/// Tells apart requests made in the same nanosecond by this replica.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// `POST /api/v1/namespaces/{ns}/rollouts/{name}/{action}`.
pub async fn act(
    state: State,
    headers: HeaderMap,
    Path((namespace, name, action)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let c = caller(&state, &headers).await?;
    let body = parse_body(&headers, &body)?;
    check_csrf(&c, &headers, body.csrf.as_deref())?;
    let action = Action::parse(&action).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no action {action:?}: promote, promote-full, abort, retry, approve or reject"
        ))
    })?;
    require(&state, &c, &Access::on(action.verb(), &namespace, &name)).await?;
    let key = RolloutKey::new(&namespace, &name);
    let (rollout, _) =
        state.caches.get(&key).ok_or_else(|| ApiError::NotFound(format!("rollout {key} not found")))?;
    if body.message.chars().count() > MAX_MESSAGE {
        return Err(ApiError::BadRequest(format!("the message is longer than {MAX_MESSAGE} characters")));
    }
    let revision = body
        .revision
        .filter(|r| !r.is_empty())
        .or_else(|| rollout.status.as_ref().and_then(|s| s.updated_revision.clone()));
    let now = state.clock.now();
    let suffix = format!(
        "{:x}{:x}",
        crate::plan::revision::fnv64(state.instance.as_bytes()) & 0xffff_ffff,
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    );
    let request = NewRequest {
        id: request_id(now, &suffix),
        op: action.op().into(),
        by: c.who.username.clone(),
        groups: c.who.groups.clone(),
        at: now.to_string(),
        message: body.message,
        revision: revision.clone(),
        to_revision: None,
    };
    let api: Api<Rollout> = Api::namespaced(state.client.clone(), &namespace);
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..Default::default() };
    match bounded(api.patch(&name, &params, &Patch::Merge(request.merge_patch()))).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 404 => {
            return Err(ApiError::NotFound(format!("rollout {key} not found")));
        }
        Err(e) => return Err(ApiError::Write(e.to_string())),
    }
    tracing::info!(rollout = %key, op = action.op(), by = %c.who.username, id = %request.id, "dashboard request written");
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted { id: request.id, op: action.op(), rollout: key, by: c.who.username, revision }),
    ))
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<ActionBody, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ActionBody::default());
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !json {
        return Err(ApiError::BadRequest(
            "send the body as application/json: {\"message\": \"...\", \"revision\": \"...\"}".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_verb_but_promote_full() {
        for (name, verb, op) in [
            ("promote", Verb::Promote, "promote"),
            ("promote-full", Verb::Promote, "promoteFull"),
            ("abort", Verb::Abort, "abort"),
            ("retry", Verb::Retry, "retry"),
            ("approve", Verb::Approve, "approve"),
            ("reject", Verb::Reject, "reject"),
        ] {
            let a = Action::parse(name).unwrap();
            assert_eq!((a.verb(), a.op()), (verb, op), "{name}");
        }
        assert!(Action::parse("delete").is_none());
    }

    #[test]
    fn bodies_are_json_or_empty() {
        let mut h = HeaderMap::new();
        assert!(parse_body(&h, b"").unwrap().message.is_empty());
        assert!(matches!(parse_body(&h, b"message=x"), Err(ApiError::BadRequest(_))));
        h.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let b = parse_body(&h, br#"{"message": "ship it", "revision": "abc"}"#).unwrap();
        assert_eq!((b.message.as_str(), b.revision.as_deref()), ("ship it", Some("abc")));
        assert!(matches!(parse_body(&h, br#"{"op": "abort"}"#), Err(ApiError::BadRequest(_))));
    }
}
