//! Timestamps parsed and re-encoded as the real server's types do: `metav1.Time` (RFC 3339,
//! written back in UTC to the second: `2026-01-01T00:00:00Z`) and `metav1.MicroTime` (exactly
//! six fractional digits: `2026-01-01T00:00:00.000000Z`; Lease `renewTime`/`acquireTime`,
//! Event `eventTime` and `series.lastObservedTime`). Which field has which type is a table
//! per kind; a value Go's `time.Parse` refuses is the real 400 decode error.

use jiff::{Timestamp, civil::DateTime, tz::Offset};
use serde_json::Value;

/// The two encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// `metav1.Time`.
    Seconds,
    /// `metav1.MicroTime`.
    Micros,
}

use Precision::{Micros, Seconds};

/// Paths (`/`-separated, `*` for every list item) of the time fields of every object.
const META: &[(&str, Precision)] = &[
    ("metadata/creationTimestamp", Seconds),
    ("metadata/deletionTimestamp", Seconds),
    ("metadata/managedFields/*/time", Seconds),
];

const CONDITIONS: &[(&str, Precision)] = &[
    ("status/conditions/*/lastTransitionTime", Seconds),
    ("status/conditions/*/lastUpdateTime", Seconds),
    ("status/conditions/*/lastProbeTime", Seconds),
    ("status/conditions/*/lastHeartbeatTime", Seconds),
];

const POD: &[(&str, Precision)] = &[
    ("status/startTime", Seconds),
    ("status/containerStatuses/*/state/running/startedAt", Seconds),
    ("status/containerStatuses/*/state/terminated/startedAt", Seconds),
    ("status/containerStatuses/*/state/terminated/finishedAt", Seconds),
    ("status/containerStatuses/*/lastState/terminated/startedAt", Seconds),
    ("status/containerStatuses/*/lastState/terminated/finishedAt", Seconds),
];

const EVENT: &[(&str, Precision)] = &[
    ("firstTimestamp", Seconds),
    ("lastTimestamp", Seconds),
    ("eventTime", Micros),
    ("series/lastObservedTime", Micros),
];

const LEASE: &[(&str, Precision)] = &[("spec/renewTime", Micros), ("spec/acquireTime", Micros)];

const JOB: &[(&str, Precision)] = &[("status/startTime", Seconds), ("status/completionTime", Seconds)];

/// The time fields of a built-in kind besides metadata's.
pub fn fields(kind: &str) -> Vec<(&'static str, Precision)> {
    let own: &[(&str, Precision)] = match kind {
        "Pod" => POD,
        "Event" => EVENT,
        "Lease" => LEASE,
        "Job" => JOB,
        _ => &[],
    };
    let conditions =
        if matches!(kind, "Event" | "Lease" | "ConfigMap" | "Secret") { &[][..] } else { CONDITIONS };
    META.iter().chain(conditions).chain(own).copied().collect()
}

const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
const RFC3339_MICRO: &str = "2006-01-02T15:04:05.000000Z07:00";

/// Reads `value` with Go's RFC 3339 layouts; the error is Go's `time.Parse` message.
pub fn parse(value: &str, precision: Precision) -> Result<Timestamp, String> {
    let layout = if precision == Micros { RFC3339_MICRO } else { RFC3339 };
    let fail = |rest: &str, elem: &str| {
        format!("parsing time {value:?} as {layout:?}: cannot parse {rest:?} as {elem:?}")
    };
    let b = value.as_bytes();
    let mut at = 0;
    let mut nums = [0i64; 6];
    let elems = [
        ("2006", 4),
        ("-", 0),
        ("01", 2),
        ("-", 0),
        ("02", 2),
        ("T", 0),
        ("15", 2),
        (":", 0),
        ("04", 2),
        (":", 0),
        ("05", 2),
    ];
    let mut n = 0;
    for (elem, digits) in elems {
        let rest = &value[at..];
        if digits == 0 {
            if !rest.starts_with(elem) {
                return Err(fail(rest, elem));
            }
            at += elem.len();
            continue;
        }
        let chunk = b
            .get(at..at + digits)
            .filter(|c| c.iter().all(u8::is_ascii_digit))
            .ok_or_else(|| fail(rest, elem))?;
        nums[n] = std::str::from_utf8(chunk).unwrap_or("0").parse().unwrap_or(0);
        n += 1;
        at += digits;
    }
    let mut nanos = 0i64;
    let frac_digits = b[at..].iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
    let has_frac = b.get(at) == Some(&b'.') && frac_digits > 0;
    if precision == Micros && (!has_frac || frac_digits < 6) {
        return Err(fail(&value[at..], ".000000"));
    }
    if has_frac {
        let take = if precision == Micros { 6 } else { frac_digits };
        let digits = &value[at + 1..at + 1 + take];
        nanos = format!("{digits:0<9}")[..9].parse().unwrap_or(0);
        at += 1 + take;
    }
    let rest = &value[at..];
    let offset_secs = if let Some(r) = rest.strip_prefix('Z') {
        at += 1;
        let _ = r;
        0
    } else {
        let ob = rest.as_bytes();
        let ok = ob.len() >= 6
            && (ob[0] == b'+' || ob[0] == b'-')
            && ob[1..3].iter().all(u8::is_ascii_digit)
            && ob[3] == b':'
            && ob[4..6].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(fail(rest, "Z07:00"));
        }
        at += 6;
        let h: i64 = rest[1..3].parse().unwrap_or(0);
        let m: i64 = rest[4..6].parse().unwrap_or(0);
        (h * 3600 + m * 60) * if ob[0] == b'-' { -1 } else { 1 }
    };
    if at < value.len() {
        return Err(format!("parsing time {value:?}: extra text: {:?}", &value[at..]));
    }
    let range = |what: &str| format!("parsing time {value:?}: {what} out of range");
    let [year, month, day, hour, minute, second] = nums;
    if !(1..=12).contains(&month) {
        return Err(range("month"));
    }
    if hour > 23 {
        return Err(range("hour"));
    }
    if minute > 59 {
        return Err(range("minute"));
    }
    if second > 59 {
        return Err(range("second"));
    }
    let dt = DateTime::new(
        year as i16,
        month as i8,
        day as i8,
        hour as i8,
        minute as i8,
        second as i8,
        nanos as i32,
    )
    .map_err(|_| range("day"))?;
    let offset = Offset::from_seconds(offset_secs as i32).map_err(|e| e.to_string())?;
    offset.to_timestamp(dt).map_err(|e| e.to_string())
}

/// Writes a time the way the type does.
pub fn format(t: Timestamp, precision: Precision) -> String {
    match precision {
        Seconds => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Micros => t.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string(),
    }
}

fn visit(
    v: &mut Value,
    path: &[&str],
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else { return f(v) };
    match (*first, v) {
        ("*", Value::Array(items)) => items.iter_mut().try_for_each(|i| visit(i, rest, f)),
        (k, Value::Object(m)) => match m.get_mut(k) {
            Some(child) => visit(child, rest, f),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Re-encodes every time field of a built-in object in place; the error is the message Go's
/// decoder gives for the first unreadable one.
pub fn normalize(kind: &str, obj: &mut Value) -> Result<(), String> {
    for (path, precision) in fields(kind) {
        let parts: Vec<&str> = path.split('/').collect();
        visit(obj, &parts, &mut |v| {
            match v {
                Value::String(s) if s.is_empty() => *v = Value::Null,
                Value::String(s) => *v = Value::String(format(parse(s, precision)?, precision)),
                Value::Null => {}
                other => {
                    return Err(format!(
                        "json: cannot unmarshal {} into Go value of type string",
                        if other.is_number() {
                            "number"
                        } else if other.is_boolean() {
                            "bool"
                        } else {
                            "object"
                        }
                    ));
                }
            }
            Ok(())
        })?;
    }
    if kind == "Event"
        && let Some(m) = obj.as_object_mut()
    {
        // Fields the v1 Event always writes (no omitempty).
        for k in ["eventTime", "firstTimestamp", "lastTimestamp"] {
            m.entry(k).or_insert(Value::Null);
        }
        for k in ["reportingComponent", "reportingInstance"] {
            m.entry(k).or_insert(Value::String(String::new()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn both_types_round_trip_in_their_precision() {
        let t = parse("2026-01-01T01:00:00.123456789+01:00", Seconds).unwrap();
        assert_eq!(format(t, Seconds), "2026-01-01T00:00:00Z");
        assert_eq!(format(t, Micros), "2026-01-01T00:00:00.123456Z");
        let t = parse("2026-01-01T00:00:00.100000Z", Micros).unwrap();
        assert_eq!(format(t, Micros), "2026-01-01T00:00:00.100000Z");
    }

    #[test]
    fn go_parse_errors() {
        let cases = [
            (
                "2026-01-01T00:00:00Z",
                Micros,
                "parsing time \"2026-01-01T00:00:00Z\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"Z\" as \".000000\"",
            ),
            (
                "yesterday",
                Seconds,
                "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\"",
            ),
            (
                "2026/01/01",
                Seconds,
                "parsing time \"2026/01/01\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"/01/01\" as \"-\"",
            ),
            ("2026-13-01T00:00:00Z", Seconds, "parsing time \"2026-13-01T00:00:00Z\": month out of range"),
            (
                "2026-01-01T00:00:00Zjunk",
                Seconds,
                "parsing time \"2026-01-01T00:00:00Zjunk\": extra text: \"junk\"",
            ),
            (
                "2026-01-01T00:00:00",
                Seconds,
                "parsing time \"2026-01-01T00:00:00\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"Z07:00\"",
            ),
        ];
        for (value, precision, want) in cases {
            assert_eq!(parse(value, precision), Err(want.to_string()), "{value}");
        }
    }

    #[test]
    fn normalizes_per_kind() {
        let mut lease = json!({"metadata": {"creationTimestamp": "2026-01-01T00:00:00.5Z"},
                               "spec": {"renewTime": "2026-01-01T00:00:01.250000Z", "holderIdentity": "a"}});
        normalize("Lease", &mut lease).unwrap();
        assert_eq!(lease["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(lease["spec"]["renewTime"], "2026-01-01T00:00:01.250000Z");
        let mut pod = json!({"status": {"conditions": [{"type": "Ready", "lastTransitionTime": "2026-01-01T00:00:00+02:00"}]}});
        normalize("Pod", &mut pod).unwrap();
        assert_eq!(pod["status"]["conditions"][0]["lastTransitionTime"], "2025-12-31T22:00:00Z");
        let mut ev = json!({"eventTime": "2026-01-01T00:00:00Z"});
        assert!(normalize("Event", &mut ev).unwrap_err().contains("cannot parse \"Z\" as \".000000\""));
    }
}
