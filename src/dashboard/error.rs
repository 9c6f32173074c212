//! How the dashboard says no: each refusal a status code and one clear sentence, as JSON
//! (`{"error": "..."}`) for the API; pages turn the same errors into HTML.

use axum::{
    Json,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::{auth::ReviewError, csrf::CsrfError};

/// A refusal or failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or one the reviewer does not accept.
    #[error("authentication required: send Authorization: Bearer TOKEN (a Kubernetes token), or log in")]
    Unauthenticated,
    /// Authenticated, not allowed.
    #[error("{user} may not {verb} {target}")]
    Forbidden {
        /// Who asked.
        user: String,
        /// The verb on rollouts.ramp.dev that was denied.
        verb: &'static str,
        /// What on.
        target: String,
    },
    /// A cookie-authenticated write without the CSRF protections.
    #[error("refused: {0}")]
    Csrf(#[from] CsrfError),
    /// No such Rollout (or action).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// Authentication or authorization could not be decided.
    #[error(transparent)]
    Review(#[from] ReviewError),
    /// The request annotation could not be written.
    #[error("cannot write the request to the Rollout: {0}")]
    Write(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } | ApiError::Csrf(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Review(ReviewError::Unavailable(_)) | ApiError::Write(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Review(ReviewError::Refused(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, "dashboard request failed");
        }
        let body = Json(serde_json::json!({"error": self.to_string(), "code": status.as_u16()}));
        if status == StatusCode::UNAUTHORIZED {
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response();
        }
        (status, body).into_response()
    }
}
