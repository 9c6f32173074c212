//! Logging in: a form takes a Kubernetes token (`kubectl create token NAME`, or the one in
//! your kubeconfig), the server checks it with a TokenReview and keeps it in the session
//! cookie; logging out clears the cookie.

use axum::{
    Form,
    extract::Query,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{Frame, esc, layout, page};
use crate::dashboard::{
    csrf,
    error::ApiError,
    server::{Shared, State},
    session::{self, caller, check_csrf},
};

/// `?next=` of the login form.
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    /// Where to go after logging in.
    #[serde(default)]
    pub next: String,
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// The bearer token.
    #[serde(default)]
    pub token: String,
    /// Where to go after.
    #[serde(default)]
    pub next: String,
}

/// The logout form's field.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// Only a path on this site (not `//elsewhere`), else `/`.
fn local(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") { next } else { "/" }
}

fn form(shared: &Shared, status: StatusCode, next: &str, problem: Option<&str>) -> Response {
    let body = format!(
        r#"<section class="card login"><h1>Log in</h1><p>Paste a Kubernetes bearer token: <code>kubectl create token NAME -n NAMESPACE</code> for a service account, or the token in your kubeconfig. The dashboard checks it with the API server (TokenReview) and lets you see and do what your RBAC allows.</p>{}<form method="post" action="/login"><input type="hidden" name="next" value="{}"><label>Token <input type="password" name="token" id="token" autocomplete="off" required></label><button type="submit">Log in</button></form></section>"#,
        problem.map(|p| format!(r#"<p class="error" role="alert">{}</p>"#, esc(p))).unwrap_or_default(),
        esc(local(next))
    );
    let frame = Frame {
        title: "Log in",
        page: "login",
        caller: None,
        watch: None,
        instance: &shared.instance,
        leader: shared.leadership.borrow().leader,
    };
    page(status, layout(&frame, &body))
}

/// `GET /login`.
pub async fn login_form(state: State, Query(q): Query<Next>) -> Response {
    form(&state, StatusCode::OK, &q.next, None)
}

/// Whether a token can live in a cookie (visible ASCII without `;`, `,`, quotes, `\`).
fn cookie_safe(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic() && !b";,\"\\".contains(&b))
}

/// `POST /login`: a same-origin form with a token the reviewer accepts sets the session.
pub async fn login(state: State, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    // Login CSRF: another site must not log a browser in as someone else.
    if let Err(e) = csrf::same_origin(&headers) {
        return form(&state, StatusCode::FORBIDDEN, &f.next, Some(&ApiError::from(e).to_string()));
    }
    let token = f.token.trim();
    if !cookie_safe(token) {
        return form(&state, StatusCode::BAD_REQUEST, &f.next, Some("that is not a bearer token"));
    }
    match state.reviewer.authenticate(token).await {
        Ok(Some(who)) => {
            tracing::info!(user = %who.username, "dashboard login");
            let mut r = Redirect::to(local(&f.next)).into_response();
            if let Some(c) = session::set_cookie(token, session::over_tls(&state, &headers)) {
                r.headers_mut().insert(header::SET_COOKIE, c);
            }
            r
        }
        Ok(None) => {
            form(&state, StatusCode::UNAUTHORIZED, &f.next, Some("the API server does not accept this token"))
        }
        Err(e) => form(&state, StatusCode::SERVICE_UNAVAILABLE, &f.next, Some(&e.to_string())),
    }
}

/// `POST /logout`: ends the session (a write: same origin and the CSRF field). The token is
/// checked before the body is read, so a request without one is a 401 whatever it sends.
pub async fn logout(state: State, req: axum::extract::Request) -> Response {
    use axum::extract::FromRequest;
    let headers = req.headers().clone();
    let c = match caller(&state, &headers).await {
        Ok(c) => c,
        // A write like any other: 401, not the login form.
        Err(ApiError::Unauthenticated) => {
            return form(&state, StatusCode::UNAUTHORIZED, "/", Some("you are not logged in"));
        }
        Err(e) => return super::error_page(&state, None, &e, "/"),
    };
    let csrf = match Form::<LogoutForm>::from_request(req, &()).await {
        Ok(Form(f)) => f.csrf,
        Err(_) => String::new(),
    };
    if let Err(e) = check_csrf(&c, &headers, Some(&csrf)) {
        return super::error_page(&state, Some(&c), &e, "/");
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, session::clear_cookie(session::over_tls(&state, &headers)));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_and_tokens_fit_a_cookie() {
        assert_eq!(local("/rollouts/a/b"), "/rollouts/a/b");
        assert_eq!(local("//evil.example/"), "/");
        assert_eq!(local("https://evil.example/"), "/");
        assert!(cookie_safe("eyJhbGciOi.JSUzI1NiJ9-_x"));
        assert!(!cookie_safe("a;b") && !cookie_safe("a b") && !cookie_safe(""));
    }
}
