//! API errors as `metav1.Status` bodies with the codes and reasons the real server uses.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

/// An error response.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub code: u16,
    /// `metav1.StatusReason`.
    pub reason: &'static str,
    /// Message.
    pub message: String,
    /// `details` (name, group, kind, causes).
    pub details: Option<Value>,
    /// `Retry-After` seconds.
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self { code, reason, message: message.into(), details: None, retry_after: None }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 404 for a named object.
    pub fn not_found(qualified_plural: &str, name: &str) -> Self {
        let (kind, group) = split(qualified_plural);
        Self::new(404, "NotFound", format!("{qualified_plural} \"{name}\" not found"))
            .with_details(json!({"name": name, "group": group, "kind": kind}))
    }

    /// 404 for a path that serves nothing.
    pub fn no_route(path: &str) -> Self {
        Self::new(404, "NotFound", format!("the server could not find the requested resource ({path})"))
    }

    /// 409 AlreadyExists.
    pub fn already_exists(qualified_plural: &str, name: &str) -> Self {
        let (kind, group) = split(qualified_plural);
        Self::new(409, "AlreadyExists", format!("{qualified_plural} \"{name}\" already exists"))
            .with_details(json!({"name": name, "group": group, "kind": kind}))
    }

    /// 409 Conflict on a stale resourceVersion.
    pub fn conflict(qualified_plural: &str, name: &str, why: &str) -> Self {
        let (kind, group) = split(qualified_plural);
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {qualified_plural} \"{name}\": {why}"),
        )
        .with_details(json!({"name": name, "group": group, "kind": kind}))
    }

    /// 409 Conflict from server-side apply.
    pub fn apply_conflict(message: String, causes: Vec<Value>) -> Self {
        Self::new(409, "Conflict", message).with_details(json!({"causes": causes}))
    }

    /// 410 Gone (resourceVersion too old).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 415 for a patch type the resource does not take.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// 422 with field causes.
    pub fn invalid(qualified_kind: &str, name: &str, message: String, causes: Vec<Value>) -> Self {
        let (kind, group) = split(qualified_kind);
        Self::new(422, "Invalid", message)
            .with_details(json!({"name": name, "group": group, "kind": kind, "causes": causes}))
    }

    /// 413 for a body over the server's limit.
    pub fn entity_too_large(limit: impl std::fmt::Display) -> Self {
        Self::new(413, "RequestEntityTooLarge", format!("Request entity too large: {limit}"))
    }

    /// An error the real server passes on untyped (`StatusReasonUnknown`: no reason).
    pub fn unknown(code: u16, message: impl Into<String>) -> Self {
        Self::new(code, "", message)
    }

    /// 401: the credentials do not authenticate (the message is the real server's).
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 403 (`NewForbidden`): `resource.group "name" is forbidden: why`; `forbidden: why` when
    /// no resource is named (a non-resource path). `details` carries the group, the resource
    /// (as `kind`) and the name, each only when not empty.
    pub fn forbidden(group: &str, resource: &str, name: &str, why: &str) -> Self {
        let qualified = if group.is_empty() { resource.to_string() } else { format!("{resource}.{group}") };
        let message = match (resource.is_empty() && group.is_empty(), name.is_empty()) {
            (true, _) => format!("forbidden: {why}"),
            (false, true) => format!("{qualified} is forbidden: {why}"),
            (false, false) => format!("{qualified} {name:?} is forbidden: {why}"),
        };
        let mut details = serde_json::Map::new();
        for (k, v) in [("name", name), ("group", group), ("kind", resource)] {
            if !v.is_empty() {
                details.insert(k.into(), v.into());
            }
        }
        Self::new(403, "Forbidden", message).with_details(Value::Object(details))
    }

    /// 405.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// 429 with Retry-After.
    pub fn too_many_requests(message: impl Into<String>, retry_after: Option<u64>) -> Self {
        Self { retry_after, ..Self::new(429, "TooManyRequests", message) }
    }

    /// 503.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message)
    }

    /// 500.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    fn with_details(mut self, d: Value) -> Self {
        self.details = Some(d);
        self
    }

    /// The `Status` object.
    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": self.message, "reason": self.reason, "code": self.code,
        });
        if self.reason.is_empty()
            && let Some(o) = s.as_object_mut()
        {
            // `reason` is omitempty: an unknown reason is not written.
            o.remove("reason");
        }
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

fn split(qualified: &str) -> (&str, &str) {
    qualified.split_once('.').unwrap_or((qualified, ""))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, axum::Json(self.status())).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}
