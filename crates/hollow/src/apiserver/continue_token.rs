//! List continue tokens in the real server's format: unpadded URL-safe base64 of
//! `{"v":"meta.k8s.io/v1","rv":N,"start":"<key after the last one returned>"}`, and the
//! errors it gives for tokens it cannot read.

use serde_json::Value;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// Decodes unpadded URL-safe base64; the error is Go's (`illegal base64 data at input byte N`).
fn decode(s: &str) -> Result<Vec<u8>, String> {
    let illegal = |i: usize| format!("illegal base64 data at input byte {i}");
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, c) in s.bytes().enumerate() {
        let v = ALPHABET.iter().position(|a| *a == c).ok_or_else(|| illegal(i))?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone trailing character carries fewer than 8 bits.
    if s.len() % 4 == 1 {
        return Err(illegal(s.len() - 1));
    }
    Ok(out)
}

/// A token that resumes a list after `start` (the key relative to the list's prefix).
pub fn encode_token(rv: u64, start: &str) -> String {
    // Field order as Go writes the struct.
    let start = Value::String(start.to_string());
    encode(format!(r#"{{"v":"meta.k8s.io/v1","rv":{rv},"start":{start}}}"#).as_bytes())
}

/// The key to start from and the list's resourceVersion; errors are the messages the real
/// server puts after `invalid continue token: `.
pub fn decode_token(token: &str) -> Result<(String, u64), String> {
    let generic = "continue key is not valid";
    let data = decode(token).map_err(|e| format!("{generic}: {e}"))?;
    let v: Value = serde_json::from_slice(&data).map_err(|_| {
        let first = data.first().map_or(String::new(), |b| char::from(*b).to_string());
        format!("{generic}: invalid character '{first}' looking for beginning of value")
    })?;
    match v["v"].as_str().unwrap_or_default() {
        "meta.k8s.io/v1" => {
            let rv = v["rv"].as_u64().unwrap_or(0);
            if rv == 0 {
                return Err(format!(
                    "{generic}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
                ));
            }
            let start = v["start"].as_str().unwrap_or_default();
            if start.is_empty() {
                return Err(format!("{generic}: encoded start key empty (version meta.k8s.io/v1)"));
            }
            if start.split('/').any(|s| s == ".." || s == ".") || start.starts_with('/') {
                return Err(format!("{generic}: {start}"));
            }
            Ok((start.to_string(), rv))
        }
        other => Err(format!("{generic}: server does not recognize this encoded version {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        for start in ["a\u{0}", "default/web\u{0}", "xy"] {
            assert_eq!(decode_token(&encode_token(42, start)), Ok((start.to_string(), 42)));
        }
        // The real server's token for rv 1, start "a".
        assert_eq!(encode_token(1, "a"), "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiJhIn0");
        assert_eq!(
            decode_token("!!"),
            Err("continue key is not valid: illegal base64 data at input byte 0".into())
        );
        assert_eq!(
            decode_token(&encode(b"xyz")),
            Err("continue key is not valid: invalid character 'x' looking for beginning of value".into())
        );
        assert_eq!(
            decode_token(&encode(br#"{"v":"x/v9","rv":1,"start":"a"}"#)),
            Err("continue key is not valid: server does not recognize this encoded version x/v9".into())
        );
        assert_eq!(
            decode_token(&encode(br#"{"v":"meta.k8s.io/v1","rv":0,"start":"a"}"#)),
            Err(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
                    .into()
            )
        );
    }
}
