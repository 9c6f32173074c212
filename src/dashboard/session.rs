//! Finding the caller's token (the `Authorization` header first, else the session cookie)
//! and the cookie itself: HttpOnly (no script reads it), SameSite=Strict (no other site's
//! request carries it), Secure when the dashboard is reached over TLS.

use http::{HeaderMap, HeaderValue, header};

use super::{
    auth::{Access, Identity, Verb},
    csrf,
    error::ApiError,
    server::Shared,
};

/// The session cookie's name.
pub const COOKIE: &str = "ramp_session";
/// How long a browser keeps the cookie (the token is still reviewed on every request, so a
/// revoked or expired token stops working before that).
pub const COOKIE_MAX_AGE_SECONDS: u64 = 8 * 3600;

/// How the token came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer` (scripts): not CSRF-prone.
    Bearer,
    /// The session cookie (browsers): writes need the CSRF token and a same-origin request.
    Cookie,
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Who.
    pub who: Identity,
    /// How the token came.
    pub via: Via,
    /// The token (for the CSRF token of cookie sessions).
    pub token: String,
}

impl Caller {
    /// The CSRF token pages embed for this session.
    pub fn csrf_token(&self) -> String {
        csrf::token_for(&self.token)
    }
}

/// The token a request carries, and how.
pub fn token(headers: &HeaderMap) -> Option<(String, Via)> {
    if let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, rest) = auth.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| (rest.trim().to_string(), Via::Bearer))
            .filter(|(t, _)| !t.is_empty());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| (value.to_string(), Via::Cookie))
}

/// Authenticates the request's caller.
pub async fn caller(shared: &Shared, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let (token, via) = token(headers).ok_or(ApiError::Unauthenticated)?;
    let who = shared.reviewer.authenticate(&token).await?.ok_or(ApiError::Unauthenticated)?;
    Ok(Caller { who, via, token })
}

/// Requires `what` of the caller.
pub async fn require(shared: &Shared, caller: &Caller, what: &Access) -> Result<(), ApiError> {
    if shared.reviewer.authorize(&caller.who, what).await? {
        return Ok(());
    }
    let target = match (what.namespace.as_str(), what.name.as_str()) {
        ("", _) => "rollouts in all namespaces".to_string(),
        (ns, "") => format!("rollouts in namespace {ns}"),
        (ns, name) => format!("rollout {ns}/{name}"),
    };
    Err(ApiError::Forbidden { user: caller.who.username.clone(), verb: what.verb.as_str(), target })
}

/// For a write: a cookie session must show its CSRF token (`presented`) and come from a page
/// of this host; a Bearer caller is exempt.
pub fn check_csrf(caller: &Caller, headers: &HeaderMap, presented: Option<&str>) -> Result<(), ApiError> {
    if caller.via == Via::Bearer {
        return Ok(());
    }
    csrf::same_origin(headers)?;
    let presented = presented.or_else(|| headers.get(csrf::HEADER).and_then(|v| v.to_str().ok()));
    match presented {
        Some(t) if csrf::valid(&caller.token, t) => Ok(()),
        _ => Err(csrf::CsrfError::Token.into()),
    }
}

/// Whether the request reached us over TLS (directly, or through a proxy that says so).
pub fn over_tls(shared: &Shared, headers: &HeaderMap) -> bool {
    shared.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` of a new session.
pub fn set_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={COOKIE_MAX_AGE_SECONDS}{secure}"
    ))
    .ok()
}

/// The `Set-Cookie` that ends a session.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("ramp_session=; Path=/; Max-Age=0"))
}

/// The action verbs `caller` may use on Rollout `namespace/name` (asked at once).
pub async fn allowed_actions(shared: &Shared, caller: &Caller, namespace: &str, name: &str) -> Vec<Verb> {
    let asks = Verb::ACTIONS.map(|v| Access::on(v, namespace, name));
    let answers =
        futures::future::join_all(asks.iter().map(|a| shared.reviewer.authorize(&caller.who, a))).await;
    Verb::ACTIONS.into_iter().zip(answers).filter(|(_, ok)| matches!(ok, Ok(true))).map(|(v, _)| v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_header_wins_over_the_cookie() {
        let both = headers(&[("authorization", "Bearer abc"), ("cookie", "ramp_session=xyz")]);
        assert_eq!(token(&both), Some(("abc".into(), Via::Bearer)));
        let cookie = headers(&[("cookie", "theme=dark; ramp_session=xyz")]);
        assert_eq!(token(&cookie), Some(("xyz".into(), Via::Cookie)));
        assert_eq!(token(&headers(&[("authorization", "Basic abc")])), None);
        assert_eq!(token(&headers(&[("cookie", "ramp_session=")])), None);
        assert_eq!(token(&HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_same_site_strict() {
        let c = set_cookie("t0k", false).unwrap();
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && !c.contains("Secure"), "{c}");
        assert!(set_cookie("t0k", true).unwrap().to_str().unwrap().ends_with("; Secure"));
        assert!(clear_cookie(false).to_str().unwrap().contains("Max-Age=0"));
    }
}
