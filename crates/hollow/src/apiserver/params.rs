//! Query parameters and headers of an API request.

use std::collections::HashMap;

use axum::http::HeaderMap;

use super::{errors::ApiError, objects::Writer};

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

/// `resourceVersionMatch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RvMatch {
    /// Unset.
    Any,
    /// `NotOlderThan`.
    NotOlderThan,
    /// `Exact`.
    Exact,
}

/// The list options of a GET of a collection, parsed and validated as the real server does
/// (`metainternalversion.ListOptions` decoding, then `ValidateListOptions`).
#[derive(Clone, Debug)]
pub struct ListOptions {
    /// `limit` (0: no limit).
    pub limit: u64,
    /// `continue`.
    pub continue_token: Option<String>,
    /// `resourceVersion` as sent.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub rv_match: RvMatch,
}

/// An integer query parameter as Go's `strconv.ParseInt` reads it.
fn int_param(p: &Params, k: &str) -> Result<Option<i64>, ApiError> {
    let Some(v) = p.get(k) else { return Ok(None) };
    v.parse::<i64>().map(Some).map_err(|e| {
        let why = if matches!(
            e.kind(),
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
        ) {
            "value out of range"
        } else {
            "invalid syntax"
        };
        ApiError::bad_request(format!("strconv.ParseInt: parsing {v:?}: {why}"))
    })
}

impl ListOptions {
    /// Parses and validates; errors are the real server's 400 (decoding) and 422 (validation).
    pub fn parse(p: &Params) -> Result<Self, ApiError> {
        let limit = int_param(p, "limit")?.unwrap_or(0).max(0).unsigned_abs();
        int_param(p, "timeoutSeconds")?;
        let resource_version = p.get("resourceVersion").map(str::to_string);
        let continue_token = p.get("continue").map(str::to_string);
        let mut errs = Vec::new();
        let rv_match = match p.get("resourceVersionMatch") {
            None => RvMatch::Any,
            Some(m) => {
                let forbidden = |why: &str| format!("resourceVersionMatch: Forbidden: {why}");
                if resource_version.is_none() {
                    errs.push(forbidden(
                        "resourceVersionMatch is forbidden unless resourceVersion is provided",
                    ));
                }
                if continue_token.is_some() {
                    errs.push(forbidden("resourceVersionMatch is forbidden when continue is provided"));
                }
                match m {
                    "Exact" => {
                        if resource_version.as_deref() == Some("0") {
                            errs.push(forbidden(
                                "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                            ));
                        }
                        RvMatch::Exact
                    }
                    "NotOlderThan" => RvMatch::NotOlderThan,
                    other => {
                        errs.push(format!(
                            "resourceVersionMatch: Unsupported value: {other:?}: supported values: \"Exact\", \"NotOlderThan\", \"\""
                        ));
                        RvMatch::Any
                    }
                }
            }
        };
        if p.0.contains_key("sendInitialEvents") && !p.flag("watch") {
            errs.push("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list".to_string());
        }
        if !errs.is_empty() {
            let joined = if errs.len() == 1 { errs[0].clone() } else { format!("[{}]", errs.join(", ")) };
            let causes: Vec<serde_json::Value> = errs
                .iter()
                .map(|e| {
                    let (field, msg) = e.split_once(": ").unwrap_or(("", e));
                    let reason = if msg.starts_with("Forbidden") {
                        "FieldValueForbidden"
                    } else {
                        "FieldValueNotSupported"
                    };
                    serde_json::json!({"reason": reason, "message": msg, "field": field})
                })
                .collect();
            return Err(ApiError::invalid(
                "ListOptions.meta.k8s.io",
                "",
                format!("ListOptions.meta.k8s.io \"\" is invalid: {joined}"),
                causes,
            ));
        }
        Ok(Self { limit, continue_token, resource_version, rv_match })
    }

    /// The requested resourceVersion as a number (`None` when unset or `0`); 400 when it is
    /// not one.
    pub fn min_rv(&self) -> Result<Option<u64>, ApiError> {
        parse_rv(self.resource_version.as_deref())
    }
}

/// A `resourceVersion` parameter: `None` when unset or `0`; the real 400 when not a number.
pub fn parse_rv(rv: Option<&str>) -> Result<Option<u64>, ApiError> {
    match rv {
        None | Some("" | "0") => Ok(None),
        Some(v) => v.parse::<u64>().map(Some).map_err(|e| {
            let why = if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) {
                "value out of range"
            } else {
                "invalid syntax"
            };
            ApiError::bad_request(format!(
                "invalid resource version: resourceVersion: Invalid value: {v:?}: strconv.ParseUint: parsing {v:?}: {why}"
            ))
        }),
    }
}

/// The 504 the real server answers when asked for a resourceVersion it has not reached
/// (after waiting 3 s for it): `Timeout: Too large resource version`, retry after 1 s.
pub fn too_large_rv(requested: u64, current: u64) -> ApiError {
    ApiError {
        code: 504,
        reason: "Timeout",
        message: format!("Timeout: Too large resource version: {requested}, current: {current}"),
        details: Some(serde_json::json!({
            "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            "retryAfterSeconds": 1,
        })),
        retry_after: Some(1),
    }
}
