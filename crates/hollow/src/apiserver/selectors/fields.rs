//! Field selectors as apimachinery's `fields.ParseSelector` reads them (`a=b,c!=d`, values with
//! `\,` `\=` `\\` escapes), then checked against the fields the resource's kind converts, with
//! the real server's messages.

use serde_json::Value;

use super::FieldSelector;
use crate::apiserver::registry::ResourceDef;

/// Splits on commas not escaped by a backslash.
fn split_terms(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut escaped) = (Vec::new(), String::new(), false);
    for c in s.chars() {
        match c {
            ',' if !escaped => out.push(std::mem::take(&mut cur)),
            _ => {
                escaped = c == '\\' && !escaped;
                cur.push(c);
            }
        }
    }
    out.push(cur);
    out
}

/// Splits a term at its first operator (`!=`, `==`, `=`, tried in that order at each offset).
fn split_term(term: &str) -> Option<(&str, bool, &str)> {
    (0..term.len()).filter(|i| term.is_char_boundary(*i)).find_map(|i| {
        let rest = &term[i..];
        [("!=", false), ("==", true), ("=", true)]
            .into_iter()
            .find(|(op, _)| rest.starts_with(op))
            .map(|(op, eq)| (&term[..i], eq, &rest[op.len()..]))
    })
}

fn unescape(value: &str) -> Result<String, String> {
    let (mut out, mut slash) = (String::new(), false);
    for c in value.chars() {
        if slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(format!("invalid field selector: invalid escape sequence: \\{c}"));
            }
            out.push(c);
            slash = false;
            continue;
        }
        match c {
            '\\' => slash = true,
            // Go prints the rune as its code point.
            ',' | '=' => {
                return Err(format!("invalid field selector: unescaped character in value: {}", c as u32));
            }
            _ => out.push(c),
        }
    }
    if slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

/// Kinds whose registry has a field label conversion (`field label not supported: x`); the
/// others only know the metadata fields (`"x" is not a known field selector: ...`).
fn has_conversion(def: &ResourceDef) -> bool {
    !def.builtin || !def.selectable_fields.is_empty()
}

/// Whether `field` can be selected on this resource.
fn supported(def: &ResourceDef, field: &str) -> bool {
    match field {
        "metadata.name" => true,
        "metadata.namespace" => def.namespaced || !has_conversion(def),
        _ => def.selectable_fields.iter().any(|f| f == field),
    }
}

impl FieldSelector {
    /// Parses a field selector for a resource; errors are the real server's 400 messages.
    pub fn parse_for(s: &str, def: &ResourceDef) -> Result<Self, String> {
        let mut terms = split_terms(s);
        terms.sort();
        let mut out = Vec::new();
        for term in terms.iter().filter(|t| !t.is_empty()) {
            let Some((field, equal, value)) = split_term(term) else {
                return Err(format!("invalid selector: '{s}'; can't understand '{term}'"));
            };
            out.push((field.to_string(), equal, unescape(value)?));
        }
        for (field, _, _) in &out {
            if !supported(def, field) {
                return Err(if has_conversion(def) {
                    format!("field label not supported: {field}")
                } else {
                    format!(
                        "{field:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                    )
                });
            }
        }
        Ok(Self(out))
    }

    /// Whether an object matches.
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| (field_value(obj, field) == *value) == *equal)
    }
}

/// A field's value as the kind's field set renders it (absent is the empty string).
fn field_value(obj: &Value, field: &str) -> String {
    let ptr = match field {
        // core/v1 Event: `source` is the reporting component.
        "source" => "/source/component".to_string(),
        // batch/v1 Job: the count of succeeded pods, `0` when unset.
        "status.successful" => "/status/succeeded".to_string(),
        f => format!("/{}", f.replace('.', "/")),
    };
    match obj.pointer(&ptr) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None if field == "spec.hostNetwork" => "false".into(),
        Some(Value::Null) | None if field == "status.successful" => "0".into(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::registry::Registry;

    #[test]
    fn parse_errors_are_the_real_servers() {
        let reg = Registry::new();
        let pods = reg.lookup("", "v1", "pods").unwrap();
        let cms = reg.lookup("", "v1", "configmaps").unwrap();
        let cases = [
            (&pods, "spec.bogus=x", "field label not supported: spec.bogus"),
            (&pods, "status.phase", "invalid selector: 'status.phase'; can't understand 'status.phase'"),
            (&pods, "status.phase=a=b", "invalid field selector: unescaped character in value: 61"),
            (&pods, "status.phase=a\\x", "invalid field selector: invalid escape sequence: \\x"),
            (
                &cms,
                "data.k=v",
                "\"data.k\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
            ),
        ];
        for (def, sel, want) in cases {
            assert_eq!(FieldSelector::parse_for(sel, def), Err(want.to_string()), "{sel}");
        }
        let ok = FieldSelector::parse_for("metadata.name=a\\,b,status.phase!=Failed", &pods).unwrap();
        assert!(
            ok.matches(&serde_json::json!({"metadata": {"name": "a,b"}, "status": {"phase": "Running"}}))
        );
    }
}
