//! Server-rendered pages. Each page is whole HTML without script; `app.js` then subscribes
//! to `/api/v1/watch` and swaps in the fragments the server renders for each change (the
//! same functions render the page and the fragments, so they cannot drift apart).

mod charts;
pub mod detail;
pub mod list;
mod login;

use std::fmt::Write;

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};

pub use login::{login, login_form, logout};

use super::{
    api::{detail_for, readable, rows},
    error::ApiError,
    feed::RolloutKey,
    server::{Shared, State},
    session::{Caller, allowed_actions, caller},
};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A URL path segment, percent-encoded.
pub fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// What a page needs to know about the session and the replica.
pub struct Frame<'a> {
    /// The page title.
    pub title: &'a str,
    /// `list`, `detail` or `login`.
    pub page: &'a str,
    /// The caller, when logged in.
    pub caller: Option<&'a Caller>,
    /// The event stream the page subscribes to.
    pub watch: Option<String>,
    /// This replica.
    pub instance: &'a str,
    /// Whether it leads.
    pub leader: bool,
}

/// The page around `body`.
pub fn layout(f: &Frame<'_>, body: &str) -> String {
    let csrf = f.caller.map(Caller::csrf_token).unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="csrf-token" content="{csrf}"><title>{title} · Ramp</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/assets/app.css"></head><body data-page="{page}"{watch}><header class="top"><a class="brand" href="/"><img src="/favicon.svg" alt="" width="22" height="22">Ramp</a>"#,
        title = esc(f.title),
        page = esc(f.page),
        watch = f.watch.as_deref().map(|w| format!(r#" data-watch="{}""#, esc(w))).unwrap_or_default(),
    );
    if let Some(c) = f.caller {
        let _ = write!(
            out,
            r#"<span id="live" class="live" title="live updates">connecting</span><span class="who" title="{groups}">{user}</span><form class="logout" method="post" action="/logout"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">Log out</button></form>"#,
            user = esc(&c.who.username),
            groups = esc(&c.who.groups.join(", ")),
        );
    }
    let _ = write!(
        out,
        r#"</header><main>{body}</main><footer>served by {} ({})</footer><script src="/assets/app.js" defer></script></body></html>"#,
        esc(f.instance),
        if f.leader { "leader" } else { "follower: actions are carried out by the leader" }
    );
    out
}

/// A page response with the headers every page carries.
pub fn page(status: StatusCode, html: String) -> Response {
    let mut r = (status, Html(html)).into_response();
    no_store(r.headers_mut());
    r
}

/// Headers that keep pages and API answers out of caches.
pub fn no_store(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// An error as a page: the login form for a missing session, else a short explanation.
pub fn error_page(shared: &Shared, caller: Option<&Caller>, e: &ApiError, back_to: &str) -> Response {
    if matches!(e, ApiError::Unauthenticated) {
        return Redirect::to(&format!("/login?next={}", seg(back_to))).into_response();
    }
    let body = format!(
        r#"<section class="card error"><h1>{}</h1><p>{}</p><p><a href="/">All rollouts</a></p></section>"#,
        e.status(),
        esc(&e.to_string())
    );
    let frame = Frame {
        title: "Error",
        page: "error",
        caller,
        watch: None,
        instance: &shared.instance,
        leader: shared.leadership.borrow().leader,
    };
    page(e.status(), layout(&frame, &body))
}

/// `GET /`: every Rollout the caller may list.
pub async fn list_page(state: State, headers: HeaderMap) -> Response {
    let c = match caller(&state, &headers).await {
        Ok(c) => c,
        Err(e) => return error_page(&state, None, &e, "/"),
    };
    let readable = match readable(&state, &c).await {
        Ok(r) => r,
        Err(e) => return error_page(&state, Some(&c), &e, "/"),
    };
    let body = list::body(&rows(&state, &readable));
    let frame = Frame {
        title: "Rollouts",
        page: "list",
        caller: Some(&c),
        watch: Some("/api/v1/watch".into()),
        instance: &state.instance,
        leader: state.leadership.borrow().leader,
    };
    page(StatusCode::OK, layout(&frame, &body))
}

/// `GET /rollouts/{namespace}/{name}`.
pub async fn detail_page(
    state: State,
    headers: HeaderMap,
    Path((namespace, name)): Path<(String, String)>,
) -> Response {
    let here = format!("/rollouts/{}/{}", seg(&namespace), seg(&name));
    let c = match caller(&state, &headers).await {
        Ok(c) => c,
        Err(e) => return error_page(&state, None, &e, &here),
    };
    let key = RolloutKey::new(&namespace, &name);
    let d = match detail_for(&state, &c, &key).await {
        Ok(d) => d,
        Err(e) => return error_page(&state, Some(&c), &e, &here),
    };
    let allowed = allowed_actions(&state, &c, &namespace, &name).await;
    let body = detail::body(&d, &allowed, state.clock.now());
    let frame = Frame {
        title: &format!("{key}"),
        page: "detail",
        caller: Some(&c),
        watch: Some(format!("/api/v1/watch?namespace={}&name={}", seg(&namespace), seg(&name))),
        instance: &state.instance,
        leader: state.leadership.borrow().leader,
    };
    page(StatusCode::OK, layout(&frame, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_urls_are_escaped() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(seg("web app/1"), "web%20app%2F1");
    }
}
