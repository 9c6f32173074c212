//! Tests of the protobuf decoder: real kubectl captures, kubectl-as-oracle fixtures, k8s-pb round
//! trips, and table checks against k8s-pb (tags, wire types) and k8s-openapi (names, coverage).

mod captures;
mod captures_auth;
mod errors;
mod fill;
mod oracle;
mod roundtrip;

use prost::Message as _;
use serde_json::{Map, Value};

use super::{MAGIC, decode};

/// Wraps a raw object in the `k8s\0` + runtime.Unknown envelope, as client-go does.
pub(super) fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
    use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
    let unknown = Unknown {
        type_meta: Some(TypeMeta { api_version: Some(api_version.to_owned()), kind: Some(kind.to_owned()) }),
        raw: Some(raw),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut body = MAGIC.to_vec();
    body.extend(unknown.encode_to_vec());
    body
}

/// Encodes a k8s-pb value, wraps it and decodes it.
pub(super) fn decode_pb(api_version: &str, kind: &str, value: &impl prost::Message) -> Value {
    decode(&envelope(api_version, kind, value.encode_to_vec())).unwrap()
}

/// The differences between two JSON values, one line per path. Keys in `ignore` that only
/// `ours` has are not differences; neither are `apiVersion`/`kind` that only `ours` has at the root.
pub(super) fn diff(ours: &Value, theirs: &Value, ignore: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("", ours, theirs, ignore, &mut out);
    out
}

fn diff_at(path: &str, ours: &Value, theirs: &Value, ignore: &[&str], out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => diff_objects(path, a, b, ignore, out),
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_at(&format!("{path}[{i}]"), x, y, ignore, out);
            }
        }
        _ if ours == theirs => {}
        _ => out.push(format!("{path}: ours {ours}, theirs {theirs}")),
    }
}

fn diff_objects(
    path: &str,
    ours: &Map<String, Value>,
    theirs: &Map<String, Value>,
    ignore: &[&str],
    out: &mut Vec<String>,
) {
    for (key, value) in ours {
        match theirs.get(key) {
            Some(other) => diff_at(&format!("{path}.{key}"), value, other, ignore, out),
            None if ignore.contains(&key.as_str()) => {}
            None if path.is_empty() && (key == "apiVersion" || key == "kind") => {}
            None => out.push(format!("{path}.{key}: ours {value}, theirs none")),
        }
    }
    for (key, value) in theirs {
        if !ours.contains_key(key) {
            out.push(format!("{path}.{key}: theirs {value}, ours none"));
        }
    }
}

/// Standard base64 (with padding) to bytes, for fixtures.
pub(super) fn unbase64(s: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("bad base64 {c}"),
    };
    let mut out = Vec::new();
    for chunk in s.trim_end_matches('=').as_bytes().chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, c)| n | u32::from(digit(*c)) << (18 - 6 * i));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn unbase64_inverts_the_encoder() {
    for s in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0, 255, 7, 8, 9]] {
        assert_eq!(unbase64(&super::scalars::base64(s)), s);
    }
}
