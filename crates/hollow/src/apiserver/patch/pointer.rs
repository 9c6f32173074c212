//! JSON Pointer (RFC 6901) access for JSON Patch, with evanphx/json-patch v4's rules: array
//! indices as Go's `strconv.Atoi` reads them, negative ones counting from the end (also in
//! the middle of a path), `-` appending for `add`. Errors are the library's messages.

use serde_json::Value;

/// The container (object or array) holding the pointer's last token, and that token.
/// `None` when the pointer is not of the form `/a/b` or a parent is missing or a scalar.
pub(super) fn locate<'a>(doc: &'a mut Value, pointer: &str) -> Option<(&'a mut Value, String)> {
    let rest = pointer.strip_prefix('/')?;
    let mut tokens: Vec<String> = rest.split('/').map(unescape).collect();
    let last = tokens.pop()?;
    let mut node = doc;
    for token in &tokens {
        node = match node {
            Value::Object(map) => map.get_mut(token)?,
            Value::Array(items) => {
                let index = resolve(token.parse::<i64>().ok()?, items.len())?;
                items.get_mut(index)?
            }
            _ => return None,
        };
    }
    matches!(node, Value::Object(_) | Value::Array(_)).then_some((node, last))
}

/// Decodes `~1` to `/` and `~0` to `~` in one pass (RFC 6901 §4).
fn unescape(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('~', Some('1')) => {
                out.push('/');
                chars.next();
            }
            ('~', Some('0')) => {
                out.push('~');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// An array index as Go's `strconv.Atoi` reads it.
fn parse_index(token: &str) -> Result<i64, String> {
    token.parse::<i64>().map_err(|_| format!("strconv.Atoi: parsing \"{token}\": invalid syntax"))
}

fn bad_index(index: i64) -> String {
    format!("Unable to access invalid index: {index}: invalid index referenced")
}

/// Resolves a possibly negative index into `0..len`; `None` when out of range.
fn resolve(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let index = if index < 0 { index + len } else { index };
    if (0..len).contains(&index) { usize::try_from(index).ok() } else { None }
}

/// Inserts at `key`: sets an object member, or inserts into an array before `key` (`-`
/// appends, a negative index counts from the end).
pub(super) fn add_at(parent: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match parent {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) if key == "-" => {
            items.push(value);
            Ok(())
        }
        Value::Array(items) => {
            let index =
                parse_index(key).map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let at = resolve(index, items.len() + 1).ok_or_else(|| bad_index(index))?;
            items.insert(at, value);
            Ok(())
        }
        _ => Err("invalid state detected".to_string()),
    }
}

/// Removes and returns the member or item at `key`; it must exist.
pub(super) fn remove_at(parent: &mut Value, key: &str) -> Result<Value, String> {
    match parent {
        Value::Object(map) => super::remove_key(map, key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        Value::Array(items) => {
            let index = parse_index(key)?;
            let at = resolve(index, items.len()).ok_or_else(|| bad_index(index))?;
            Ok(items.remove(at))
        }
        _ => Err("invalid state detected".to_string()),
    }
}

/// The member or item at `key`: `Ok(None)` for a missing object member, an error for a bad
/// array index (negative ones count from the end; the error names the index after that).
pub(super) fn get_mut<'a>(parent: &'a mut Value, key: &str) -> Result<Option<&'a mut Value>, String> {
    match parent {
        Value::Object(map) => Ok(map.get_mut(key)),
        Value::Array(items) => {
            let index = parse_index(key)?;
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            if index < -len {
                return Err(bad_index(index));
            }
            let index = if index < 0 { index + len } else { index };
            let at =
                usize::try_from(index).ok().filter(|at| *at < items.len()).ok_or_else(|| bad_index(index))?;
            Ok(items.get_mut(at))
        }
        _ => Err("invalid state detected".to_string()),
    }
}

/// Sets the member or item at `key` (an item must exist; negative indices count from the end).
pub(super) fn set_at(parent: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match parent {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(items) => {
            let index = parse_index(key)?;
            let at = resolve(index, items.len()).ok_or_else(|| bad_index(index))?;
            items[at] = value;
            Ok(())
        }
        _ => Err("invalid state detected".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tokens_unescape_in_one_pass() {
        let cases =
            [("a~1b", "a/b"), ("a~0b", "a~b"), ("~01", "~1"), ("~10", "/0"), ("a~b", "a~b"), ("", "")];
        for (token, want) in cases {
            assert_eq!(unescape(token), want, "{token}");
        }
    }

    #[test]
    fn locate_walks_objects_and_arrays() {
        let mut doc = json!({"a": {"b/c": [{"d": 1}, 2]}});
        let cases = [
            ("/a/b~1c/0/d", Some((json!({"d": 1}), "d"))),
            ("/a/b~1c/-", Some((json!([{"d": 1}, 2]), "-"))),
            ("/a/x/y", None),
            ("/a/b~1c/1/y", None),
            ("/a/b~1c/-2/d", Some((json!({"d": 1}), "d"))),
            ("/a/b~1c/-3/d", None),
            ("a/b", None),
            ("", None),
        ];
        for (pointer, want) in cases {
            let got = locate(&mut doc, pointer).map(|(parent, key)| (parent.clone(), key));
            assert_eq!(got, want.map(|(parent, key)| (parent, key.to_string())), "{pointer}");
        }
    }

    #[test]
    fn array_indices() {
        let add = |key: &str| {
            let mut list = json!([0, 1]);
            add_at(&mut list, key, json!(9)).map(|()| list)
        };
        assert_eq!(add("-"), Ok(json!([0, 1, 9])));
        assert_eq!(add("2"), Ok(json!([0, 1, 9])));
        assert_eq!(add("-1"), Ok(json!([0, 1, 9])));
        assert_eq!(add("-3"), Ok(json!([9, 0, 1])));
        assert_eq!(add("3"), Err("Unable to access invalid index: 3: invalid index referenced".to_string()));
        let mut list = json!([0, 1, 2]);
        assert_eq!(remove_at(&mut list, "-1"), Ok(json!(2)));
        assert_eq!(remove_at(&mut list, "-"), Err("strconv.Atoi: parsing \"-\": invalid syntax".to_string()));
        assert_eq!(get_mut(&mut list, "-1"), Ok(Some(&mut json!(1))));
        assert_eq!(
            get_mut(&mut list, "-3"),
            Err("Unable to access invalid index: -3: invalid index referenced".to_string())
        );
        assert_eq!(
            get_mut(&mut list, "2"),
            Err("Unable to access invalid index: 2: invalid index referenced".to_string())
        );
    }
}
