//! String `format`s a CRD schema may use, and the checks kube-openapi's `strfmt.Default`
//! registry runs for them; plus the regular-expression matching `pattern` needs (through
//! the CEL engine's `matches`, which is RE2-like as Go's `regexp` is).
//!
//! Formats outside the apiextensions list (`int32`, `int64`, `float`, `double`, ...) are
//! stripped before validation by the real server (`StripUnsupportedFormatsPostProcess`), so
//! they check nothing here either. `email`, `uri`, `isbn*` and `creditcard` are accepted
//! without a check.

use std::net::IpAddr;

use kube_cel::cel::{Context, Program, Value as CelValue};

/// Format names the apiextensions-apiserver validates (after removing `-`).
const SUPPORTED: [&str; 24] = [
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
    "byte",
    "password",
    "date",
    "duration",
    "datetime",
];

/// The format as the validator sees it: empty when unsupported.
pub(crate) fn effective(format: &str) -> &str {
    if SUPPORTED.contains(&format.replace('-', "").as_str()) { format } else { "" }
}

/// Whether `s` is valid for the (supported) `format`.
pub(crate) fn check(format: &str, s: &str) -> bool {
    let re = |p: &str| regex_match(p, s).unwrap_or(false);
    match format.replace('-', "").as_str() {
        "datetime" => is_date_time(s),
        "date" => is_date(s),
        "duration" => is_duration(s),
        "byte" => is_base64(s),
        "ipv4" => s.parse::<IpAddr>().is_ok() && s.contains('.'),
        "ipv6" => s.parse::<IpAddr>().is_ok() && s.contains(':'),
        "cidr" => is_cidr(s),
        "mac" => re(
            r"^([0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(([:-])[0-9A-Fa-f]{2}){4}((([:-])[0-9A-Fa-f]{2}){2}|(([:-])[0-9A-Fa-f]{2}){14})?|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){6})?)$",
        ),
        "uuid" => re(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$"),
        "uuid3" => re(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$"),
        "uuid4" => re(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"),
        "uuid5" => re(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"),
        "hostname" => {
            re(
                r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$",
            ) && s.len() <= 255
                && s.split('.').all(|p| p.len() <= 63)
        }
        "hexcolor" => re(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"),
        "rgbcolor" => re(
            r"^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$",
        ),
        "ssn" => re(r"^\d{3}[- ]?\d{2}[- ]?\d{4}$"),
        "bsonobjectid" => s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()),
        _ => true,
    }
}

thread_local! {
    static MATCHES: (Option<Program>, Context<'static>) =
        (Program::compile("s.matches(p)").ok(), Context::default());
}

/// Whether `pattern` matches anywhere in `s` (Go's `regexp.MatchString`); `Err` with the
/// reason when the pattern does not compile.
pub(crate) fn regex_match(pattern: &str, s: &str) -> Result<bool, String> {
    MATCHES.with(|(program, base)| {
        let Some(program) = program else { return Err("regular expressions are unavailable".into()) };
        let mut ctx = base.new_inner_scope();
        ctx.add_variable_from_value("s", s.to_string());
        ctx.add_variable_from_value("p", pattern.to_string());
        match program.execute(&ctx) {
            Ok(CelValue::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("unexpected result {other:?}")),
            Err(e) => Err(e.to_string()),
        }
    })
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `time.Parse("2006-01-02", s)`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (y, m, d) = (&s[0..4], &s[5..7], &s[8..10]);
    if !(digits(y) && digits(m) && digits(d)) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `strfmt.IsDateTime`: a date, `t`, then `hh:mm:ss[.frac](z|±hh:mm)`, case-insensitive.
fn is_date_time(s: &str) -> bool {
    if s.len() < 4 {
        return false;
    }
    let lower = s.to_lowercase();
    let parts: Vec<&str> = lower.split('t').collect();
    if parts.len() < 2 || !is_date(parts[0]) {
        return false;
    }
    let t = parts[1];
    let (Some(hh), Some(mm), Some(ss), Some(rest)) = (t.get(0..2), t.get(3..5), t.get(6..8), t.get(8..))
    else {
        return false;
    };
    if t.get(2..3) != Some(":") || t.get(5..6) != Some(":") {
        return false;
    }
    if !(digits(hh) && digits(mm) && digits(ss)) || hh > "23" || mm > "59" || ss > "59" {
        return false;
    }
    // `(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$`
    let zone = |z: &str| {
        z == "z"
            || (z.len() == 6 && z.starts_with(['+', '-']) && z.get(3..4) == Some(":") && {
                let (a, b) = (z.get(1..3).unwrap_or(""), z.get(4..6).unwrap_or(""));
                digits(a) && digits(b)
            })
    };
    let fraction = rest.chars().next().is_some_and(|c| {
        let after = &rest[c.len_utf8()..];
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        n > 0 && c != '\n' && zone(&after[n..])
    });
    zone(rest) || fraction
}

/// `strfmt.ParseDuration`: a Go duration (`1h30m`), or number-unit pairs such as `3 days`.
fn is_duration(s: &str) -> bool {
    is_go_duration(s) || is_loose_duration(s)
}

fn is_go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        if num == 0 || rest[..num] == *"." {
            return false;
        }
        rest = &rest[num..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .find(|u| rest.starts_with(**u) && !(**u == "m" && rest.starts_with("ms")));
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
    }
    true
}

fn is_loose_duration(s: &str) -> bool {
    const UNITS: [&[&str]; 8] = [
        &["ns", "nano"],
        &["us", "µs", "micro"],
        &["ms", "milli"],
        &["s", "sec"],
        &["m", "min"],
        &["h", "hr", "hour"],
        &["d", "day"],
        &["w", "wk", "week"],
    ];
    let mut rest = s;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        rest = &rest[start..];
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        let after = rest[n..].trim_start();
        let unit_len = after.find(|c: char| !(c.is_ascii_alphabetic() || c == 'µ')).unwrap_or(after.len());
        let unit = after[..unit_len].to_lowercase();
        if !unit.is_empty()
            && UNITS.iter().any(|vs| {
                vs.iter().enumerate().any(|(i, v)| unit == *v || (i == vs.len() - 1 && unit.starts_with(v)))
            })
        {
            return true;
        }
        rest = &after[unit_len..];
    }
    false
}

/// `govalidator.IsBase64` (standard alphabet, padded).
fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let alpha = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let pad = b.iter().rev().take_while(|c| **c == b'=').count();
    pad <= 2 && b[..b.len() - pad].iter().all(|c| alpha(*c))
}

/// `net.ParseCIDR`.
fn is_cidr(s: &str) -> bool {
    let Some((ip, bits)) = s.split_once('/') else { return false };
    let Ok(ip) = ip.parse::<IpAddr>() else { return false };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    digits(bits) && bits.parse::<u32>().is_ok_and(|n| n <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_formats() {
        assert_eq!(effective("date-time"), "date-time");
        assert_eq!(effective("int32"), "");
        assert_eq!(effective("int64"), "");
    }

    #[test]
    fn date_time() {
        for ok in ["2024-02-29T10:00:00Z", "2024-01-01t23:59:59.123+02:00", "2024-01-01T00:00:00-05:30"] {
            assert!(check("date-time", ok), "{ok}");
        }
        for bad in [
            "",
            "yesterday",
            "2023-02-29T10:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T10:00:00",
            "2024-01-01",
        ] {
            assert!(!check("date-time", bad), "{bad}");
        }
    }

    #[test]
    fn other_formats() {
        assert!(check("date", "2024-12-31") && !check("date", "2024-13-01"));
        assert!(check("duration", "1h30m") && check("duration", "3 days") && !check("duration", "soon"));
        assert!(check("byte", "aGVsbG8=") && !check("byte", "aGVsbG8"));
        assert!(check("ipv4", "10.0.0.1") && !check("ipv4", "::1") && check("ipv6", "::1"));
        assert!(check("cidr", "10.0.0.0/8") && !check("cidr", "10.0.0.0/33"));
        assert!(check("uuid", "123e4567-e89b-12d3-a456-426614174000") && !check("uuid", "nope"));
        assert!(check("hostname", "web.example.com") && !check("hostname", "-bad-"));
        assert!(check("mac", "01:23:45:67:89:ab") && !check("mac", "01:23"));
    }

    #[test]
    fn patterns() {
        assert_eq!(regex_match("^[a-z]+$", "abc"), Ok(true));
        assert_eq!(regex_match("^[a-z]+$", "aBc"), Ok(false));
        assert!(regex_match("(", "x").is_err());
    }
}
