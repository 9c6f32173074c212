//! The JSON forms Go gives the special scalar types: `metav1.Time`/`MicroTime`, `resource.Quantity`,
//! `[]byte` (base64) and strings holding invalid UTF-8.

use super::DecodeError;

/// Seconds from 0001-01-01T00:00:00Z (Go's zero `time.Time`) to the Unix epoch.
const ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Renders `time.Unix(seconds, nanos)` as `metav1.Time` (`micros == false`, RFC 3339 in seconds)
/// or `metav1.MicroTime` (`micros == true`, six fractional digits, truncated), always in UTC.
/// `None` is Go's zero time, which both types render as `null`.
pub(crate) fn timestamp(seconds: i64, nanos: i32, micros: bool) -> Option<String> {
    let total = i128::from(seconds) + i128::from(nanos).div_euclid(1_000_000_000);
    let nanos = i128::from(nanos).rem_euclid(1_000_000_000);
    if total == i128::from(ZERO_TIME_UNIX) && nanos == 0 {
        return None;
    }
    let days = total.div_euclid(86_400);
    let secs = total.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let sign = if year < 0 { "-" } else { "" };
    let mut out = format!(
        "{sign}{:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        year.unsigned_abs(),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if micros {
        out.push_str(&format!(".{:06}", nanos / 1000));
    }
    out.push('Z');
    Some(out)
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a proleptic Gregorian date.
fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

/// Checks a quantity string the way `resource.ParseQuantity` does (the decoder rejects what it
/// rejects) and returns it unchanged. Go would re-render it in canonical form; Go clients only
/// ever send canonical forms, so passing it through gives the same JSON for them.
pub(crate) fn quantity(s: &str) -> Result<String, DecodeError> {
    let bad = || {
        DecodeError::new(format!(
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {s:?}"
        ))
    };
    if s.is_empty() {
        return Err(bad());
    }
    if s == "0" {
        return Ok(s.to_owned());
    }
    let b = s.as_bytes();
    let mut pos = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        pos += 1;
    }
    let digits = |pos: &mut usize| {
        while b.get(*pos).is_some_and(u8::is_ascii_digit) {
            *pos += 1;
        }
    };
    digits(&mut pos);
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        digits(&mut pos);
    }
    let suffix_start = pos;
    while b.get(pos).is_some_and(|c| b"eEinumkKMGTP".contains(c)) {
        pos += 1;
    }
    if matches!(b.get(pos), Some(b'+' | b'-')) {
        pos += 1;
    }
    digits(&mut pos);
    if pos != b.len() {
        return Err(bad());
    }
    let suffix = &s[suffix_start..];
    let known = matches!(
        suffix,
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
    );
    let exponent = suffix.len() > 1 && suffix.starts_with(['e', 'E']) && suffix[1..].parse::<i64>().is_ok();
    if known || exponent {
        Ok(s.to_owned())
    } else {
        Err(DecodeError::new(format!("unable to parse quantity's suffix: {s:?}")))
    }
}

/// Standard base64 with padding, as Go's `encoding/json` renders `[]byte`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A Go string rendered by `encoding/json`: each byte of an invalid UTF-8 sequence becomes U+FFFD.
pub(crate) fn go_string(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                out.extend(std::iter::repeat_n('\u{fffd}', chunk.invalid().len()));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_render_like_go() {
        assert_eq!(timestamp(1_767_225_600, 0, false).as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(timestamp(1_767_225_600, 999_999_999, false).as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(
            timestamp(1_767_225_600, 123_456_789, true).as_deref(),
            Some("2026-01-01T00:00:00.123456Z")
        );
        assert_eq!(timestamp(0, 0, false).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(timestamp(951_782_400, 0, false).as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(timestamp(-1, 0, true).as_deref(), Some("1969-12-31T23:59:59.000000Z"));
        assert_eq!(timestamp(0, -1_000, true).as_deref(), Some("1969-12-31T23:59:59.999999Z"));
        assert_eq!(timestamp(ZERO_TIME_UNIX, 0, false), None);
        assert_eq!(
            timestamp(ZERO_TIME_UNIX - 86_400 * 366, 0, false).as_deref(),
            Some("0000-01-01T00:00:00Z")
        );
        assert_eq!(timestamp(253_402_300_800, 0, false).as_deref(), Some("10000-01-01T00:00:00Z"));
        assert!(timestamp(i64::MIN, i32::MIN, true).is_some());
        assert!(timestamp(i64::MAX, i32::MAX, true).is_some());
    }

    #[test]
    fn quantities_follow_go_grammar() {
        for ok in ["0", "1", "100m", "1.5Gi", "-2", "+3k", "1e3", "1E-3", "0.5", ".5", "1.", "5Ei", "7n", "-"]
        {
            assert_eq!(quantity(ok).as_deref(), Ok(ok), "{ok}");
        }
        for bad in ["", "1K", "1e", "abc", "1 ", " 1", "1Ki2", "1.2.3", "1e+", "--1", "1mm"] {
            assert!(quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64_matches_std_encoding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"b"), "Yg==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(&[0xfb, 0xff, 0xfe, 0x00]), "+//+AA==");
    }

    #[test]
    fn invalid_utf8_is_replaced_per_byte() {
        assert_eq!(go_string(b"ok"), "ok");
        assert_eq!(go_string(b"a\xe2\x82b"), "a\u{fffd}\u{fffd}b");
        assert_eq!(go_string(b"\xff"), "\u{fffd}");
    }
}
