//! Query parameters and headers of an API request.

use std::collections::HashMap;

use axum::http::HeaderMap;

use super::objects::Writer;

/// The query string, parsed.
#[derive(Clone, Debug, Default)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// A parameter.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// A boolean parameter (`true`, `1`).
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("true" | "1"))
    }

    /// A number.
    pub fn number(&self, k: &str) -> Option<u64> {
        self.get(k).and_then(|v| v.parse().ok())
    }

    /// The writer: `fieldManager`, else derived from the user agent as the real server does.
    pub fn writer(&self, headers: &HeaderMap) -> Writer {
        let manager = self.get("fieldManager").map(str::to_string).unwrap_or_else(|| {
            let ua = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("unknown");
            ua.split('/').next().unwrap_or(ua).to_string()
        });
        Writer {
            manager,
            dry_run: self.get("dryRun") == Some("All"),
            strict: self.get("fieldValidation") == Some("Strict"),
        }
    }
}

/// Whether the client asked for a `meta.k8s.io` Table.
pub fn wants_table(headers: &HeaderMap) -> bool {
    headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("as=Table"))
}
