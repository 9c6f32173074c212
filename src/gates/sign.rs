//! HMAC-SHA256 signatures of webhook bodies: `X-Ramp-Signature-256: sha256=<hex>`, computed over
//! the exact bytes sent, with the key from the webhook's Secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Ramp-Signature-256";

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length (longer keys are hashed): this cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable_mac(),
    }
}

#[allow(clippy::panic)] // HMAC's new_from_slice only errs for fixed-length-key MACs
fn unreachable_mac() -> HmacSha256 {
    panic!("HMAC-SHA256 accepts keys of any length")
}

/// The header value for `body` under `key`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    let mut m = mac(key);
    m.update(body);
    let bytes = m.finalize().into_bytes();
    let mut out = String::with_capacity(7 + bytes.len() * 2);
    out.push_str("sha256=");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whether `header` is the signature of `body` under `key` (compared in constant time), as a
/// receiver checks it.
pub fn verify(key: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else { return false };
    if hex.len() % 2 != 0 {
        return false;
    }
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect();
    let Some(bytes) = bytes else { return false };
    let mut m = mac(key);
    m.update(body);
    m.verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_test_vector_and_verifies() {
        // RFC 4231, test case 2.
        let sig = signature(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert!(verify(b"Jefe", b"what do ya want for nothing?", &sig));
        assert!(!verify(b"Jefe", b"what do ya want for nothing!", &sig), "another body");
        assert!(!verify(b"jefe", b"what do ya want for nothing?", &sig), "another key");
        assert!(!verify(b"Jefe", b"x", "sha256=zz"));
        assert!(!verify(b"Jefe", b"x", "md5=00"));
    }
}
