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

/// Walks the placeholders of `text`: `each` gives a placeholder's value, or `None` to keep it
/// as written.
fn walk(
    text: &str,
    mut each: impl FnMut(&str) -> Result<Option<String>, SubstituteError>,
) -> Result<String, SubstituteError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(SubstituteError::Unclosed(offset + start))?;
        let consumed = start + 2 + end + 2;
        match each(after[..end].trim())? {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..consumed]),
        }
        rest = &rest[consumed..];
        offset += consumed;
    }
    out.push_str(rest);
    Ok(out)
}

/// Replaces every `{{ name }}` in `text` with `values[name]`.
pub fn substitute(text: &str, values: &BTreeMap<String, String>) -> Result<String, SubstituteError> {
    walk(text, |name| {
        values.get(name).cloned().map(Some).ok_or_else(|| SubstituteError::Unknown(name.to_string()))
    })
}

/// Replaces the placeholders `values` has and keeps the others as written (for showing a
/// template with what is known); the names kept come back beside the text.
pub fn fill_known(
    text: &str,
    values: &BTreeMap<String, String>,
) -> Result<(String, Vec<String>), SubstituteError> {
    let mut kept = Vec::new();
    let filled = walk(text, |name| {
        let v = values.get(name).cloned();
        if v.is_none() && !kept.iter().any(|k| k == name) {
            kept.push(name.to_string());
        }
        Ok(v)
    })?;
    Ok((filled, kept))
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
        assert_eq!(
            fill_known("{{args.service}} {{ rollout.name }} {{rollout.name}}", &values()),
            Ok(("web-canary {{ rollout.name }} {{rollout.name}}".into(), vec!["rollout.name".into()]))
        );
    }

    #[test]
    fn durations_in_promql_form() {
        use std::time::Duration;
        assert_eq!(promql_duration(Duration::from_secs(30)), "30s");
        assert_eq!(promql_duration(Duration::from_secs(120)), "2m");
        assert_eq!(promql_duration(Duration::from_millis(1500)), "1500ms");
    }
}
