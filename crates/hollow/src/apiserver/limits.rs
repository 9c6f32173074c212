//! The request limits of the real API server, with its answers: a body over
//! `MaxRequestBodyBytes` (3 MiB) is 413 `RequestEntityTooLarge`; JSON nested deeper than Go's
//! decoder allows (10,000 levels) is 400 `BadRequest` with the decoder's message.
//!
//! Headers: kube-apiserver serves with `MaxHeaderBytes` 1 MiB, and Go's HTTP server answers a
//! larger head with a plain-text 431 before any handler runs; here hyper does the same at its
//! own buffer limit (about 400 KiB, or more than 100 headers), also with 431 and no `Status`.

use axum::body::{Body, Bytes};
use http::{HeaderMap, header};

use super::errors::ApiError;

/// `--max-request-body-bytes` default (`DefaultMaxRequestSizeBytes`): 3 MiB.
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;
/// Go's `encoding/json` `maxNestingDepth`, which the API server's decoders inherit.
pub const MAX_JSON_DEPTH: usize = 10_000;

fn too_large() -> ApiError {
    ApiError {
        code: 413,
        reason: "RequestEntityTooLarge",
        message: format!("Request entity too large: limit is {MAX_REQUEST_BODY_BYTES}"),
        details: None,
        retry_after: None,
    }
}

/// Reads a request body, refusing one over the limit (by its Content-Length before reading,
/// or once more than the limit has arrived).
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_REQUEST_BODY_BYTES).await.map_err(|e| {
        // The limit's error (http-body-util's LengthLimitError) is only visible by its text.
        let over = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
            .any(|e| e.to_string().contains("length limit exceeded"));
        if over { too_large() } else { ApiError::bad_request(format!("error reading the request body: {e}")) }
    })
}

/// The bracket that takes a JSON text past [`MAX_JSON_DEPTH`] levels, if any. A byte scan:
/// it only tracks strings, so malformed input is left to the decoder.
pub fn nesting_exceeded(body: &[u8]) -> Option<u8> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Some(b);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The API server's answer to a body nested too deep, decoded as `kind`.
pub fn too_deep(kind: &str, body: &[u8], bracket: u8) -> ApiError {
    // `summarizeData`: the first 30 bytes of a JSON object body.
    let summary = match body.get(..30) {
        Some(head) => format!("{} ...", String::from_utf8_lossy(head)),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    ApiError::bad_request(format!(
        "the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: invalid character '{}' exceeded max depth ({summary})",
        bracket as char
    ))
}
