//! Every request is authenticated, then authorized before it is handled, as the real
//! server's filter chain does (so a refused request learns nothing, not even whether the
//! resource exists). A refusal is the real 403:
//!
//! ```text
//! rollouts.ramp.dev "web" is forbidden: User "alice" cannot patch resource "rollouts" in API
//! group "ramp.dev" in the namespace "shop"
//! ```
//!
//! A server-side apply of an object that does not exist creates it, so it needs `create` as
//! well as `patch` (the patch handler's create-on-update check).

use axum::http::{HeaderMap, Method};

use super::{UserInfo, attributes::RequestAttributes};
use crate::apiserver::{ApiServer, errors::ApiError, objects::object_key, params::Params, route};

/// `forbiddenMessage`: what the user cannot do, where.
pub fn forbidden_message(user: &UserInfo, request: &RequestAttributes) -> String {
    let Some(r) = &request.resource else {
        return format!("User {:?} cannot {} path {:?}", user.name, request.verb, request.path);
    };
    let resource = r.combined_resource();
    if r.namespace.is_empty() {
        format!(
            "User {:?} cannot {} resource {resource:?} in API group {:?} at the cluster scope",
            user.name, request.verb, r.group
        )
    } else {
        format!(
            "User {:?} cannot {} resource {resource:?} in API group {:?} in the namespace {:?}",
            user.name, request.verb, r.group, r.namespace
        )
    }
}

/// The 403 for a refused request (`responsewriters.Forbidden`): the message, HTML-sensitive
/// characters escaped, then the authorizer's reason when it gave one.
pub fn forbidden(user: &UserInfo, request: &RequestAttributes, reason: &str) -> ApiError {
    let message =
        forbidden_message(user, request).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let why = if reason.is_empty() { message } else { format!("{message}: {reason}") };
    match &request.resource {
        Some(r) => ApiError::forbidden(&r.group, &r.resource, &r.name, &why),
        None => ApiError::forbidden("", "", "", &why),
    }
}

impl ApiServer {
    /// Authenticates and authorizes a request; the user it is from. 401 for credentials
    /// that do not authenticate, 403 for a request the user may not make.
    pub fn admit(
        &self,
        method: &Method,
        path: &str,
        params: &Params,
        headers: &HeaderMap,
    ) -> Result<UserInfo, ApiError> {
        let user = self.authenticate(headers)?;
        self.authorize_request(&user, method, path, params, headers)?;
        Ok(user)
    }

    /// Whether `user` may make this request; the 403 when not.
    pub fn authorize_request(
        &self,
        user: &UserInfo,
        method: &Method,
        path: &str,
        params: &Params,
        headers: &HeaderMap,
    ) -> Result<(), ApiError> {
        if user.in_group(super::SYSTEM_MASTERS) {
            // Allowed everything, creates included: skip working out what it asks (every
            // what-if request is the credential-less admin's).
            return Ok(());
        }
        let request = RequestAttributes::from_request(method.as_str(), path, params);
        let decision = self.authorize(user, &request);
        if !decision.allowed {
            return Err(forbidden(user, &request, &decision.reason));
        }
        if *method == Method::PATCH && is_apply(headers) && self.would_create(path) {
            let mut create = request.clone();
            create.verb = "create".into();
            let decision = self.authorize(user, &create);
            if !decision.allowed
                && let Some(r) = &create.resource
            {
                // `withAuthorization`: the authorizer's reason alone, however short.
                return Err(ApiError::forbidden(&r.group, &r.resource, &r.name, &decision.reason));
            }
        }
        Ok(())
    }

    /// Whether `path` names an object that does not exist yet.
    fn would_create(&self, path: &str) -> bool {
        let Some(Ok(t)) = route::resolve(&self.registry, path) else { return false };
        match (&t.name, &t.sub) {
            (Some(name), None) => self.store.get(&object_key(&t.def, t.namespace.as_deref(), name)).is_none(),
            _ => false,
        }
    }
}

fn is_apply(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/apply-patch"))
}
