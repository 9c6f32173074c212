//! The JSONPath subset a `web` metric uses to find its value: `$`, `.name`, `['name']`,
//! `[N]` and `[*]`. A path through `[*]` gives a vector; otherwise one number. Strings that
//! hold numbers count (many APIs quote them); anything else is an error naming the path.

use serde_json::Value;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    All,
}

fn parse(path: &str) -> Result<Vec<Step>, String> {
    let rest = path.trim().strip_prefix('$').ok_or_else(|| format!("JSONPath {path:?} must start with $"))?;
    let mut steps = Vec::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '.' => {
                let mut key = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    key.push(c);
                    chars.next();
                }
                if key.is_empty() {
                    return Err(format!("JSONPath {path:?}: empty name at byte {}", i + 1));
                }
                steps.push(Step::Key(key));
            }
            '[' => {
                let mut inner = String::new();
                let mut closed = false;
                for (_, c) in chars.by_ref() {
                    if c == ']' {
                        closed = true;
                        break;
                    }
                    inner.push(c);
                }
                if !closed {
                    return Err(format!("JSONPath {path:?}: unclosed [ at byte {}", i + 1));
                }
                let inner = inner.trim();
                if inner == "*" {
                    steps.push(Step::All);
                } else if let Some(k) = inner
                    .strip_prefix('\'')
                    .and_then(|k| k.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|k| k.strip_suffix('"')))
                {
                    steps.push(Step::Key(k.to_string()));
                } else {
                    let n =
                        inner.parse().map_err(|_| format!("JSONPath {path:?}: [{inner}] is not an index"))?;
                    steps.push(Step::Index(n));
                }
            }
            _ => return Err(format!("JSONPath {path:?}: unexpected {c:?} at byte {}", i + 1)),
        }
    }
    Ok(steps)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            s => s.parse().ok(),
        },
        _ => None,
    }
}

/// The value at `path` in `doc`: `Ok((numbers, vector))`, or why not.
pub fn select(doc: &Value, path: &str) -> Result<(Vec<f64>, bool), String> {
    let steps = parse(path)?;
    let mut current: Vec<&Value> = vec![doc];
    let mut vector = false;
    for step in &steps {
        let mut next = Vec::new();
        for v in current {
            match (step, v) {
                (Step::Key(k), Value::Object(m)) => next.extend(m.get(k)),
                (Step::Index(i), Value::Array(a)) => next.extend(a.get(*i)),
                (Step::All, Value::Array(a)) => next.extend(a.iter()),
                (Step::All, Value::Object(m)) => next.extend(m.values()),
                _ => {}
            }
        }
        vector |= *step == Step::All;
        current = next;
    }
    if current.is_empty() && !vector {
        return Err(format!("JSONPath {path} matched nothing"));
    }
    let numbers: Result<Vec<f64>, String> = current
        .iter()
        .map(|v| match v {
            Value::Null => Ok(f64::NAN),
            v => number(v).ok_or_else(|| format!("JSONPath {path} holds {v}, not a number")),
        })
        .collect();
    Ok((numbers?, vector))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_numbers_and_vectors() {
        let doc = serde_json::json!({"data": {"rate": 0.97, "q": "12.5", "series": [{"v": 1}, {"v": 2}], "none": null}});
        assert_eq!(select(&doc, "$.data.rate"), Ok((vec![0.97], false)));
        assert_eq!(select(&doc, "$['data']['q']"), Ok((vec![12.5], false)));
        assert_eq!(select(&doc, "$.data.series[1].v"), Ok((vec![2.0], false)));
        assert_eq!(select(&doc, "$.data.series[*].v"), Ok((vec![1.0, 2.0], true)));
        assert!(select(&doc, "$.data.none").is_ok_and(|(v, _)| v[0].is_nan()));
        assert!(select(&doc, "$.data.missing").is_err());
        assert!(select(&doc, "$.data").is_err_and(|e| e.contains("not a number")));
        assert!(select(&doc, "data.rate").is_err());
        assert!(select(&doc, "$.data.series[x]").is_err());
        assert_eq!(select(&serde_json::json!([]), "$[*]"), Ok((vec![], true)));
    }
}
