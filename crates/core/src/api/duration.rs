//! Durations as users write them in manifests: `30s`, `5m`, `1h30m`.
//!
//! The spec keeps the string as written and parses it on use, so that a value that slipped
//! past the schema (an old CRD, a direct etcd write) surfaces as an `InvalidSpec` condition
//! with its field path instead of making the whole Rollout undecodable.

use std::{borrow::Cow, fmt, time::Duration};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// The grammar the schema enforces and [`DurationString::parse`] accepts: one or more
/// `<digits><unit>` groups, unit one of `ms`, `s`, `m`, `h`, `d`.
pub const DURATION_PATTERN: &str = "^([0-9]+(ms|s|m|h|d))+$";

/// Longest duration string accepted; bounds the CEL cost of the pattern check.
const MAX_LEN: usize = 32;

/// A humantime-style duration kept as its source text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DurationString(String);

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a duration such as 30s, 5m or 1h30m (units ms, s, m, h, d), got {value:?}")]
pub struct DurationError {
    value: String,
}

impl DurationString {
    /// Wraps a string without checking it; [`parse`](Self::parse) checks.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The text as written in the manifest.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the text into a [`Duration`].
    pub fn parse(&self) -> Result<Duration, DurationError> {
        let err = || DurationError { value: self.0.clone() };
        if self.0.is_empty() || self.0.len() > MAX_LEN || !follows_grammar(&self.0) {
            return Err(err());
        }
        humantime::parse_duration(&self.0).map_err(|_| err())
    }
}

impl From<&str> for DurationString {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl fmt::Display for DurationString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks [`DURATION_PATTERN`] without a regex engine.
fn follows_grammar(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let digits_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return false;
        }
        match (b.get(i), b.get(i + 1)) {
            (Some(b'm'), Some(b's')) => i += 2,
            (Some(b's' | b'm' | b'h' | b'd'), _) => i += 1,
            _ => return false,
        }
    }
    true
}

impl JsonSchema for DurationString {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "maxLength": MAX_LEN,
            "x-kubernetes-validations": [{
                "rule": format!("self.matches('{DURATION_PATTERN}')"),
                "message": "must be a duration such as 30s, 5m or 1h30m (units ms, s, m, h, d)"
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        for (text, secs) in [("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172_800), ("0s", 0)] {
            assert_eq!(DurationString::new(text).parse(), Ok(Duration::from_secs(secs)), "{text}");
        }
        assert_eq!(DurationString::new("250ms").parse(), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn refuses_what_the_schema_refuses() {
        for text in ["", "5", "m5", "5 m", "1.5h", "5min", "-5s", "10y", &"9".repeat(40)] {
            assert!(DurationString::new(text).parse().is_err(), "{text:?} should be refused");
        }
    }
}
