//! Cross-site request forgery defences for requests that a browser authenticates with the
//! session cookie (a Bearer header is not sent by a browser on its own, so those are exempt):
//!
//! - a CSRF token: HMAC-SHA256 of a fixed label, keyed with the session token itself. The page
//!   carries it (a `<meta>` the script sends back in the `X-CSRF-Token` header, or a hidden
//!   form field); another site cannot read the page or the HttpOnly cookie, so cannot make
//!   it. Any replica can check it from the cookie alone: no shared secret, no server state.
//! - the `Origin` (else `Referer`) must name this host. A request with neither is refused.

use http::{HeaderMap, header};

use crate::gates::sign;

/// The header a page sends the token in.
pub const HEADER: &str = "x-csrf-token";
/// The form field a page sends the token in.
pub const FIELD: &str = "csrf";
const LABEL: &[u8] = b"ramp.dev/dashboard csrf v1";

/// Why a cookie-authenticated write was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    /// No CSRF token, or a wrong one.
    #[error("missing or invalid CSRF token (reload the page)")]
    Token,
    /// Neither `Origin` nor `Referer`.
    #[error("the request names no Origin or Referer")]
    NoOrigin,
    /// From another site.
    #[error("the request comes from another origin ({0})")]
    Foreign(String),
}

/// The CSRF token of a session (`sha256=<hex>`, as webhook signatures are written).
pub fn token_for(session: &str) -> String {
    sign::signature(session.as_bytes(), LABEL)
}

/// Whether `presented` is the CSRF token of `session` (compared in constant time).
pub fn valid(session: &str, presented: &str) -> bool {
    sign::verify(session.as_bytes(), LABEL, presented)
}

/// Checks that the request comes from a page of this host.
pub fn same_origin(headers: &HeaderMap) -> Result<(), CsrfError> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST).unwrap_or_default().to_ascii_lowercase();
    let from = match text(header::ORIGIN).filter(|o| *o != "null") {
        Some(o) => o,
        None => text(header::REFERER).ok_or(CsrfError::NoOrigin)?,
    };
    match authority(from) {
        Some((scheme, auth))
            if !host.is_empty() && strip_default_port(scheme, &auth) == strip_default_port(scheme, &host) =>
        {
            Ok(())
        }
        _ => Err(CsrfError::Foreign(from.chars().take(200).collect())),
    }
}

/// `scheme` and lower-cased `host[:port]` of an origin or URL.
fn authority(url: &str) -> Option<(&str, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    // user:password@host is not an origin a browser sends.
    (!auth.is_empty() && !auth.contains('@')).then(|| (scheme, auth.to_ascii_lowercase()))
}

fn strip_default_port<'a>(scheme: &str, auth: &'a str) -> &'a str {
    match scheme {
        "https" => auth.strip_suffix(":443").unwrap_or(auth),
        "http" => auth.strip_suffix(":80").unwrap_or(auth),
        _ => auth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_token_belongs_to_its_session() {
        let t = token_for("session-a");
        assert!(valid("session-a", &t));
        assert!(!valid("session-b", &t), "another session's token");
        assert!(!valid("session-a", ""));
        assert!(!valid("session-a", "zz"));
        assert!(!valid("session-a", &t[..t.len() - 2]));
        assert_eq!(t, token_for("session-a"), "any replica computes the same");
    }

    #[test]
    fn only_this_host_may_send_writes() {
        let ok = headers(&[("host", "ramp.example:8443"), ("origin", "https://ramp.example:8443")]);
        assert_eq!(same_origin(&ok), Ok(()));
        let default_port = headers(&[("host", "ramp.example"), ("origin", "https://ramp.example:443")]);
        assert_eq!(same_origin(&default_port), Ok(()));
        let referer =
            headers(&[("host", "127.0.0.1:9000"), ("referer", "http://127.0.0.1:9000/rollouts/a/b")]);
        assert_eq!(same_origin(&referer), Ok(()));
        let foreign = headers(&[("host", "ramp.example"), ("origin", "https://evil.example")]);
        assert!(matches!(same_origin(&foreign), Err(CsrfError::Foreign(_))));
        let lookalike = headers(&[("host", "ramp.example"), ("origin", "https://ramp.example.evil")]);
        assert!(same_origin(&lookalike).is_err());
        let null = headers(&[("host", "ramp.example"), ("origin", "null")]);
        assert_eq!(same_origin(&null), Err(CsrfError::NoOrigin));
        assert_eq!(same_origin(&headers(&[("host", "ramp.example")])), Err(CsrfError::NoOrigin));
    }
}
