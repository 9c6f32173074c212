//! How the API server prints a `field.Error` (`k8s.io/apimachinery/pkg/util/validation/field`):
//! the bad value as Go prints it (`%q` for strings, `%v` for numbers, `json.Marshal` for the
//! rest), and the constructors (`field.Invalid`, `field.Required`, ...) as [`FieldCause`]s.

use std::fmt::Write as _;

use serde_json::Value;

use super::FieldCause;

/// A `field.Error` bad value, typed as it is in Go's unstructured objects.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bad {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `nil`, printed by `json.Marshal` as `null`.
    Null,
    /// A map or a slice, printed by `json.Marshal`.
    Json(Value),
    /// A typed Go value already printed (`%#v` of a struct, as built-in validation prints).
    Raw(String),
}

impl Bad {
    /// The value as `encoding/json` decodes it into `interface{}` (integers that fit in `int64`
    /// stay integers, as in `runtime.DefaultUnstructuredConverter`).
    pub(crate) fn of(v: &Value) -> Self {
        match v {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Self::Int(i),
                None => Self::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Self::Str(s.clone()),
            Value::Array(_) | Value::Object(_) => Self::Json(v.clone()),
        }
    }

    pub(crate) fn str(s: &str) -> Self {
        Self::Str(s.to_string())
    }

    fn render(&self) -> String {
        match self {
            Self::Str(s) => go_quote(s),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => go_float(*f),
            Self::Bool(b) => b.to_string(),
            Self::Null => "null".to_string(),
            Self::Json(v) => go_json(v),
            Self::Raw(s) => s.clone(),
        }
    }
}

/// `strconv.Quote`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `fmt.Sprintf("%v", f)` for a `float64`: the shortest representation, in `%e` form when the
/// exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`).
pub(crate) fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let exp = exponent(f);
    if (-4..6).contains(&exp) { format!("{f}") } else { go_exp(f) }
}

/// `encoding/json`'s float encoding: `%f` form for 1e-6 <= |f| < 1e21, else `%e` form.
fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) { format!("{f}") } else { go_exp(f).replace("e-0", "e-") }
}

fn exponent(f: f64) -> i32 {
    let s = format!("{f:e}");
    s.rsplit_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0)
}

fn go_exp(f: f64) -> String {
    let s = format!("{f:e}");
    let (mantissa, exp) = s.rsplit_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// `json.Marshal` of an unstructured value: keys sorted, `<`, `>` and `&` escaped as Go does.
pub(crate) fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&i.to_string()),
            None => out.push_str(&go_json_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => write_json_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_str(k, out);
                out.push(':');
                if let Some(item) = map.get(k) {
                    write_json(item, out);
                }
            }
            out.push('}');
        }
    }
}

fn write_json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `ErrorBody()`: `<Type>[: <bad value>][: <detail>]`.
fn body(kind: &str, bad: Option<&Bad>, detail: &str) -> String {
    let mut s = kind.to_string();
    if let Some(b) = bad {
        s.push_str(": ");
        s.push_str(&b.render());
    }
    if !detail.is_empty() {
        s.push_str(": ");
        s.push_str(detail);
    }
    s
}

impl FieldCause {
    fn new(reason: &'static str, field: &str, message: String) -> Self {
        Self { reason, message, field: field.to_string() }
    }

    /// `field.Invalid`.
    pub(crate) fn invalid(field: &str, bad: &Bad, detail: &str) -> Self {
        Self::new("FieldValueInvalid", field, body("Invalid value", Some(bad), detail))
    }

    /// `field.TypeInvalid`.
    pub(crate) fn type_invalid(field: &str, bad: &Bad, detail: &str) -> Self {
        Self::new("FieldValueTypeInvalid", field, body("Invalid value", Some(bad), detail))
    }

    /// `field.Required`.
    pub(crate) fn required(field: &str, detail: &str) -> Self {
        Self::new("FieldValueRequired", field, body("Required value", None, detail))
    }

    /// `field.Forbidden`.
    pub(crate) fn forbidden(field: &str, detail: &str) -> Self {
        Self::new("FieldValueForbidden", field, body("Forbidden", None, detail))
    }

    /// `field.Duplicate`.
    pub(crate) fn duplicate(field: &str, bad: &Bad) -> Self {
        Self::new("FieldValueDuplicate", field, body("Duplicate value", Some(bad), ""))
    }

    /// `field.NotSupported`: `supported values: "a", "b"`.
    pub(crate) fn not_supported(field: &str, bad: &Bad, supported: &[String]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|v| go_quote(v)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new("FieldValueNotSupported", field, body("Unsupported value", Some(bad), &detail))
    }

    /// `field.TooLong` (the value is omitted).
    pub(crate) fn too_long(field: &str, max: i64) -> Self {
        let detail = match max {
            m if m < 0 => "value is too long".to_string(),
            1 => "may not be more than 1 byte".to_string(),
            m => format!("may not be more than {m} bytes"),
        };
        Self::new("FieldValueTooLong", field, body("Too long", None, &detail))
    }

    /// `field.TooMany`.
    pub(crate) fn too_many(field: &str, actual: i64, max: i64) -> Self {
        let detail = match max {
            m if m < 0 => "has too many items".to_string(),
            1 => "must have at most 1 item".to_string(),
            m => format!("must have at most {m} items"),
        };
        let bad = (actual >= 0).then_some(Bad::Int(actual));
        Self::new("FieldValueTooMany", field, body("Too many", bad.as_ref(), &detail))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn go_printing() {
        assert_eq!(go_quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(1_000_000.0), "1e+06");
        assert_eq!(go_float(123_456.0), "123456");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(-0.25), "-0.25");
        assert_eq!(
            go_json(&json!({"b": [1, 2.5, null], "a": "<x>"})),
            r#"{"a":"\u003cx\u003e","b":[1,2.5,null]}"#
        );
        assert_eq!(go_json(&json!(1e21)), "1e+21");
        assert_eq!(go_json(&json!(1e-7)), "1e-7");
    }

    #[test]
    fn error_bodies() {
        assert_eq!(FieldCause::invalid("a", &Bad::Int(-1), "x").message, "Invalid value: -1: x");
        assert_eq!(FieldCause::invalid("a", &Bad::Null, "x").message, "Invalid value: null: x");
        assert_eq!(FieldCause::required("a", "").message, "Required value");
        assert_eq!(FieldCause::too_long("a", 32).message, "Too long: may not be more than 32 bytes");
        assert_eq!(FieldCause::too_many("a", 3, 1).message, "Too many: 3: must have at most 1 item");
        assert_eq!(
            FieldCause::not_supported("a", &Bad::str("c"), &["a".into(), "b".into()]).message,
            r#"Unsupported value: "c": supported values: "a", "b""#
        );
        assert_eq!(
            FieldCause::duplicate("a[1]", &Bad::Json(json!({"type": "Ready"}))).message,
            r#"Duplicate value: {"type":"Ready"}"#
        );
    }
}
