//! The stylesheet, script and icon, compiled into the binary: the dashboard needs no CDN
//! and no network at run time.

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// The stylesheet.
pub const CSS: &str = include_str!("assets/app.css");
/// The script.
pub const JS: &str = include_str!("assets/app.js");
/// The icon.
pub const FAVICON: &str = include_str!("assets/favicon.svg");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Versioned with the binary: a short cache, revalidated after an upgrade.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    r
}

/// `GET /assets/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "app.css" => asset("text/css; charset=utf-8", CSS),
        "app.js" => asset("text/javascript; charset=utf-8", JS),
        _ => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// `GET /favicon.svg`.
pub async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON)
}
