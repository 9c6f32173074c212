//! Authentication: who a request is from.
//!
//! - `Authorization: Bearer T` (the scheme in any case): a static token or a service-account
//!   token the server issued, unexpired, whose ServiceAccount still exists with the same uid.
//!   Any other token is a 401 `Unauthorized`, as the real server answers.
//! - No `Authorization` header at all: the default admin ([`super::DEFAULT_ADMIN`], in
//!   `system:masters`). The real server would take this for `system:anonymous`; the hollow
//!   cluster keeps its credential-less kubeconfig and tests working (see docs/sim.md).
//! - An `Authorization` header that carries no bearer token (`Basic ...`, `Bearer` with nothing
//!   after it): `system:anonymous`, as with the real server's anonymous authentication.
//!
//! Every authenticated user also gets `system:authenticated`.

use axum::http::HeaderMap;

use super::{
    UserInfo, service_account_user,
    tokens::{IssuedToken, Known},
};
use crate::apiserver::{ApiServer, errors::ApiError, objects::object_key};

/// The credential-id extra key service-account tokens carry.
pub const CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";

/// Why a bearer token does not authenticate (the message a TokenReview reports).
pub const INVALID_TOKEN: &str = "invalid bearer token";

/// What the `Authorization` header holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// No header.
    None,
    /// A header without a usable bearer token.
    Other,
    /// `Bearer <token>`.
    Bearer(String),
}

impl Credentials {
    /// Reads the `Authorization` header as the bearer-token authenticator does.
    pub fn of(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else { return Self::None };
        let value = String::from_utf8_lossy(value.as_bytes());
        let value = value.trim();
        if value.is_empty() {
            return Self::None;
        }
        let mut parts = value.splitn(3, ' ');
        match (parts.next(), parts.next()) {
            (Some(scheme), Some(token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
                Self::Bearer(token.to_string())
            }
            _ => Self::Other,
        }
    }
}

impl ApiServer {
    /// The user a request is from; 401 for a bearer token the server does not accept.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<UserInfo, ApiError> {
        match Credentials::of(headers) {
            Credentials::None => Ok(UserInfo::default_admin()),
            Credentials::Other => Ok(UserInfo::anonymous()),
            Credentials::Bearer(token) => {
                self.authenticate_token(&token, &[]).map_err(|_| ApiError::unauthorized())
            }
        }
    }

    /// The user a token stands for (with `system:authenticated`), or why it does not
    /// authenticate. `audiences` (empty: the server's own) must meet a service-account
    /// token's.
    pub fn authenticate_token(&self, token: &str, audiences: &[String]) -> Result<UserInfo, String> {
        match self.tokens.lookup(token) {
            Some(Known::Static(user)) => Ok(user.with_authenticated_group()),
            Some(Known::Issued(issued)) => self.service_account_token(&issued, audiences),
            None => Err(INVALID_TOKEN.to_string()),
        }
    }

    fn service_account_token(&self, issued: &IssuedToken, audiences: &[String]) -> Result<UserInfo, String> {
        let invalid = |why: &str| Err(format!("[{INVALID_TOKEN}, {why}]"));
        if self.clock.now() >= issued.expires {
            return invalid("service account token has expired");
        }
        let wanted =
            if audiences.is_empty() { super::token_request::api_audiences() } else { audiences.to_vec() };
        if !issued.audiences.iter().any(|a| wanted.contains(a)) {
            return invalid(&format!(
                "token audiences {:?} is invalid for the target audiences {:?}",
                issued.audiences, wanted
            ));
        }
        let current = self
            .registry
            .lookup("", "v1", "serviceaccounts")
            .and_then(|def| self.store.get(&object_key(&def, Some(&issued.namespace), &issued.name)));
        if current.is_none_or(|sa| sa.pointer("/metadata/uid").and_then(|u| u.as_str()) != Some(&issued.uid))
        {
            return invalid(&format!(
                "service account {}/{} has been deleted",
                issued.namespace, issued.name
            ));
        }
        let mut user = UserInfo::new(
            service_account_user(&issued.namespace, &issued.name),
            &["system:serviceaccounts", &format!("system:serviceaccounts:{}", issued.namespace)],
        );
        user.uid = issued.uid.clone();
        user.extra.insert(CREDENTIAL_ID.to_string(), vec![format!("JTI={}", issued.id)]);
        Ok(user.with_authenticated_group())
    }
}
