//! `{{args.NAME}}`, `{{rollout.…}}` and `{{interval}}` in queries, URLs, headers and bodies.
//! An unknown placeholder is an error (a typo must not query the wrong series).

use std::collections::BTreeMap;

/// A placeholder with no value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubstituteError {
    /// `{{name}}` names nothing known.
    #[error("{{{{{0}}}}} has no value (known: args.* the templates declare, rollout.*, interval)")]
    Unknown(String),
    /// `{{` without `}}`.
    #[error("unclosed {{{{ at byte {0}")]
    Unclosed(usize),
}

/// Replaces every `{{ name }}` in `text` with `values[name]`.
pub fn substitute(text: &str, values: &BTreeMap<String, String>) -> Result<String, SubstituteError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(SubstituteError::Unclosed(offset + start))?;
        let name = after[..end].trim();
        let value = values.get(name).ok_or_else(|| SubstituteError::Unknown(name.to_string()))?;
        out.push_str(value);
        let consumed = start + 2 + end + 2;
        rest = &rest[consumed..];
        offset += consumed;
    }
    out.push_str(rest);
    Ok(out)
}

/// A duration as PromQL writes it (`90s`, `5m`, `250ms`): whole seconds unless shorter.
pub fn promql_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) || ms == 0 {
        format!("{}ms", ms.max(1))
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else {
        format!("{}s", ms / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        [("args.service", "web-canary"), ("interval", "30s")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn replaces_known_names_and_refuses_others() {
        assert_eq!(
            substitute("rate(x{service=\"{{ args.service }}\"}[{{interval}}])", &values()),
            Ok("rate(x{service=\"web-canary\"}[30s])".to_string())
        );
        assert_eq!(
            substitute("{{args.servce}}", &values()),
            Err(SubstituteError::Unknown("args.servce".into()))
        );
        assert_eq!(substitute("ok {{args.service", &values()), Err(SubstituteError::Unclosed(3)));
        assert_eq!(substitute("no placeholders", &values()), Ok("no placeholders".into()));
    }

    #[test]
    fn durations_in_promql_form() {
        use std::time::Duration;
        assert_eq!(promql_duration(Duration::from_secs(30)), "30s");
        assert_eq!(promql_duration(Duration::from_secs(120)), "2m");
        assert_eq!(promql_duration(Duration::from_millis(1500)), "1500ms");
    }
}
