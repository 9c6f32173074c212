//! Decodes `application/vnd.kubernetes.protobuf` request bodies into the JSON the real API
//! server would see, for the built-in kinds `kubectl` sends as protobuf (`kubectl create
//! deployment|job|namespace|configmap|secret|service|serviceaccount|poddisruptionbudget`, the
//! `DeleteOptions` of `kubectl drain --disable-eviction`, evictions from Go clients, ...).
//!
//! ```text
//!  body = "k8s\0" ++ runtime.Unknown{ typeMeta{apiVersion, kind}, raw }
//!                                  │                               │
//!                     tables::root(apiVersion, kind)        render::message(table, raw)
//!                                  └──────────► JSON object + apiVersion + kind
//! ```
//!
//! The JSON is what Go's `encoding/json` writes for the struct gogo-protobuf decodes, so a
//! protobuf body and the JSON body the same client would have sent decode to the same value:
//! field names as in the API (`hostIP`, `podIPs`), absent pointers omitted, non-pointer fields
//! with `omitempty` omitted when zero, required fields and structs always present (hence
//! `"creationTimestamp": null`, `"strategy": {}`, `"resources": {}`), IntOrString as a number or
//! string, Quantity as its string, Time/MicroTime as RFC 3339, `bytes` as base64, maps as
//! objects and FieldsV1/RawExtension as the embedded JSON. See `schema::Emit`.

mod render;
mod scalars;
mod schema;

pub(crate) use scalars::base64;
mod tables;
mod wire;

#[cfg(test)]
mod tests;

use serde_json::Value;

/// A body that is not a protobuf-encoded object of a supported kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

impl DecodeError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// Prefixes the JSON path of the field the error happened in.
    pub(crate) fn within(self, json: &str) -> Self {
        match (json.is_empty(), self.0.strip_prefix("at ")) {
            (true, _) => self,
            (false, Some(rest)) => Self(format!("at {json}.{rest}")),
            (false, None) => Self(format!("at {json}: {}", self.0)),
        }
    }
}

/// The magic prefix of Kubernetes' protobuf encoding.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// The content type of Kubernetes' protobuf encoding.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Decodes a `application/vnd.kubernetes.protobuf` body (the `k8s\0` magic, then a
/// runtime.Unknown envelope with typeMeta {apiVersion, kind} and raw bytes) into the object's
/// JSON, with `apiVersion` and `kind` set.
pub fn decode(body: &[u8]) -> Result<Value, DecodeError> {
    let envelope = body.strip_prefix(MAGIC.as_slice()).ok_or_else(|| {
        DecodeError::new(
            "provided data does not appear to be a protobuf message, expected prefix \"k8s\\x00\"",
        )
    })?;
    let unknown = Envelope::parse(envelope)?;
    let (api_version, kind) = (unknown.api_version.as_str(), unknown.kind.as_str());
    if kind.is_empty() {
        return Err(DecodeError::new("protobuf envelope has no kind"));
    }
    let msg = tables::root(api_version, kind).ok_or_else(|| {
        DecodeError::new(format!("unsupported kind {kind:?} (apiVersion {api_version:?}) in a protobuf body"))
    })?;
    let mut object = render::message(msg, &unknown.raw)
        .map_err(|e| DecodeError::new(format!("decoding {api_version} {kind}: {}", e.0)))?;
    object.insert("apiVersion".to_owned(), Value::String(unknown.api_version));
    object.insert("kind".to_owned(), Value::String(unknown.kind));
    Ok(Value::Object(object))
}

/// `runtime.Unknown`: `typeMeta = 1` {`apiVersion = 1`, `kind = 2`}, `raw = 2`,
/// `contentEncoding = 3`, `contentType = 4` (both ignored, as the API server ignores them).
struct Envelope {
    api_version: String,
    kind: String,
    raw: Vec<u8>,
}

impl Envelope {
    fn parse(buf: &[u8]) -> Result<Self, DecodeError> {
        let bytes = render::bytes_of;
        let mut envelope = Self { api_version: String::new(), kind: String::new(), raw: Vec::new() };
        for (tag, value) in wire::fields(buf)? {
            match tag {
                1 => {
                    for (tag, value) in wire::fields(bytes(value)?)? {
                        match tag {
                            1 => envelope.api_version = scalars::go_string(bytes(value)?),
                            2 => envelope.kind = scalars::go_string(bytes(value)?),
                            _ => {}
                        }
                    }
                }
                2 => envelope.raw = bytes(value)?.to_vec(),
                _ => {}
            }
        }
        Ok(envelope)
    }
}
